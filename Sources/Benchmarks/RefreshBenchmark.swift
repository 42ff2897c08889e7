// `audiencectl bench refresh`: the whole refresh, step by step, from empty, after one day
// of new events and after one minute of new events, beside the floor (one sorted scan of
// the same events) and issue 11's targets.
//
// Each scenario runs in a transaction that is rolled back, so the database is left as it
// was found and the command can be rerun. private.run_refresh commits between its steps
// and cannot run inside one; the steps here are the same statements in the same order:
// every registered rollup (private.apply_rollup, dependency order), the materialized views,
// then the maintenance functions that exist in this database (the audience rollups,
// customers, KPI benchmarks, insight aggregates, usage anomalies and recommendations).
// Partitions and retention are left out (they change the schema, and retention runs once a
// day). "From empty": every registered rollup reset (private.reset_rollup) and the
// watermarks of the maintenance functions that keep their own forgotten, so each builds
// in full.
import Foundation
import PostgresClient
import Refresh

public struct RefreshScenario: Sendable, Codable {
  public var name: String
  /// The events this scenario refreshes: every event (from empty) or the new ones.
  public var events: Int
  public var steps: [MaintenanceTiming]
  public var totalMs: Double
  /// One sorted scan of the same events (the floor), in ms.
  public var floorMs: Double
  public var target: String
  /// Steps of the refresh not run in this scenario (`bench refresh --leave-out-from-empty`).
  public var leftOut: [String] = []
}

public struct RefreshBenchmarkReport: Sendable, Codable {
  public var totalEvents: Int
  public var organizations: Int
  public var scenarios: [RefreshScenario]

  public var rendered: String {
    var lines = ["refresh of \(totalEvents.formatted()) events of \(organizations.formatted()) organizations (each scenario rolled back):"]
    for scenario in scenarios {
      lines.append("")
      lines.append(
        "\(scenario.name): \(scenario.events.formatted()) events, \(Self.ms(scenario.totalMs)) "
          + "(floor \(Self.ms(scenario.floorMs)), \(String(format: "%.1fx", scenario.totalMs / max(scenario.floorMs, 0.001))) the floor; target \(scenario.target))"
          + (scenario.leftOut.isEmpty ? "" : "; left out: \(scenario.leftOut.joined(separator: ", "))"))
      let width = max(40, scenario.steps.map(\.step.count).max() ?? 0)
      for step in scenario.steps {
        let name = step.step.padding(toLength: width, withPad: " ", startingAt: 0)
        let ms = Self.ms(step.ms).padding(toLength: 12, withPad: " ", startingAt: 0)
        lines.append("  \(step.error == nil ? "ok  " : "FAIL") \(name) \(ms) \(step.error ?? step.detail)")
      }
    }
    return lines.joined(separator: "\n")
  }

  static func ms(_ value: Double) -> String {
    value >= 10_000 ? String(format: "%.1f s", value / 1000) : String(format: "%.1f ms", value)
  }
}

public struct RefreshBenchmark: Sendable {
  /// Refresh steps left out of the "from empty" scenario (by step name, e.g.
  /// private.refresh_audience_rollups, whose full build alone took about an hour at 10M
  /// events); the later scenarios run every step.
  public var leaveOutFromEmpty: [String]
  /// Leaves the whole "from empty" scenario out (at 10M events the database's own first
  /// refresh, committed and logged in private.refresh_log, is that figure already).
  public var skipFromEmpty: Bool

  public init(leaveOutFromEmpty: [String] = [], skipFromEmpty: Bool = false) {
    self.leaveOutFromEmpty = leaveOutFromEmpty
    self.skipFromEmpty = skipFromEmpty
  }

