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

  @Test("5 valid, 3 bad lines and a blank one: 5 stored, 3 rejects with reasons; the rerun stores nothing new")
  func ingestFile() throws {
    let db = try TestDatabase()
    let root = TestEnvironment.packageRoot.path
    let migrate = try audiencectl(["migrate", "--url", db.url, "--project", root])
    #expect(migrate.status == 0, "\(migrate.stderr)")
    try db.connect().execute(
      "insert into app.organizations (id, slug, name, kind, timezone) values (\(UUID(uuidString: Self.org)!), 'ingest-test', 'Ingest Test', 'artist', 'Europe/Berlin')")
    let lines = [
      event(1), event(2), "{not json", event(3, type: "teleport"), "", event(4, at: "2999-01-01T00:00:00Z"),
      event(5, extra: #","note":"tab\there \\ back""#), event(6), event(7),
    ]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
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

  @Test("a missing file is a clear error")
  func missingFile() throws {
    let db = try TestDatabase()
    let result = try audiencectl(["ingest", "/nonexistent/events.ndjson", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    #expect(result.status == 1)
    #expect(result.stderr == "error: cannot open /nonexistent/events.ndjson\n")
  }
}
