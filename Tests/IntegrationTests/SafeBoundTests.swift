// The rollup engine's safe bound (private.received_upper_bound) against a real in-flight
// transaction: an event whose transaction began before an apply and commits after it is
// received "in the past" (received_at = its transaction's start), so an apply that moved its
// watermark to the apply's own clock would skip it forever. The apply must stop below that
// start, and the next one must add the event.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("safe bound")
struct SafeBoundTests {
  static let org = UUID(uuidString: "5afeb0d0-0000-4000-8000-0000000000a1")!

  @Test("an event committed after an apply by a transaction begun before it is applied by the next one")
  func inFlightEventIsAppliedNextTime() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let setup = try db.connect()
    try setup.execute("insert into app.organizations (id, slug, name, kind, timezone) values (\(Self.org), 'safe-bound', 'Safe Bound', 'brand', 'UTC')")
    try setup.execute("select analytics.ensure_partitions(1, 1)")
    // Everything before this point applied: the watermark starts after the setup.
    _ = try setup.scalar("select private.apply_rollup('analytics.visitor_daily_counts')", as: Int.self)

    let writer = try db.connect()
    try writer.execute("begin")
    let started = try writer.scalar("select now()::text", as: String.self) ?? ""
    try writer.execute(
      "insert into analytics.events (org_id, occurred_at, event_type, visitor_id) values (\(Self.org), now() - interval '1 hour', 'page_view', 'late-writer')"
    )

    // An apply while the writer is open: it applies nothing of the writer's and keeps its
    // watermark at or below the writer's start.
    #expect(try setup.scalar("select private.apply_rollup('analytics.visitor_daily_counts')", as: Int.self) == 0)
    #expect(
      try setup.scalar(
        "select watermark <= \(started)::timestamptz from private.rollups where name = 'analytics.visitor_daily_counts'",
        as: Bool.self) == true)

    try writer.execute("commit")
    // The next apply finds the event received before the bound it had stopped at.
    #expect(try setup.scalar("select private.apply_rollup('analytics.visitor_daily_counts')", as: Int.self) == 1)
    #expect(
      try setup.scalar(
        "select sum(page_views)::int from analytics.visitor_daily_counts where org_id = \(Self.org)", as: Int.self) == 1)
  }
}
