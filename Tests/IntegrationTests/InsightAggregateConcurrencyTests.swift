// Two insight aggregate steps at once, and two schedulers queueing runs at once
// (insights.enqueue_due). The aggregate steps (insights.refresh_all_aggregates called directly, not
// through private.run_refresh's lock): the stored parts are sums that a step adds its
// differences to, so the second step must wait for the first and then find nothing to add.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("insight aggregate concurrency")
struct InsightAggregateConcurrencyTests {
  static let org = UUID(uuidString: "1a9c0000-0000-4000-8000-0000000000a1")!

  @Test("a second step waits for the first, then keeps: a late event is added to the parts once")
  func secondStepWaitsAndKeeps() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let setup = try db.connect()
    try setup.execute("insert into app.organizations (id, slug, name, kind) values (\(Self.org), 'insight-race', 'Insight Race', 'brand')")
    try setup.execute("select analytics.ensure_partitions(1, 1)")
    // Three events two days ago, received then: the first step computes the organization in full.
    try setup.execute(
      """
      insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
      select \(Self.org), now() - interval '2 days', now() - interval '2 days', 'page_view', 'v' || i
      from generate_series(1, 3) as i
      """)
    #expect(try setup.scalar("select count(*)::int from insights.refresh_all_aggregates() where result = 'computed'", as: Int.self) == 1)
    // A late event: occurred three days ago, received now.
    try setup.execute(
      """
      insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
      values (\(Self.org), now() - interval '3 days', now(), 'page_view', 'v4')
      """)

    let first = try db.connect()
    try first.execute("begin")
    #expect(try first.scalar("select count(*)::int from insights.refresh_all_aggregates() where result = 'computed'", as: Int.self) == 1)
    #expect(try first.scalar("select current_setting('insights.refresh_modes')", as: String.self) == "delta=1 full=0 keep=0")

    let second = BackgroundQuery(
      db, "select count(*)::int from insights.refresh_all_aggregates() where result = 'computed'")
    #expect(try BackgroundQuery.lockWaitSeen(setup, queryContaining: "refresh_all_aggregates"))
    try first.execute("commit")
    // The second step started from the first one's committed state: nothing left to compute.
    #expect(try second.value() == 0)
    // Four events in the stored range, each counted once: in the parts and in the rendered row.
    #expect(try setup.scalar(
      "select sum(events)::int from private.insight_aggregate_event_parts where org_id = \(Self.org) and dim = 'all'",
      as: Int.self) == 4)
    #expect(try setup.scalar(
      """
      select (coalesce(events_1, 0) + coalesce(events_2, 0) + coalesce(events_3, 0) + coalesce(events_4, 0))::int
      from private.insight_aggregate_rows where org_id = \(Self.org) and dim = 'all'
      """,
      as: Int.self) == 4)
    #expect(try setup.scalar(
      "select (visitors_1 + visitors_2 + visitors_3 + visitors_4)::int from private.insight_aggregate_rows where org_id = \(Self.org) and dim = 'all'",
      as: Int.self) == 4)
  }

  @Test("two enqueue_due at once queue one run per organization: the second waits, then finds it queued")
  func enqueueDueOnce() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let setup = try db.connect()
    let org = UUID(uuidString: "1a9c0000-0000-4000-8000-0000000000a2")!
    try setup.execute("insert into app.organizations (id, slug, name, kind) values (\(org), 'enqueue-race', 'Enqueue Race', 'brand')")
    try setup.execute("select analytics.ensure_partitions(1, 1)")
    // Due: 51 link clicks two days ago (more than 50), a first event 20 days ago (more than 7).
    try setup.execute(
      """
      insert into analytics.events (org_id, occurred_at, event_type, visitor_id)
      select \(org), now() - interval '2 days', 'link_click', 'v' || i from generate_series(1, 51) as i
      union all select \(org), now() - interval '20 days', 'page_view', 'first'
      """)
    let first = try db.connect()
    try first.execute("begin")
    #expect(try first.scalar("select insights.enqueue_due(100)", as: Int.self) == 1)
    let second = BackgroundQuery(db, "select insights.enqueue_due(100)")
    #expect(try BackgroundQuery.lockWaitSeen(setup, queryContaining: "enqueue_due"))
    try first.execute("commit")
    #expect(try second.value() == 0)
    #expect(try setup.scalar("select count(*)::int from insights.generation_runs where org_id = \(org)", as: Int.self) == 1)
  }
}
