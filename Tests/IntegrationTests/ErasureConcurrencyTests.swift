// Erasure against a concurrent audience-rollup run (private.refresh_audience_rollups, not a
// registered rollup): the run has computed the user's visitor-days and not committed yet;
// app.erase_user must wait for it and then remove those rows, not leave them behind.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("erasure concurrency")
struct ErasureConcurrencyTests {
  static let org = UUID(uuidString: "5e5e5e5e-0000-4000-8000-0000000000e1")!
  static let user = UUID(uuidString: "5e5e5e5e-0000-4000-8000-0000000000e2")!

  @Test("an erasure waits for an audience-rollup run in progress and then removes what it wrote")
  func erasureWaitsForAudienceRollupRun() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let setup = try db.connect()
    try setup.execute("insert into auth.users (id, email) values (\(Self.user), 'fan@erasure-race.test')")
    try setup.execute("insert into app.organizations (id, slug, name, kind) values (\(Self.org), 'erasure-race', 'Erasure Race', 'brand')")
    try setup.execute("select analytics.ensure_partitions(1, 1)")
    // Two of the fan's visitor-days (device dev1, and 'user:<id>' for an event without a
    // visitor id) and one of somebody else's, all received an hour ago.
    try setup.execute(
      """
      insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id, user_id)
      values (\(Self.org), now() - interval '1 hour', now() - interval '1 hour', 'page_view', 'dev1', \(Self.user)),
             (\(Self.org), now() - interval '1 hour', now() - interval '1 hour', 'page_view', null, \(Self.user)),
             (\(Self.org), now() - interval '1 hour', now() - interval '1 hour', 'page_view', 'other', null)
      """)

    let run = try db.connect()
    try run.execute("begin")
    #expect(try run.scalar("select count(*)::int from private.refresh_audience_rollups(\(Self.org))", as: Int.self) == 1)

    let erased = BackgroundQuery(
      db, "select rows::int from app.erase_user(\(Self.user)) where table_name = 'private.audience_visitor_days'")
    #expect(try BackgroundQuery.lockWaitSeen(setup, queryContaining: "erase_user"))
    try run.execute("commit")
    // The run's two rows of the fan, committed while the erasure waited, are the ones it removed.
    #expect(try erased.value() == 2)
    #expect(try setup.scalar(
      "select string_agg(visitor_key, ',' order by visitor_key) from private.audience_visitor_days where org_id = \(Self.org)",
      as: String.self) == "other")
  }
}