  public func run(_ connection: Connection) throws -> RefreshBenchmarkReport {
    let totals = try connection.query(
      "select (select count(*) from analytics.events)::bigint as events, (select count(*) from app.organizations)::bigint as orgs"
    ).first!
    let maintenance = MaintenanceBenchmark()
    var scenarios: [RefreshScenario] = []

    if !skipFromEmpty {
      scenarios.append(try fromEmpty(connection, maintenance))
    }
    // The rolled-back build left its rows as dead tuples in every derived table (millions
    // at 1M events): vacuum them, or the next scenarios' index scans wade through them (their
    // steps varied 2-9x between runs). Then bring everything current with a real refresh
    // (kept: a scheduler would have done it), so that the next two scenarios time only what
    // is new.
    try vacuumDerivedTables(connection)
    _ = try Refresher().refresh(connection, only: nil, waitSeconds: 600)

    scenarios.append(
      try maintenance.withOneDayOfNewEvents(connection) { added in
        let floor = try floorMs(connection, since: "pg_catalog.now()")
        let steps = try refreshSteps(connection)
        return RefreshScenario(
          name: "after one day of new events", events: added, steps: steps, totalMs: steps.reduce(0) { $0 + $1.ms },
          floorMs: floor, target: "<= 10 s at 10M events")
      })
    scenarios.append(
      try maintenance.withNewEvents(connection, span: "interval '1 minute'") { added in
        let floor = try floorMs(connection, since: "pg_catalog.now()")
        // As the job of `schedule install --every 1m` runs it: the cohorts view kept when
        // less than an hour old (it was refreshed just above).
        let steps = try refreshSteps(connection, viewsMaxAgeMinutes: RefreshPeriod("1m")?.viewsMaxAgeMinutes)
        return RefreshScenario(
          name: "after one minute of new events", events: added, steps: steps, totalMs: steps.reduce(0) { $0 + $1.ms },
          floorMs: floor, target: "<= 1 s at 10M events")
      })
    // The same in a new session, as the scheduled job runs (pg_cron opens one per run): the
    // figure includes what the session above had cached, every function compiled and every
    // statement planned again.
    let fresh = try Connection(connection.target, applicationName: "audiencectl bench refresh")
    defer { fresh.close() }
    scenarios.append(
      try maintenance.withNewEvents(fresh, span: "interval '1 minute'") { added in
        let floor = try floorMs(fresh, since: "pg_catalog.now()")
        let steps = try refreshSteps(fresh, viewsMaxAgeMinutes: RefreshPeriod("1m")?.viewsMaxAgeMinutes)
        return RefreshScenario(
          name: "after one minute of new events, in a new session (as the scheduled job)", events: added, steps: steps,
          totalMs: steps.reduce(0) { $0 + $1.ms }, floorMs: floor, target: "<= 1 s at 10M events")
      })
    return RefreshBenchmarkReport(
      totalEvents: try totals.decode("events", as: Int.self), organizations: try totals.decode("orgs", as: Int.self),
      scenarios: scenarios)
  }

  /// Everything derived reset and refreshed from empty, in a transaction rolled back.
  func fromEmpty(_ connection: Connection, _ maintenance: MaintenanceBenchmark) throws -> RefreshScenario {
    try maintenance.rolledBack(connection) {
      try resetEverything(connection)
      let events = try connection.scalar("select count(*)::bigint from analytics.events", as: Int.self) ?? 0
      let floor = try floorMs(connection, since: nil)
      let steps = try refreshSteps(connection, leavingOut: Set(leaveOutFromEmpty))
      return RefreshScenario(
        name: "from empty", events: events, steps: steps, totalMs: steps.reduce(0) { $0 + $1.ms }, floorMs: floor,
        target: "<= 30 s at 1M events / 100 orgs, <= 5 min at 10M / 1,000 orgs", leftOut: leaveOutFromEmpty)
    }
  }

  /// VACUUM ANALYZE of every rollup target and of the tables the maintenance functions
  /// write (schema private's audience_* and insight_aggregate* tables, audience.customers).
  func vacuumDerivedTables(_ connection: Connection) throws {
    let tables = try connection.query(
      """
      select pg_catalog.format('%I.%I', n.nspname, c.relname) as name
        from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p')
         and (c.oid in (select r.target from private.rollups as r)
              or (n.nspname = 'private' and (c.relname like 'audience\\_%' or c.relname like 'insight\\_aggregate%'))
              or (n.nspname = 'audience' and c.relname = 'customers'))
       order by 1
      """
    ).rows.map { try $0.decode("name", as: String.self) }
    for table in tables {
      try connection.execute(SQL(unsafeSQL: "vacuum (analyze) \(table)"))  // format('%I.%I'): quoted
    }
  }

