// The usage module's loaders against the project's own schema: ingest --kind
// model-requests (COPY, the same validation and pricing as log_model_requests, rejects
// with line numbers, idempotent rerun) and seed scale --model-requests (deterministic).
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("usage loading")
struct UsageLoadingTests {
  static let org = "5e5e5e5e-0000-4000-8000-0000000000a1"

  func request(_ n: Int, model: String = "m", at: String = "2026-05-01T18:30:00Z", extra: String = "") -> String {
    #"{"org_id":"\#(Self.org)","request_id":"r\#(n)","occurred_at":"\#(at)","provider":"ul-test","model":"\#(model)","input_tokens":1000,"output_tokens":500\#(extra)}"#
  }

  @Test("ingest --kind model-requests: 4 stored and priced, 3 rejected with line numbers and reasons; the rerun, and a resend under another occurred_at, store nothing new")
  func ingestModelRequests() throws {
    let db = try migratedDatabase()
    let connection = try db.connect()
    try connection.execute(
      "insert into app.organizations (id, slug, name, kind) values (\(UUID(uuidString: Self.org)!), 'usage-ingest', 'Usage Ingest', 'brand')")
    try connection.execute("insert into usage.models (provider, model, display_name) values ('ul-test', 'm', 'M')")
    try connection.execute(
      "insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during) values ('ul-test', 'm', 1, 2, tstzrange('2026-01-01', null))")
    let lines = [
      request(1), request(2), "{not json", request(3, model: "nope"), "", request(4, extra: #","output_tokens":-1"#),
      request(5), request(6),
    ]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("requests.ndjson").path
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    let root = TestEnvironment.packageRoot.path

    let first = try audiencectl(["ingest", file, "--kind", "model-requests", "--url", db.url, "--project", root, "--chunk", "3"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains(": 4 stored, 0 already stored, 3 rejected"))
    let rejects = try String(contentsOfFile: file + ".rejects.ndjson", encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(rejects.map { $0["line"]?.intValue } == [3, 4, 6])
    #expect(rejects.map { $0["reason"]?.stringValue } == ["invalid_json", "unknown_model: ul-test/nope", "negative_tokens: output_tokens"])
    // 1000 x $1 + 500 x $2 per million tokens: $0.002 each.
    #expect(try connection.scalar("select count(*)::int from usage.model_requests where cost = 0.002", as: Int.self) == 4)

    let again = try audiencectl(["ingest", file, "--kind", "model-requests", "--url", db.url, "--project", root])
    #expect(again.status == 0)
    #expect(again.stdout.contains(": 0 stored, 4 already stored, 3 rejected"))
    #expect(try connection.scalar("select count(*)::int from usage.model_requests", as: Int.self) == 4)

    // A back end's resend of r1 stamped a day later is the same request: not stored again.
    let resent = dir.appendingPathComponent("resent.ndjson").path
    try Data(request(1, at: "2026-05-02T18:30:00Z").utf8).write(to: URL(fileURLWithPath: resent))
    let third = try audiencectl(["ingest", resent, "--kind", "model-requests", "--url", db.url, "--project", root])
    #expect(third.status == 0, "\(third.stderr)")
    #expect(third.stdout.contains(": 0 stored, 1 already stored, 0 rejected"), "\(third.stdout)")
    #expect(try connection.scalar("select count(*)::int from usage.model_requests", as: Int.self) == 4)
  }

  @Test("ingest --kind model-requests: frame and timestamp rejects keep their line numbers; fractions, offsets, leap days and 1000.0 are stored; a repeat in the chunk is a duplicate, also under another occurred_at")
  func ingestModelRequestEdges() throws {
    let db = try migratedDatabase()
    let connection = try db.connect()
    try connection.execute(
      "insert into app.organizations (id, slug, name, kind) values (\(UUID(uuidString: Self.org)!), 'usage-ingest', 'Usage Ingest', 'brand')")
    try connection.execute("insert into usage.models (provider, model, display_name) values ('ul-test', 'm', 'M')")
    try connection.execute(
      "insert into usage.prices (provider, model, input_per_mtok, output_per_mtok, valid_during) values ('ul-test', 'm', 1, 2, tstzrange('2020-01-01', null))")
    let unknownOrg = "5e5e5e5e-0000-4000-8000-0000000000ff"
    let lines = [
      request(1),                                                                           // 1 stored
      request(2, at: "2026-02-30T10:00:00Z"),                                              // 2 invalid: occurred_at (no such day)
      "[1, 2]",                                                                             // 3 not_an_object
      #"{"request_id":"r4","occurred_at":"2026-05-01T18:30:00Z","provider":"ul-test","model":"m"}"#,   // 4 missing: org_id
      request(5).replacingOccurrences(of: Self.org, with: "nope"),                          // 5 invalid: org_id
      request(6).replacingOccurrences(of: Self.org, with: unknownOrg),                      // 6 unknown_org
      request(7, at: "2026-05-01T20:30:00.250+02:00"),                                     // 7 stored (18:30:00.25 UTC)
      request(8, at: "2024-02-29T12:00:00Z"),                                              // 8 stored (a leap day)
      request(9, extra: #","input_tokens":1000.0"#),                                       // 9 stored, 1000 tokens
      request(1),                                                                           // 10 repeats line 1: a duplicate
      request(11, at: "2026-05-01T18:30:00+15:00"),                                        // 11 stored (an offset beyond 14:59)
      request(7, at: "2026-05-02T09:00:00Z"),                                              // 12 r7 re-stamped: a duplicate (ids are unique per organization)
    ]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("usage-ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("requests.ndjson").path
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    let root = TestEnvironment.packageRoot.path

    let first = try audiencectl(["ingest", file, "--kind", "model-requests", "--url", db.url, "--project", root])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains(": 5 stored, 2 already stored, 5 rejected"), "\(first.stdout)")
    let rejects = try String(contentsOfFile: file + ".rejects.ndjson", encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(rejects.map { $0["line"]?.intValue } == [2, 3, 4, 5, 6])
    #expect(rejects.map { $0["reason"]?.stringValue } == [
      "invalid: occurred_at", "not_an_object", "missing: org_id", "invalid: org_id", "unknown_org: \(unknownOrg)",
    ])
    let stored = try connection.query(
      """
      select request_id::text as id, occurred_at::text as at, input_tokens, cost::text as cost
      from usage.model_requests order by request_id
      """
    ).rows.map { "\(try $0.decode("id", as: String.self)) \(try $0.decode("at", as: String.self)) \(try $0.decode("input_tokens", as: Int.self)) \(try $0.decode("cost", as: String.self))" }
    #expect(stored == [
      "r1 2026-05-01 18:30:00+00 1000 0.00200000000000000000",
      "r11 2026-05-01 03:30:00+00 1000 0.00200000000000000000",
      "r7 2026-05-01 18:30:00.25+00 1000 0.00200000000000000000",
      "r8 2024-02-29 12:00:00+00 1000 0.00200000000000000000",
      "r9 2026-05-01 18:30:00+00 1000 0.00200000000000000000",
    ])
  }

  @Test("seed scale --model-requests: the same seed gives the same requests, a rerun stores nothing new")
  func seedScaleModelRequests() throws {
    let db = try migratedDatabase()
    let root = TestEnvironment.packageRoot.path
    let args = ["seed", "scale", "--orgs", "5", "--events", "0", "--model-requests", "3000", "--seed", "7", "--chunk", "1000",
                "--url", db.url, "--project", root]
    let first = try audiencectl(args)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("generated 3000 model requests over 5 organizations"))
    let connection = try db.connect()
    let digest = "select count(*)::int as n, md5(string_agg(request_id || cost::text || occurred_at::text, ',' order by request_id)) as d from usage.model_requests"
    let before = try #require(try connection.query(SQL(unsafeSQL: digest)).first)
    #expect(try before.decode("n", as: Int.self) == 3000)
    let again = try audiencectl(args)
    #expect(again.status == 0)
    #expect(again.stdout.contains("generated 0 model requests"))
    let after = try #require(try connection.query(SQL(unsafeSQL: digest)).first)
    #expect(try after.decode("d", as: String.self) == (try before.decode("d", as: String.self)))
    // Organization rank 1 gets about 10 % (of 3000: between 200 and 400).
    let top = try connection.scalar(
      "select count(*)::int from usage.model_requests where org_id = md5('scale-org:7:1')::uuid", as: Int.self) ?? 0
    #expect(top > 200 && top < 400)
  }
}
