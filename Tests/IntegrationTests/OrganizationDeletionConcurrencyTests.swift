// Deleting an organization against a refresh step in progress: the derived tables have no
// foreign key to app.organizations (migration 1110); the deletion trigger
// private.delete_organization_rollups must wait for a step that may still be writing the
// organization's rows, then delete them, not leave them behind.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("organization deletion concurrency")
struct OrganizationDeletionConcurrencyTests {
  static let org = UUID(uuidString: "5e5e5e5e-0000-4000-8000-0000000000f1")!

  @Test("deleting an organization waits for a refresh step in progress and then removes what it wrote")
  func deletionWaitsForRefreshStep() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let setup = try db.connect()
    try setup.execute("insert into app.organizations (id, slug, name, kind) values (\(Self.org), 'delete-race', 'Delete Race', 'brand')")
    try setup.execute("select analytics.ensure_partitions(1, 1)")
    try setup.execute(
      """
      insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
      values (\(Self.org), now() - interval '1 hour', now() - interval '1 hour', 'page_view', 'v1'),
             (\(Self.org), now() - interval '1 hour', now() - interval '1 hour', 'page_view', 'v2')
      """)

    // A step of the engine, not committed yet. (A run of private.refresh_audience_rollups
    // also key-share locks the organization's row through its watermark's foreign key; an
    // engine step holds only the advisory lock.)
    let run = try db.connect()
    try run.execute("begin")
    #expect(try run.scalar("select private.apply_rollup('analytics.visitor_daily_counts')::int", as: Int.self) == 2)

    let deleted = BackgroundQuery(
      db, "with d as (delete from app.organizations where id = \(Self.org) returning 1) select count(*)::int from d")
    #expect(try BackgroundQuery.lockWaitSeen(setup, queryContaining: "delete from app.organizations"))
    try run.execute("commit")
    #expect(try deleted.value() == 1)
    // The rows the step committed while the deletion waited are gone with the organization.
    #expect(try setup.scalar(
      """
      select count(*)::int from analytics.visitor_daily_counts where org_id = \(Self.org)
      """, as: Int.self) == 0)
  }
}