  /// The floor: one sorted scan of the events refreshed (all, or those received since).
  func floorMs(_ connection: Connection, since: String?) throws -> Double {
    let filter = since.map { "where e.received_at >= \($0)" } ?? ""
    let started = ContinuousClock.now
    _ = try connection.scalar(
      SQL(
        unsafeSQL: """
          select count(*)::bigint from (select e.org_id, e.occurred_at, e.event_type, e.visitor_id from analytics.events as e \(filter)
                                         order by e.org_id, e.occurred_at) as s
          """), as: Int.self)
    return started.duration(to: .now).secondsValue * 1000
  }

  /// Forgets everything derived: every registered rollup reset, the watermarks of the
  /// maintenance functions that keep their own (audience rollups, customers) and the stored
  /// insight aggregates removed, in the current transaction.
  func resetEverything(_ connection: Connection) throws {
    try connection.execute("select private.reset_rollup(r.name) from private.rollups as r")
    for table in ["private.audience_rollup_watermarks", "audience.customer_watermarks", "audience.customers", "private.insight_aggregates", "private.insight_aggregate_rows"] {
      if try connection.scalar("select pg_catalog.to_regclass(\(table)) is not null", as: Bool.self) == true {
        try connection.execute(SQL(unsafeSQL: "delete from \(table)"))
      }
    }
  }

  /// The statements of private.run_refresh's steps (see the file header), each timed; with
  /// `viewsMaxAgeMinutes`, the cohorts view's step as run_refresh's p_views_max_age runs it.
  func refreshSteps(_ connection: Connection, leavingOut: Set<String> = [], viewsMaxAgeMinutes: Int? = nil) throws
    -> [MaintenanceTiming]
  {
    // The refresh's own plan (private.refresh_plan), in its sequential order, but for the
    // steps that this transaction cannot show: partitions, statistics (ANALYZE sees only
    // committed changes) and the retention.
    let maxAge = viewsMaxAgeMinutes.map { "pg_catalog.make_interval(mins => \($0))" } ?? "null"
    let plan: [(step: String, sql: String)] = try connection.query(
      """
      select p.step, p.sql from private.refresh_plan(\(unsafeSQL: maxAge)) as p
      where p.step not in ('analytics.ensure_partitions', 'private.analyze_grown_partitions', 'analytics.apply_retention')
      order by p.phase, p.level, p.step
      """
    ).rows.map { (try $0.decode("step", as: String.self), try $0.decode("sql", as: String.self)) }
    var timings: [MaintenanceTiming] = []
    for (step, sql) in plan where !leavingOut.contains(step) {
      let started = ContinuousClock.now
      do {
        try connection.execute("savepoint refresh_step")
        let result = try connection.query(SQL(unsafeSQL: sql))
        try connection.execute("release savepoint refresh_step")
        let ms = started.duration(to: .now).secondsValue * 1000
        let rows = result.rows.first.flatMap { try? $0.decode(at: 0, as: Int.self) }
        let text = result.rows.first.flatMap { try? $0.decode(at: 0, as: String.self) }  // 'kept' / 'refreshed'
        timings.append(MaintenanceTiming(step: step, ms: ms, detail: rows.map { "\($0.formatted()) rows" } ?? text ?? ""))
      } catch let error as PostgresError {
        _ = try? connection.execute("rollback to savepoint refresh_step")
        timings.append(
          MaintenanceTiming(
            step: step, ms: started.duration(to: .now).secondsValue * 1000, detail: "", error: "\(error.code.rawValue): \(error.message)"))
      }
    }
    return timings
  }
}
