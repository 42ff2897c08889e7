// bench audience | dashboards against the demo data: every RPC answers, the maintenance
// steps run, and what they change for the measurement is rolled back. Timings are printed
// by the command, never asserted.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("bench")
struct BenchTests {
  /// A migrated database with the demo loaded relative to now, refreshed.
  func demoDatabase() throws -> TestDatabase {
    let db = try migratedDatabase()
    for command in [["seed", "demo"], ["refresh"]] {
      let result = try audiencectl(command + ["--url", db.url, "--project", TestEnvironment.packageRoot.path])
      guard result.status == 0 else { throw PostgresError(code: .clientError, message: "\(command) failed: \(result.stderr)") }
    }
    return db
  }

  func bench(_ group: String, _ db: TestDatabase) throws -> JSONValue {
    let result = try audiencectl(["bench", group, "--runs", "1", "--json", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    #expect(result.status == 0, "\(result.stderr)")
    return try JSONValue.parse(result.stdout)
  }

  /// What the database holds that a benchmark must leave alone.
  func fingerprint(_ connection: Connection) throws -> String {
    try connection.scalar(
      """
      select format('%s events, %s customers, %s visitor-days, %s segments',
                    (select count(*) from analytics.events), (select count(*) from audience.customers),
                    (select count(*) from analytics.visitor_daily_counts), (select count(*) from audience.segments))
      """, as: String.self) ?? ""
  }

  @Test("bench dashboards: the four RPCs for the largest organization; the daily rollups after a rolled-back day, then from empty")
  func dashboards() throws {
    let db = try demoDatabase()
    let connection = try db.connect()
    // The day of new events the benchmark adds: the events of now - 2 days .. now - 1 day, one day later.
    let expected = try connection.scalar(
      "select count(*)::int from analytics.events where occurred_at >= now() - interval '2 days' and occurred_at < now() - interval '1 day'",
      as: Int.self) ?? 0
    let stored = try connection.scalar(
      """
      select ((select count(*) from analytics.visitor_daily_counts) + (select count(*) from analytics.entity_daily_stats)
              + (select count(*) from analytics.entity_daily_visitors) + (select count(*) from analytics.user_daily_stats)
              + (select count(*) from analytics.org_daily_stats) + (select count(*) from analytics.org_daily_visitors)
              + (select count(*) from analytics.profile_daily_stats) + (select count(*) from analytics.org_daily_recency)
              + (select count(*) from analytics.entity_daily_recency))::int
      """, as: Int.self) ?? 0
    let before = try fingerprint(connection)
    let report = try bench("dashboards", db)
    let nachtfalter = try connection.scalar("select id::text from app.organizations where slug = 'demo-nachtfalter'", as: String.self)
    #expect(report["org"]?.stringValue == nachtfalter)
    #expect(report["orgEvents"]?.numberValue == 1156)
    let timings = report["timings"]?.arrayValue ?? []
    #expect(timings.compactMap { $0["call"]?.stringValue } == ["get_dashboard", "get_entity_analytics", "get_realtime_stats", "get_conversion_funnel"])
    #expect(timings.allSatisfy { $0["error"] == nil })
    let steps = report["maintenance"]?.arrayValue ?? []
    #expect(steps.compactMap { $0["step"]?.stringValue } == ["daily rollups, catch-up", "daily rollups, after one day", "daily rollups, from empty"])
    #expect(steps.first?["detail"]?.stringValue == "0 rows written")  // refresh already applied everything
    #expect(steps.dropFirst().first?["detail"]?.stringValue?.hasPrefix("after \(expected) new events of one day: ") == true)
    // From empty, every stored row is written again.
    #expect(steps.last?["detail"]?.stringValue == "\(stored.formatted()) rows written")
    #expect(report["notes"]?.arrayValue?.first?.stringValue?.hasPrefix("after one day is ") == true)
    #expect(try fingerprint(connection) == before)
  }

  @Test("bench refresh: from empty, after a day, after a minute and the minute in a new session, every step of the refresh, all rolled back")
  func refresh() throws {
    let db = try demoDatabase()
    let connection = try db.connect()
    let result = try audiencectl(["bench", "refresh", "--json", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    let before = try fingerprint(connection)
    let scenarios = report["scenarios"]?.arrayValue ?? []
    #expect(
      scenarios.compactMap { $0["name"]?.stringValue } == [
        "from empty", "after one day of new events", "after one minute of new events",
        "after one minute of new events, in a new session (as the scheduled job)",
      ])
    let all = try connection.scalar("select count(*)::int from analytics.events", as: Int.self)
    #expect(scenarios.first?["events"]?.numberValue.map { Int($0) } == all)
    for scenario in scenarios {
      let steps = scenario["steps"]?.arrayValue ?? []
      let names = steps.compactMap { $0["step"]?.stringValue }
      #expect(steps.allSatisfy { $0["error"] == nil }, "\(scenario)")
      #expect(names.firstIndex(of: "analytics.org_daily_stats")! > names.firstIndex(of: "analytics.visitor_daily_counts")!)
      #expect(names.contains("audience.update_customers") && names.contains("private.mv_cohort_retention"))
      #expect((scenario["floorMs"]?.numberValue ?? 0) > 0)
    }
    // From empty, the daily visitor rollup writes every row it holds.
    let visitorDays = try connection.scalar("select count(*)::int from analytics.visitor_daily_counts", as: Int.self) ?? 0
    let first = scenarios.first?["steps"]?.arrayValue?.first { $0["step"]?.stringValue == "analytics.visitor_daily_counts" }
    #expect(first?["detail"]?.stringValue == "\(visitorDays.formatted()) rows")
    // A second run finds the database as the first left it (rerunnable).
    let again = try audiencectl(["bench", "refresh", "--json", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try fingerprint(connection) == before)
  }

  @Test("bench audience: twelve RPC timings, the rollup readers again with a rolled-back day and a rolled-back minute not yet refreshed, the refresh steps, update_customers incremental and full, a segment export, all rolled back")
  func audience() throws {
    let db = try demoDatabase()
    let connection = try db.connect()
    let before = try fingerprint(connection)
    let customers = try connection.scalar("select count(*)::int from audience.customers", as: Int.self) ?? 0
    // The largest organization's events that the rolled-back day copies (now - 2 days .. now - 1 day).
    let copied = try connection.scalar(
      """
      select count(*)::int from analytics.events e join app.organizations o on o.id = e.org_id
       where o.slug = 'demo-nachtfalter' and e.occurred_at >= now() - interval '2 days' and e.occurred_at < now() - interval '1 day'
      """, as: Int.self)
    let report = try bench("audience", db)
    let timings = report["timings"]?.arrayValue ?? []
    #expect(timings.count == 13)
    #expect(timings.allSatisfy { $0["error"] == nil })
    let unrefreshed = report["unrefreshed"]?.arrayValue ?? []
    #expect(
      unrefreshed.compactMap { $0["call"]?.stringValue }
        == ["get_audience_overview", "get_audience_acquisition", "get_audience_device_network", "get_audience_paths",
            "get_audience_kpi_series", "get_audience_kpis", "get_audience_attribution (last non-direct, 30 d)",
            "get_audience_attribution (first touch, 30 d)"])
    #expect(unrefreshed.allSatisfy { $0["error"] == nil })
    // The same readers with a minute of new events (rolled back likewise).
    let minute = report["unrefreshedMinute"]?.arrayValue ?? []
    #expect(minute.compactMap { $0["call"]?.stringValue } == unrefreshed.compactMap { $0["call"]?.stringValue })
    #expect(minute.allSatisfy { $0["error"] == nil })
    #expect((copied ?? 0) > 0)
    #expect(report["unrefreshedEvents"]?.numberValue == Double(copied ?? -1))
    let steps = report["maintenance"]?.arrayValue ?? []
    let names = steps.compactMap { $0["step"]?.stringValue }
    #expect(names.first == "refresh: analytics.ensure_partitions")
    #expect(
      names.suffix(4)
        == ["update_customers, incremental", "update_customers, floor", "update_customers, full", "fetch_segment_export, with PII"])
    #expect(steps.allSatisfy { $0["error"] == nil })
    #expect(steps[steps.count - 2]["detail"]?.stringValue?.hasPrefix("from an empty table: \(customers.formatted()) customer rows (") == true)
    // "N customers seen in the last D days": N is what preview_segment counts for D.
    let detail = steps.last?["detail"]?.stringValue ?? ""
    let words = detail.split(separator: " ")
    let days = words.count == 8 ? Int(words[6]) : nil
    let size = try connection.scalar(
      """
      select public.preview_segment(o.id, jsonb_build_array(jsonb_build_object('field', 'last_seen', 'op', 'within', 'value', \(days ?? 0))))::int
        from app.organizations o where o.slug = 'demo-nachtfalter'
      """, as: Int.self) ?? 0
    #expect(size > 0)
    #expect(detail == "\(size.formatted()) customers seen in the last \(days ?? 0) days")
    #expect(try fingerprint(connection) == before)
  }

  @Test("bench ingest: every path, one and two sessions, three runs each, stores exactly the events it sends, in databases it drops; the median run is reported")
  func ingest() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    let benchDatabases: SQL = "select count(*)::int from pg_database where datname like 'bench_ingest_%'"
    let before = try connection.scalar(benchDatabases, as: Int.self)
    let result = try audiencectl([
      "bench", "ingest", "--events", "2500", "--seed-events", "3000", "--clients", "2", "--runs", "3", "--json",
      "--url", db.url, "--project", TestEnvironment.packageRoot.path,
    ])
    // Each path checks the count it stored (2,500 events; the seed 3,000) and fails otherwise.
    #expect(result.status == 0, "\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    #expect(report["events"]?.intValue == 2500)
    #expect(report["clients"]?.intValue == 2)
    #expect(report["seedScaleEvents"]?.intValue == 3000)
    #expect(report["seedScale"]?["events"]?.intValue == 3000)
    #expect(report["seedScaleParallel"]?["events"]?.intValue == 3000)
    #expect(report["seedScaleParallel"]?["sessions"]?.intValue == 2)
    #expect(report["runs"]?.intValue == 3)
    #expect((report["seedScalePerSecond"]?.numberValue ?? 0) > 0)
    // Each path ran 3 times, in its own database; the rate reported is the median run.
    for path in ["logEvents", "logEventsParallel", "ingest", "ingestParallel", "copyFloor", "copyFloorParallel"] {
      let runs = (report["samples"]?[path]?.arrayValue ?? []).compactMap(\.numberValue)
      #expect(runs.count == 3, "\(path)")
      #expect(runs.allSatisfy { $0 > 0 }, "\(path)")
      #expect(report[path + "PerSecond"]?.numberValue == runs.sorted().dropFirst().first, "\(path)")
    }
    #expect(try connection.scalar(benchDatabases, as: Int.self) == before)
  }
}
