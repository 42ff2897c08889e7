// The documented pattern for an index on a large partitioned table
// (docs/templates/partitioned_index.sql): applied by `migrate` to a non-empty table while a
// writer keeps inserting, it never blocks the writer, and ends with a valid index on the
// parent and every partition.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("partitioned index template")
struct PartitionedIndexTests {
  static func template(schema: String, table: String, index: String, suffix: String, definition: String) throws -> String {
    let text = try String(
      contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/templates/partitioned_index.sql"), encoding: .utf8)
    return text.replacingOccurrences(of: "__SCHEMA__", with: schema)
      .replacingOccurrences(of: "__TABLE__", with: table)
      .replacingOccurrences(of: "__INDEX__", with: index)
      .replacingOccurrences(of: "__SUFFIX__", with: suffix)
      .replacingOccurrences(of: "__DEFINITION__", with: definition)
  }

  @Test("the template builds its index on 300,000 rows in 4 partitions while inserts go on, and a rerun has nothing to do")
  func buildsWhileWritesContinue() async throws {
    // Long and blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().buildsWhileWritesContinueBody() }
  }

  func buildsWhileWritesContinueBody() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write(
      "migrations/0001_events.sql",
      """
      create schema lab;
      create table lab.events (org_id int not null, at timestamptz not null, kind text not null, session text)
        partition by range (at);
      create table lab.events_p2026_01 partition of lab.events for values from ('2026-01-01Z') to ('2026-02-01Z');
      create table lab.events_p2026_02 partition of lab.events for values from ('2026-02-01Z') to ('2026-03-01Z');
      create table lab.events_p2026_03 partition of lab.events for values from ('2026-03-01Z') to ('2026-04-01Z');
      create table lab.events_default partition of lab.events default;
      insert into lab.events
      select i % 97, '2026-01-01Z'::timestamptz + (i % 8000000) * interval '1 second', 'page_view', 's' || (i % 5000)
      from generate_series(1, 300000) as i;
      """)
    let args = ["--url", db.url, "--project", project.root.path]
    #expect(try audiencectl(["migrate"] + args).status == 0)
    try project.write(
      "migrations/0002_index_events_on_org_id_session.sql",
      try Self.template(
        schema: "lab", table: "events", index: "index_events_on_org_id_session", suffix: "org_session",
        definition: "(org_id, session) where kind in ('page_view', 'play') and session is not null"))

    // The writer inserts one row per statement (autocommit) until the file is applied.
    let writer = try db.connect()
    let migrate = try CLIProcess(["migrate"] + args)
    var inserted = 0
    var insertedWhileBuilding = 0
    var state: String?
    repeat {
      try writer.execute("insert into lab.events values (1, '2026-02-15Z', 'play', 'w')")
      inserted += 1
      state = try writer.scalar("select state from audiencectl.schema_history where version = 2", as: String.self)
      if state == "in_progress" { insertedWhileBuilding += 1 }
    } while state != "applied" && state != "failed" && inserted < 1_000_000
    let result = migrate.wait()
    #expect(result.status == 0, "\(result.stderr)")
    #expect(insertedWhileBuilding > 0, "no insert completed while the index was being built")

    let check = try db.connect()
    #expect(try check.scalar("select count(*)::int from lab.events", as: Int.self) == 300_000 + inserted)
    let indexes = try check.query(
      """
      select c.relname::text, i.indisvalid
      from pg_index as i join pg_class as c on c.oid = i.indexrelid
      where c.relname like '%org_session' or c.relname = 'index_events_on_org_id_session'
      order by 1
      """)
    #expect(
      indexes.cells == [
        ["events_default_org_session", "t"], ["events_p2026_01_org_session", "t"], ["events_p2026_02_org_session", "t"],
        ["events_p2026_03_org_session", "t"], ["index_events_on_org_id_session", "t"],
      ])
    #expect(
      try check.scalar(
        "select count(*)::int from pg_inherits where inhparent = 'lab.index_events_on_org_id_session'::regclass", as: Int.self) == 4)
    // A partition created later gets the index from its ATTACH.
    try check.execute("create table lab.events_p2026_04 (like lab.events)")
    try check.execute("alter table lab.events attach partition lab.events_p2026_04 for values from ('2026-04-01Z') to ('2026-05-01Z')")
    #expect(
      try check.scalar(
        "select count(*)::int from pg_inherits where inhparent = 'lab.index_events_on_org_id_session'::regclass", as: Int.self) == 5)
    let again = try audiencectl(["migrate"] + args)
    #expect(again.status == 0)
    #expect(again.stdout.contains("Nothing to apply"))
  }
}
