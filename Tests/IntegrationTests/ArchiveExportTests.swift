// audiencectl export archive against a real server: retention archives a month of events
// (analytics.retention_state.archive_partitions on), the command writes it to a CSV file
// whose manifest has the row count and the file's SHA-256, and with --drop removes the table
// only after the file is complete.
import Foundation
import Migrations
import PostgresClient
import TestSupport
import Testing

@Suite("archive export")
struct ArchiveExportTests {
  /// A migrated database whose month six months ago holds 300 events of one organization
  /// (one with a property full of quotes and commas), archived by analytics.apply_retention;
  /// and that partition's name.
  func fixture() throws -> (TestDatabase, table: String) {
    let db = try migratedDatabase()
    let c = try db.connect()
    try c.execute("insert into app.organizations (id, slug, name, kind) values ('00000000-0000-0000-0000-0000000000a1', 'arc-export', 'Archive export', 'label')")
    try c.execute("select analytics.ensure_partitions(0, 8)")
    try c.execute("update analytics.retention_state set archive_partitions = true where id = 1")
    try c.execute(
      """
      insert into analytics.events (org_id, occurred_at, event_type, visitor_id, properties)
      select '00000000-0000-0000-0000-0000000000a1', pg_catalog.date_trunc('month', now()) - interval '6 months' + i * interval '1 minute',
             'page_view', 'v' || (i % 7),
             case when i = 1 then jsonb_build_object('note', 'say "hi", then \\ leave') else '{}'::jsonb end
      from generate_series(1, 300) as i
      """)
    // Retention archives a partition once every rollup reflects it: apply them all first.
    try c.execute("select count(private.apply_rollup(o.name)) from (select name from private.rollups_in_order() order by level, name) as o")
    let archived = try c.query("select target from analytics.apply_retention(90) where action = 'archived_partition' and rows = 300")
    let table: String = try #require(archived.rows.first).decode("target")
    return (db, table)
  }

  func run(_ db: TestDatabase, _ extra: [String]) throws -> CLIResult {
    try audiencectl(["export", "archive", "--url", db.url, "--project", TestEnvironment.packageRoot.path] + extra)
  }

  @Test("writes the archived month to CSV with a manifest (rows, SHA-256 of the file), keeps the table, then drops it with --drop")
  func exportAndDrop() async throws {
    try await blocking { try Self().exportAndDropBody() }
  }

  func exportAndDropBody() throws {
    let (db, table) = try fixture()
    let name = String(table.dropFirst("archive.".count))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("archive-export-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }

    // Every archived table (the empty months too); this one keeps its place in the database.
    let r1 = try run(db, ["--out", dir.path])
    #expect(r1.status == 0, "\(r1.stderr)")
    let csv = dir.appendingPathComponent("\(name).csv")
    let bytes = try Data(contentsOf: csv)
    let manifestJSON = try JSONValue.parse(String(decoding: try Data(contentsOf: dir.appendingPathComponent("\(name).manifest.json")), as: UTF8.self))
    #expect(manifestJSON["table"]?.stringValue == table)
    #expect(manifestJSON["rows"]?.numberValue == 300)
    #expect(manifestJSON["bytes"]?.numberValue == Double(bytes.count))
    #expect(manifestJSON["sha256"]?.stringValue == SHA256.hex(bytes))
    #expect(manifestJSON["dropped_from_database"] == .bool(false))
    #expect(r1.stderr.contains("\(table): 300 rows, \(bytes.count) bytes, sha256 \(SHA256.hex(bytes)) written to \(csv.path)\n"))
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    #expect(lines.count == 1 + 300)
    #expect(lines[0].hasPrefix("id,org_id,occurred_at,received_at,event_type,"))
    #expect(lines.contains { $0.contains(#","{""note"": ""say \""hi\"", then \\ leave""}","#) })
    #expect(lines.dropFirst().allSatisfy { $0.contains(",anon:") }, "identifiers arrive pseudonymized, as archived")
    #expect(!FileManager.default.fileExists(atPath: csv.path + ".partial"))
    #expect(try db.connect().scalar("select count(*)::int from \(unsafeSQL: table)", as: Int.self) == 300)

    // --drop: the same file again, then the table is gone.
    let r2 = try run(db, ["--out", dir.path, "--table", name, "--drop"])
    #expect(r2.status == 0, "\(r2.stderr)")
    #expect(r2.stderr.hasSuffix("written to \(csv.path) (dropped from the database)\n"))
    #expect(try Data(contentsOf: csv) == bytes)
    #expect(try db.connect().scalar("select to_regclass(\(table))::text", as: String.self) == nil)
    let dropped = try JSONValue.parse(String(decoding: try Data(contentsOf: dir.appendingPathComponent("\(name).manifest.json")), as: UTF8.self))
    #expect(dropped["dropped_from_database"] == .bool(true))
    #expect(dropped["sha256"]?.stringValue == SHA256.hex(bytes))

    // A table that is not (or no longer) in schema archive: exit 1, named, nothing written.
    let r3 = try run(db, ["--out", dir.path, "--table", name])
    #expect(r3.status == 1)
    #expect(r3.stderr.contains("no table \(name) in schema archive"))
  }
}
