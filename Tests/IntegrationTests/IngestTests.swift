// audiencectl ingest against the project's own schema: COPY, the same validation as
// log_events, rejects written with reasons, idempotent rerun.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("ingest")
struct IngestTests {
  static let org = "5e5e5e5e-0000-4000-8000-000000000001"

  func event(_ n: Int, type: String = "link_click", at: String = "2026-05-01T18:30:00Z", extra: String = "") -> String {
    #"{"org_id":"\#(Self.org)","event_type":"\#(type)","occurred_at":"\#(at)","visitor_id":"v\#(n)","client_event_id":"c\#(n)","properties":{"city":"Berlin","country":"de","platform":"Spotify"\#(extra)}}"#
  }

  /// A migrated database with the organization the events name.
  func databaseWithOrganization() throws -> TestDatabase {
    let db = try migratedDatabase()
    try db.connect().execute(
      "insert into app.organizations (id, slug, name, kind, timezone) values (\(UUID(uuidString: Self.org)!), 'ingest-test', 'Ingest Test', 'artist', 'Europe/Berlin')")
    return db
  }

  func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test("5 valid, 3 bad lines and a blank one: 5 stored, 3 rejects with reasons; the rerun stores nothing new")
  func ingestFile() throws {
    let db = try databaseWithOrganization()
    let root = TestEnvironment.packageRoot.path
    let lines = [
      event(1), event(2), "{not json", event(3, type: "teleport"), "", event(4, at: "2999-01-01T00:00:00Z"),
      event(5, extra: #","note":"tab\there \\ back""#), event(6), event(7),
    ]
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))

    let first = try audiencectl(["ingest", file, "--url", db.url, "--project", root, "--chunk", "4"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains(": 5 stored, 0 already stored, 3 rejected\nrejected lines and reasons: \(file).rejects.ndjson"))
    let rejects = try String(contentsOfFile: file + ".rejects.ndjson", encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(rejects.map { $0["line"]?.intValue } == [3, 4, 6])
    #expect(rejects.map { $0["reason"]?.stringValue } == ["invalid_json", "unknown_event_type: teleport", "occurred_in_future"])
    #expect(rejects[0]["raw"]?.stringValue == "{not json")

    let connection = try db.connect()
    #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == 5)
    #expect(try connection.scalar("select properties->>'note' from analytics.events where client_event_id = 'c5'", as: String.self) == "tab\there \\ back")
    #expect(try connection.scalar("select string_agg(distinct country || '/' || platform, ',') from analytics.events", as: String.self) == "DE/spotify")

    try FileManager.default.removeItem(atPath: file + ".rejects.ndjson")
    let again = try audiencectl(["ingest", file, "--url", db.url, "--project", root])
    #expect(again.status == 0)
    #expect(again.stdout.contains(": 0 stored, 5 already stored, 3 rejected"))
    #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == 5)
  }

  @Test("--jobs 3, chunks of 10: events repeated across chunks are stored once and counted exactly; rejects in line order")
  func parallelChunks() throws {
    let db = try databaseWithOrganization()
    let root = TestEnvironment.packageRoot.path
    // 120 lines in 12 chunks: events 1-80 (line n: event n), then events 1-30 again
    // (lines 81-110: already stored or being stored by another session), then 10 bad lines.
    // Every 20th line of the first 80 is an unknown type instead (4 rejects, events 20,
    // 40, 60, 80 never stored, so their repeats among 81-110 (event 20) are stored there).
    var lines: [String] = []
    for n in 1...80 { lines.append(n % 20 == 0 ? event(n, type: "teleport") : event(n)) }
    for n in 1...30 { lines.append(event(n)) }
    for n in 1...10 { lines.append("{bad \(n)") }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))

