// audiencectl export usage against a real server with seed demo (demo-nexus, seed/README.md,
// reference 2026-06-15T12:00:00Z): rows streamed through COPY in CSV and NDJSON at both
// grains, the audit row committed before any row leaves (and kept when the export fails),
// strangers refused, an uncommitted request never fetched.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("usage export")
struct UsageExportTests {
  static let reference = "2026-06-15T12:00:00Z"

  /// A migrated database with seed demo at the reference, and demo-nexus's id.
  func fixture() throws -> (TestDatabase, org: UUID) {
    let db = try migratedDatabase()
    let seeded = try audiencectl(
      ["seed", "demo", "--reference", Self.reference, "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    guard seeded.status == 0 else { throw PostgresError(code: .clientError, message: "seed demo failed: \(seeded.stderr)") }
    let org = try #require(
      try db.connect().scalar("select id from app.organizations where slug = 'demo-nexus'", as: UUID.self))
    return (db, org)
  }

  func export(_ db: TestDatabase, _ org: UUID, from: String = "2026-05-16", to: String = "2026-06-15", format: String,
              grain: String, out: String) throws -> CLIResult {
    try audiencectl([
      "export", "usage", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--org", org.uuidString,
      "--from", from, "--to", to, "--format", format, "--grain", grain, "--out", out,
    ])
  }

  func lines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasSuffix("\n"))
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
  }

  @Test("CSV and NDJSON at grain request and day: 778 requests, 30 days, the price change to the cent, one audit row each")
  func formatsAndGrains() async throws {
    try await blocking { try Self().formatsAndGrainsBody() }
  }

  func formatsAndGrainsBody() throws {
    let (db, org) = try fixture()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }

    // Grain request, CSV: a header and 778 requests, in occurred_at order.
    let csv = dir.appendingPathComponent("requests.csv").path
    let r1 = try export(db, org, format: "csv", grain: "request", out: csv)
    #expect(r1.status == 0, "\(r1.stderr)")
    #expect(r1.stderr.hasSuffix(": 778 requests written to \(csv)\n"))
    let csvLines = try lines(csv)
    #expect(csvLines.count == 1 + 778)
    #expect(csvLines[0].hasPrefix("request_id,day,occurred_at,received_at,user_id,team,project,feature,provider,model,"))
    #expect(csvLines[0].hasSuffix(",status,error_type,rating,feedback_flag,price_id,cost,baseline_cost,metadata"))
    #expect(csvLines[1].hasPrefix("demo:chat:30:am:1,2026-05-16,2026-05-16 08:01:00+00,"))
    #expect(csvLines[1].hasSuffix(",0.00175,0.0135,{}"))

    // Grain request, NDJSON: the same 778; agent requests charged $0.60 before the price
    // change (2026-06-09) and $0.40 after it (2026-06-10); 14 unpriced (cost null).
    let json = dir.appendingPathComponent("requests.ndjson").path
    let r2 = try export(db, org, format: "json", grain: "request", out: json)
    #expect(r2.status == 0, "\(r2.stderr)")
    let requests = try lines(json).map { try JSONValue.parse($0) }
    #expect(requests.count == 778)
    func agentCosts(_ day: String) -> [Double?] {
      requests.filter { $0["feature"]?.stringValue == "agent" && $0["day"]?.stringValue == day }.map { $0["cost"]?.numberValue }
    }
    #expect(agentCosts("2026-06-09") == Array(repeating: 0.6, count: 10))
    #expect(agentCosts("2026-06-10") == Array(repeating: 0.4, count: 10))
    #expect(requests.filter { $0["cost"] == .null }.count == 14)
    #expect(requests.filter { $0["was_routed"] == .bool(true) }.count == 240)

    // Grain day, CSV: every local day of [2026-05-16, 2026-06-15); the batch spike day.
    let days = dir.appendingPathComponent("days.csv").path
    let r3 = try export(db, org, format: "csv", grain: "day", out: days)
    #expect(r3.status == 0, "\(r3.stderr)")
    #expect(r3.stderr.hasSuffix(": 30 days written to \(days)\n"))
    let dayLines = try lines(days)
    #expect(dayLines.count == 1 + 30)
    #expect(dayLines[0] == "day,requests,errors,cost,unpriced,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,active_users")
    #expect(dayLines[1].hasPrefix("2026-05-16,"))
    #expect(dayLines.contains("2026-06-08,49,0,14.3052,2,1285000,706200,0,0,6"))
    #expect(dayLines.contains("2026-06-09,24,0,6.0552,2,1035000,206200,0,0,6"))

    // Grain day, NDJSON: the totals are the overview's (778 requests, $183.22, 14 unpriced, 1 error).
    let daysJSON = dir.appendingPathComponent("days.ndjson").path
    let r4 = try export(db, org, format: "json", grain: "day", out: daysJSON)
    #expect(r4.status == 0, "\(r4.stderr)")
    let daily = try lines(daysJSON).map { try JSONValue.parse($0) }
    #expect(daily.count == 30)
    #expect(daily.map { $0["day"]?.stringValue } == (16...31).map { "2026-05-\($0)" } + (1...14).map { String(format: "2026-06-%02d", $0) })
    #expect(daily.compactMap { $0["requests"]?.numberValue }.reduce(0, +) == 778)
    #expect(daily.compactMap { $0["unpriced"]?.numberValue }.reduce(0, +) == 14)
    #expect(daily.compactMap { $0["errors"]?.numberValue }.reduce(0, +) == 1)

    // One committed audit row per export, with what was exported.
    let audit = try db.connect().query(
      "select grain, from_date::text, to_date::text, row_count, exported_by::text from usage.exports where org_id = \(org) order by id")
    #expect(audit.cells == [
      ["request", "2026-05-16", "2026-06-15", "778", nil], ["request", "2026-05-16", "2026-06-15", "778", nil],
      ["day", "2026-05-16", "2026-06-15", "30", nil], ["day", "2026-05-16", "2026-06-15", "30", nil],
    ])
    #expect(try db.connect().scalar(
      "select sum(cost) from public.fetch_usage_export_days((select max(id) from usage.exports))", as: String.self) == "183.22172")
  }

  @Test("a value with a backslash and a quote arrives intact in NDJSON and CSV")
  func backslashesAndQuotes() async throws {
    try await blocking { try Self().backslashesAndQuotesBody() }
  }

  func backslashesAndQuotesBody() throws {
    let (db, org) = try fixture()
    let weird = #"C:\temp\"x" says "hi", \n not a newline"#
    try db.connect().execute(
      """
      insert into usage.model_requests (org_id, request_id, occurred_at, provider, model, status, error_type, metadata)
      values (\(org), 'export:weird', '2026-07-01 10:00+00', 'demo-ai', 'nova-mini', 'error', \(weird),
              jsonb_build_object('note', \(weird)::text))
      """)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let json = dir.appendingPathComponent("weird.ndjson").path
    let r1 = try export(db, org, from: "2026-07-01", to: "2026-07-02", format: "json", grain: "request", out: json)
    #expect(r1.status == 0, "\(r1.stderr)")
    let rows = try lines(json).map { try JSONValue.parse($0) }
    #expect(rows.count == 1)
    #expect(rows.first?["error_type"]?.stringValue == weird)
    #expect(rows.first?["metadata"]?["note"]?.stringValue == weird)
    let csv = dir.appendingPathComponent("weird.csv").path
    let r2 = try export(db, org, from: "2026-07-01", to: "2026-07-02", format: "csv", grain: "request", out: csv)
    #expect(r2.status == 0, "\(r2.stderr)")
    let quoted = "\"" + weird.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    #expect(try lines(csv)[1].contains(",error,\(quoted),"))
  }

  @Test("--include-insights: the period's 2 stored anomalies and the open recommendation follow the rows, in NDJSON and CSV; the audit row says so")
  func includeInsights() async throws {
    try await blocking { try Self().includeInsightsBody() }
  }

  func includeInsightsBody() throws {
    let (db, org) = try fixture()
    let connection = try db.connect()
    // The detection and rule steps store them (seed/README.md, demo-nexus).
    #expect(try connection.scalar(
      "select usage.detect_anomalies(\(org), '2026-05-16 00:00+02', '2026-06-15 00:00+02')", as: Int.self) == 2)
    #expect(try connection.scalar("select usage.generate_recommendations(\(org), '2026-06-15')", as: Int.self) == 1)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func run(_ format: String, _ out: String, from: String = "2026-05-16") throws -> CLIResult {
      try audiencectl([
        "export", "usage", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--org", org.uuidString,
        "--from", from, "--to", "2026-06-15", "--format", format, "--grain", "day", "--out", out, "--include-insights",
      ])
    }

    // NDJSON: 30 days, then 2 anomalies (the cost spike at 06-08 03:00 local, for atlas-large
    // and for the organization) and the cheaper-model recommendation ($0.86 a month).
    let json = dir.appendingPathComponent("days.ndjson").path
    let r1 = try run("json", json)
    #expect(r1.status == 0, "\(r1.stderr)")
    #expect(r1.stderr.hasSuffix(": 30 days and 3 insights written to \(json)\n"))
    let objects = try lines(json).map { try JSONValue.parse($0) }
    #expect(objects.count == 33)
    #expect(objects[29]["day"]?.stringValue == "2026-06-14")
    #expect(objects[29]["record"] == nil)
    let insights = Array(objects[30...])
    #expect(insights.map { $0["record"]?.stringValue } == ["anomaly", "anomaly", "recommendation"])
    #expect(insights.map { $0["scope"]?.stringValue } == ["model:demo-ai/atlas-large", "org", nil])
    #expect(insights[0]["kind"]?.stringValue == "cost")
    #expect(insights[0]["bucket_start"]?.stringValue == "2026-06-08T01:00:00+00:00")
    #expect(insights[0]["value"]?.numberValue == 8.25)
    #expect(insights[1]["evidence"]?["z_score"]?.numberValue == 85.44)
    #expect(insights[2]["kind"]?.stringValue == "cheaper_model")
    #expect(insights[2]["estimated_monthly_saving"]?.numberValue == 0.86)

    // CSV: the 30 days with their header, one empty line, then the insights' own table.
    let csv = dir.appendingPathComponent("days.csv").path
    let r2 = try run("csv", csv)
    #expect(r2.status == 0, "\(r2.stderr)")
    let csvLines = try lines(csv)
    #expect(csvLines.count == 1 + 30 + 1 + 1 + 3)
    #expect(csvLines[31] == "")
    #expect(csvLines[32] == "record,id,kind,scope,bucket_start,severity,status,title,value,estimated_monthly_saving,evidence")
    #expect(csvLines[33].hasPrefix("anomaly,"))
    #expect(csvLines[35].hasPrefix("recommendation,"))

    // A period after the spike: the anomalies stay out, the open recommendation is in.
    let later = dir.appendingPathComponent("later.ndjson").path
    let r3 = try run("json", later, from: "2026-06-09")
    #expect(r3.status == 0, "\(r3.stderr)")
    #expect(try lines(later).compactMap { try JSONValue.parse($0)["record"]?.stringValue } == ["recommendation"])
    #expect(try connection.scalar(
      "select count(*)::int from usage.exports where org_id = \(org) and include_insights", as: Int.self) == 3)
  }

  @Test("the audit row stays committed when the export then fails; strangers are refused; an uncommitted request is never fetched")
  func auditRule() async throws {
    try await blocking { try Self().auditRuleBody() }
  }

  func auditRuleBody() throws {
    let (db, org) = try fixture()
    let connection = try db.connect()
    let support = TestEnvironment.packageRoot.appendingPathComponent("Tests/Contracts/_support/00_tests_helpers.sql")
    try connection.runScript(try String(contentsOf: support, encoding: .utf8))
    let analyst = try #require(try connection.scalar("select tests.create_user('export-analyst@example.com')", as: UUID.self))
    let stranger = try #require(try connection.scalar("select tests.create_user('export-stranger@example.com')", as: UUID.self))
    let viewer = try #require(try connection.scalar("select tests.create_user('export-viewer@example.com')", as: UUID.self))
    try connection.execute("select tests.add_member(\(org), \(analyst), 'analyst')")
    try connection.execute("select tests.add_member(\(org), \(viewer), 'viewer')")

    // The export fails after the request (the output cannot be created): the audit row stays.
    let failed = try export(db, org, format: "csv", grain: "request", out: "/nonexistent-\(UUID().uuidString)/x.csv")
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("is audited (committed), but no row was exported"))
    #expect(try connection.scalar("select count(*)::int from usage.exports where org_id = \(org) and row_count = 778", as: Int.self) == 1)

    // A stranger and a viewer are refused (42501), nothing is written.
    for user in [stranger, viewer] {
      try connection.execute("begin")
      try connection.execute("select tests.authenticate_as(\(user))")
      do {
        _ = try connection.query("select * from public.request_usage_export(\(org), '2026-05-16', '2026-06-15', 'day')")
        Issue.record("request_usage_export answered for \(user)")
      } catch let error as PostgresError {
        #expect(error.code.rawValue == "42501")
      }
      try connection.execute("rollback")
    }
    // A bad period: 22023 with a hint.
    try connection.execute("begin")
    try connection.execute("select tests.authenticate_as(\(analyst))")
    do {
      _ = try connection.query("select * from public.request_usage_export(\(org), '2026-06-15', '2026-05-16', 'day')")
      Issue.record("request_usage_export accepted a period ending before it starts")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "22023")
      #expect(error.hint != nil)
    }
    try connection.execute("rollback")

    // An analyst's request is not fetched inside its own transaction (55000), and its
    // rollback leaves no audit row.
    try connection.execute("begin")
    try connection.execute("select tests.authenticate_as(\(analyst))")
    let uncommitted = try #require(try connection.scalar(
      "select export_id from public.request_usage_export(\(org), '2026-05-16', '2026-06-15', 'request')", as: Int.self))
    do {
      _ = try connection.query("select count(*) from public.fetch_usage_export_requests(\(uncommitted))")
      Issue.record("the fetch answered rows for an uncommitted request")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "55000")
      #expect(error.message == "usage export \(uncommitted) is not committed yet: its rows are answered only after the transaction that requested it commits")
    }
    try connection.execute("rollback")
    #expect(try connection.scalar("select count(*)::int from usage.exports where exported_by = \(analyst)", as: Int.self) == 0)

    // The command with --as: the viewer is refused (42501), the analyst's export names them.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-export-as-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    func exportAs(_ user: UUID) throws -> CLIResult {
      try audiencectl([
        "export", "usage", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--org", org.uuidString,
        "--from", "2026-05-16", "--to", "2026-06-15", "--format", "csv", "--grain", "day",
        "--out", dir.appendingPathComponent("days.csv").path, "--as", user.uuidString,
      ])
    }
    let asViewer = try exportAs(viewer)
    #expect(asViewer.status == 1)
    #expect(asViewer.stderr.contains("42501"), "\(asViewer.stderr)")
    let asAnalyst = try exportAs(analyst)
    #expect(asAnalyst.status == 0, "\(asAnalyst.stderr)")
    #expect(try connection.scalar("select count(*)::int from usage.exports where exported_by = \(analyst)", as: Int.self) == 1)
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("days.csv.partial").path))

    // Committed, the analyst fetches it; a stranger gets the same 42501 as for a missing id.
    let committed = try connection.transaction {
      try connection.execute("select tests.authenticate_as(\(analyst))")
      return try #require(try connection.scalar(
        "select export_id from public.request_usage_export(\(org), '2026-05-16', '2026-06-15', 'day')", as: Int.self))
    }
    let fetched = try connection.transaction {
      try connection.execute("select tests.authenticate_as(\(analyst))")
      return try connection.scalar("select sum(requests)::int from public.fetch_usage_export_days(\(committed))", as: Int.self)
    }
    #expect(fetched == 778)
    var messages: [String] = []
    for id in [committed, 999_999_999] {
      try connection.execute("begin")
      try connection.execute("select tests.authenticate_as(\(stranger))")
      do {
        _ = try connection.query("select * from public.fetch_usage_export_days(\(id))")
        Issue.record("a stranger fetched export \(id)")
      } catch let error as PostgresError {
        #expect(error.code.rawValue == "42501")
        messages.append(error.message.replacingOccurrences(of: "\(id)", with: "N"))
      }
      try connection.execute("rollback")
    }
    #expect(messages.count == 2 && messages[0] == messages[1])
  }
}
