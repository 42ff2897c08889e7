// Budget alerts under concurrency: two alert steps at once for the same budget, period and
// threshold write one alert (usage.budget_alerts' key and ON CONFLICT DO NOTHING), the
// second waiting for the first to commit.
import Foundation
import PostgresClient
import TestSupport
import Testing

/// A second session's outcome, handed back from its thread (also used by ErasureConcurrencyTests).
@Suite("usage alerts")
struct UsageAlertTests {
  static let org = "5e5e5e5e-0000-4000-8000-0000000000b2"

  @Test("two concurrent alert steps for the same budget and day write one alert")
  func concurrentAlertSteps() throws {
    let db = try migratedDatabase()
    let setup = try db.connect()
    try setup.execute("insert into app.organizations (id, slug, name, kind) values (\(UUID(uuidString: Self.org)!), 'usage-alerts', 'Usage Alerts', 'brand')")
    try setup.execute(
      "insert into usage.budgets (org_id, id, name, amount, starts_on) values (\(UUID(uuidString: Self.org)!), md5('ua-budget')::uuid, 'Monthly', 10, '2025-01-01')")
    // $6 of $10 spent on 2025-05-03 (a stored rollup row; its insert trigger alerts at once:
    // that alert is removed so that the two steps below are the ones that write it).
    try setup.execute(
      """
      insert into usage.user_days values (\(UUID(uuidString: Self.org)!), '2025-05-03', '00000000-0000-0000-0000-000000000000',
        '', '', '', 'p', 'm', 6, 0, 6.00, 0, 0, 0, 0, 0, 0, 0, 0, 0)
      """)
    #expect(try setup.scalar("select count(*)::int from usage.budget_alerts", as: Int.self) == 1)
    try setup.execute("delete from usage.budget_alerts")

    let step = "select usage.apply_budget_alerts(array['\(Self.org)'::uuid], array['2025-05-03'::date])::int"
    let first = try db.connect()
    try first.execute("begin")
    #expect(try first.scalar(SQL(unsafeSQL: step), as: Int.self) == 1)

    let second = BackgroundQuery(db, SQL(unsafeSQL: step))
    // The second step waits for the first one's uncommitted alert row.
    #expect(try BackgroundQuery.lockWaitSeen(setup, queryContaining: "apply_budget_alerts"))
    try first.execute("commit")
    #expect(try second.value() == 0)
    #expect(try setup.scalar("select count(*)::int from usage.budget_alerts", as: Int.self) == 1)
    #expect(try setup.scalar("select threshold_pct::int from usage.budget_alerts", as: Int.self) == 50)
  }
}