    let first = try audiencectl(["ingest", file, "--url", db.url, "--project", root, "--chunk", "10", "--jobs", "3"])
    #expect(first.status == 0, "\(first.stderr)")
    // Stored: events 1-80 but 20, 40, 60, 80 (76), plus event 20 from line 100: 77.
    // Duplicates: lines 81-110 but line 100 (29). Rejected: lines 20, 40, 60, 80 and 111-120.
    #expect(first.stdout.contains("ingested 120 lines"))
    #expect(first.stdout.contains(": 77 stored, 29 already stored, 14 rejected"), "\(first.stdout)")
    let rejects = try String(contentsOfFile: file + ".rejects.ndjson", encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    #expect(rejects.map { $0["line"]?.intValue } == [20, 40, 60, 80] + Array(111...120))
    #expect(rejects.map { $0["reason"]?.stringValue } == Array(repeating: "unknown_event_type: teleport", count: 4) + Array(repeating: "invalid_json", count: 10))
    #expect(rejects.last?["raw"]?.stringValue == "{bad 10")
    let connection = try db.connect()
    #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == 77)
    #expect(try connection.scalar("select count(distinct client_event_id)::int from analytics.events", as: Int.self) == 77)

    let again = try audiencectl(["ingest", file, "--url", db.url, "--project", root, "--chunk", "7", "--jobs", "2"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains(": 0 stored, 106 already stored, 14 rejected"), "\(again.stdout)")
    #expect(try connection.scalar("select count(*)::int from analytics.events", as: Int.self) == 77)
  }

  @Test("a NUL byte or invalid UTF-8 rejects its line (file line number, reason), the rest of its chunk is stored")
  func badBytes() throws {
    let db = try databaseWithOrganization()
    func bytes(_ n: Int, city: [UInt8]) -> [UInt8] {
      Array(event(n).utf8).split(separator: Array("Berlin".utf8), maxSplits: 1, omittingEmptySubsequences: false)
        .map(Array.init).joined(separator: city).map { $0 }
    }
    // 10 lines in chunks of 4 (lines 1-4, 5-8, 9-10): a NUL (line 3), a lone 0xFF (5),
    // a truncated two-byte sequence (8), an overlong encoding of "/" (9); line 7 is not
    // JSON; line 10 is valid UTF-8 with an escaped NUL, which jsonb refuses. Stored: 1, 2, 4, 6 and 11 (München).
    let lines: [[UInt8]] = [
      bytes(1, city: Array("Berlin".utf8)), bytes(2, city: Array("Paris".utf8)), bytes(3, city: [0x42, 0x00, 0x43]),
      bytes(4, city: Array("Wien".utf8)), bytes(5, city: [0x42, 0xFF]), bytes(6, city: Array("Rom".utf8)),
      Array("{bad".utf8), bytes(8, city: [0x42, 0xC3]), bytes(9, city: [0xC0, 0xAF]), bytes(10, city: Array(#"\u0000x"#.utf8)),
      bytes(11, city: Array("München".utf8)),
    ]
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    try Data(Array(lines.joined(separator: [0x0A]))).write(to: URL(fileURLWithPath: file))
    let root = TestEnvironment.packageRoot.path
    let first = try audiencectl(["ingest", file, "--url", db.url, "--project", root, "--chunk", "4", "--jobs", "2"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("ingested 11 lines"))
    #expect(first.stdout.contains(": 5 stored, 0 already stored, 6 rejected"), "\(first.stdout)")
    let rejects = try String(contentsOfFile: file + ".rejects.ndjson", encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    let offset = Array(event(0).utf8).firstRange(of: Array("Berlin".utf8))!.lowerBound
    #expect(rejects.map { $0["line"]?.intValue } == [3, 5, 7, 8, 9, 10])
    #expect(
      rejects.map { $0["reason"]?.stringValue } == [
        "nul_byte: byte \(offset + 2)", "invalid_utf8: byte \(offset + 2)", "invalid_json", "invalid_utf8: byte \(offset + 2)",
        "invalid_utf8: byte \(offset + 1)", "invalid_json",
      ])
    #expect(rejects[0]["raw"]?.stringValue == String(decoding: lines[2], as: UTF8.self))
    let connection = try db.connect()
    #expect(try connection.scalar("select string_agg(client_event_id, ',' order by client_event_id) from analytics.events", as: String.self) == "c1,c11,c2,c4,c6")
    #expect(try connection.scalar("select city from analytics.events where client_event_id = 'c11'", as: String.self) == "München")

    let again = try audiencectl(["ingest", file, "--url", db.url, "--project", root, "--chunk", "4", "--jobs", "1"])
    #expect(again.stdout.contains(": 0 stored, 5 already stored, 6 rejected"), "\(again.stdout)")
  }

  @Test("a database without the schema is a clear error with a hint, and nothing hangs")
  func unmigratedDatabase() throws {
    let db = try TestDatabase()
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    try Data((1...30).map { event($0) }.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    let result = try audiencectl(["ingest", file, "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--chunk", "10"])
    #expect(result.status == 1)
    #expect(result.stderr == "error: the database has no audience-db schema (schema \"analytics\" does not exist)\nhint: Run audiencectl migrate on it first.\n")
    #expect(!FileManager.default.fileExists(atPath: file + ".rejects.ndjson"))
  }

  @Test("a missing file is a clear error")
  func missingFile() throws {
    let db = try TestDatabase()
    let result = try audiencectl(["ingest", "/nonexistent/events.ndjson", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    #expect(result.status == 1)
    #expect(result.stderr == "error: cannot open /nonexistent/events.ndjson\n")
  }
}
