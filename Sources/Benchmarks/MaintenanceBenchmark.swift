// The maintenance half of `bench audience|dashboards|insights`: refresh, incremental
// against full recomputation, segment export and generation, each timed once.
//
// Whatever a measurement needs to change (a day of new events, reset rollups, forgotten
// watermarks, a segment) happens inside a transaction that is rolled back: the database is
// left as it was found, except for what a scheduler would have done anyway (the refresh
// run, the daily rollups' catch-up, and the insights a generation stores).
import Foundation
import Insights
import PostgresClient
import Refresh

public struct MaintenanceBenchmark: Sendable {
  public init() {}

  /// `bench audience`: a refresh run step by step, update_customers (the customers rollup's
  /// apply) incremental after a day of new events, its floor (one sorted scan of the events
  /// and orders a full build reads, timed just before it), the full build (the same apply
  /// after private.reset_rollup), and the export (fetch_segment_export) of about 10,000 customers.
  public func audience(_ connection: Connection, subject: BenchmarkSubject) throws -> [MaintenanceTiming] {
    var steps = try refresh(connection)
    steps.append(
      try withOneDayOfNewEvents(connection) { added in
        let (changed, ms) = try timed { try connection.scalar("select audience.update_customers()", as: Int.self) ?? 0 }
        return MaintenanceTiming(
          step: "update_customers, incremental", ms: ms,
          detail: "after \(added.formatted()) new events of one day: \(changed.formatted()) customer rows changed")
      })
    let (scanned, floorMs) = try timed { try connection.scalar(SQL(unsafeSQL: Self.customersFloor), as: Int.self) ?? 0 }
    steps.append(
      MaintenanceTiming(
        step: "update_customers, floor", ms: floorMs,
        detail: "one sorted scan of \(scanned.formatted()) non-bot events and orders by (organization, visitor key, time)"))
    steps.append(
      try rolledBack(connection) {
        try connection.execute("select private.reset_rollup('audience.customers')")
        let (changed, ms) = try timed { try connection.scalar("select audience.update_customers()", as: Int.self) ?? 0 }
        return MaintenanceTiming(
          step: "update_customers, full", ms: ms,
          detail: "from an empty table: \(changed.formatted()) customer rows (\(String(format: "%.1f", ms / max(floorMs, 0.001)))x the floor)")
      })
    if let segment = try segmentExport(connection, subject: subject) { steps.append(segment) }
    return steps
  }

  /// The floor of a full customers build: read every non-bot event and every order once,
  /// sorted by what the build groups on (organization, visitor key, time), nothing computed.
  static let customersFloor = """
    select count(*)::bigint from (
      select e.org_id, coalesce(e.visitor_id, 'user:' || e.user_id::text) as k, e.occurred_at, e.id
        from analytics.events as e where not e.is_bot and (e.visitor_id is not null or e.user_id is not null)
      union all
      select o.org_id, coalesce(o.visitor_id, 'user:' || o.user_id::text), o.occurred_at, 0
        from audience.orders as o where o.visitor_id is not null or o.user_id is not null
      order by 1, 2, 3, 4 offset 0) as s
    """

  /// The daily rollups of the dashboards (migrations 0030 / 0660), upstream first.
  static let dailyRollups = [
    "analytics.visitor_daily_counts", "analytics.entity_daily_stats", "analytics.entity_daily_visitors",
    "analytics.user_daily_stats", "analytics.org_daily_stats", "analytics.org_daily_visitors", "analytics.profile_daily_stats",
    "analytics.org_daily_recency", "analytics.entity_daily_recency",
  ]

  /// Applies the daily rollups (private.apply_rollup, dependency order); the total time and rows written.
  func applyDailyRollups(_ connection: Connection) throws -> (rows: Int, ms: Double) {
    var rows = 0
    let (_, ms) = try timed {
      for name in Self.dailyRollups {
        rows += try connection.scalar("select private.apply_rollup(\(name))::bigint", as: Int.self) ?? 0
      }
    }
    return (rows, ms)
  }

  /// `bench dashboards`: the daily rollups' catch-up, then their apply after one day of new
  /// events against a rebuild from empty (private.reset_rollup, then the same apply);
  /// returns the steps and the ratio.
  public func dashboards(_ connection: Connection) throws -> (steps: [MaintenanceTiming], notes: [String]) {
    let caughtUp = try applyDailyRollups(connection)
    var steps = [
      MaintenanceTiming(step: "daily rollups, catch-up", ms: caughtUp.ms, detail: "\(caughtUp.rows.formatted()) rows written")
    ]
    let incremental = try withOneDayOfNewEvents(connection) { added in
      let applied = try applyDailyRollups(connection)
      return MaintenanceTiming(
        step: "daily rollups, after one day", ms: applied.ms,
        detail: "after \(added.formatted()) new events of one day: \(applied.rows.formatted()) rows written")
    }
    let full = try rolledBack(connection) {
      for name in Self.dailyRollups { try connection.execute("select private.reset_rollup(\(name))") }
      let applied = try applyDailyRollups(connection)
      return MaintenanceTiming(step: "daily rollups, from empty", ms: applied.ms, detail: "\(applied.rows.formatted()) rows written")
    }
    steps += [incremental, full]
    let ratio = full.ms / max(incremental.ms, 0.001)
    return (steps, ["after one day is \(String(format: "%.1f", ratio))x faster than from empty"])
  }

  /// `bench insights`: one generation with the offline template provider for the
  /// organization (a scheduled run, not rate limited; it stores that organization's insights).
  public func insights(_ connection: Connection, subject: BenchmarkSubject) async throws -> [MaintenanceTiming] {
    guard let org = UUID(uuidString: subject.org) else { return [] }
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let started = ContinuousClock.now
    let report = try await generator.generate(org: org, connection: connection, manual: false, dryRun: false)
    let ms = started.duration(to: .now).secondsValue * 1000
    return [
      MaintenanceTiming(
        step: "insights generate (template provider)", ms: ms,
        detail: "\(report.candidates) candidates, \(report.insights.count) insights stored", error: report.error)
    ]
  }

  // MARK: Steps

  func refresh(_ connection: Connection) throws -> [MaintenanceTiming] {
    let report = try Refresher().refresh(connection, only: nil, waitSeconds: 600)
    return report.steps.map { step in
      MaintenanceTiming(
        step: "refresh: \(step.step)", ms: Double(step.durationMs ?? 0), detail: "", error: step.error)
    }
  }

  /// The export of the segment "seen in the last N days" whose size is nearest to 10,000
  /// customers, contact details included (public.fetch_segment_export); nil when the
  /// organization has none. The fetch answers only a request committed by an earlier
  /// transaction; here, in a transaction that is rolled back, the request row is marked as
  /// written by an earlier (committed) one, so nothing of the measurement survives.
  func segmentExport(_ connection: Connection, subject: BenchmarkSubject) throws -> MaintenanceTiming? {
    var best: (days: Int, size: Int)?
    for days in [1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90, 120, 180, 365] {
      let size = try connection.scalar(
        "select public.preview_segment(\(subject.org)::uuid, \(Self.seenWithin(days))::jsonb)", as: Int.self) ?? 0
      if best == nil || abs(size - 10_000) < abs(best!.size - 10_000) { best = (days, size) }
    }
    guard let best, best.size > 0 else { return nil }
    return try rolledBack(connection) {
      let segment = try connection.scalar(
        "select segment_id from public.create_segment(\(subject.org)::uuid, \("bench \(UUID().uuidString)"), \(Self.seenWithin(best.days))::jsonb)",
        as: UUID.self)
      let export = try connection.scalar(
        "select export_id from public.request_segment_export(\(segment), true, 'benchmark')", as: Int.self)
      try connection.execute("update audience.segment_exports set requested_xact = '3'::xid8 where id = \(export)")
      let (rows, ms) = try timed {
        try connection.scalar(
          "select count(*)::bigint from public.fetch_segment_export(\(export))", as: Int.self) ?? 0
      }
      return MaintenanceTiming(
        step: "fetch_segment_export, with PII", ms: ms, detail: "\(rows.formatted()) customers seen in the last \(best.days) days")
    }
  }

  static func seenWithin(_ days: Int) -> String {
    #"[{"field": "last_seen", "op": "within", "value": \#(days)}]"#
  }

  /// Runs `body` with the events of the day before the anchor copied to the day before now,
  /// received now (a day of new events for every organization; `body` gets how many), in a
  /// transaction that is rolled back. The anchor is now - 1 day, or the latest event when
  /// the data ends before that (a seed's events end at the start of the day it ran: on the
  /// next day, the minute a day before now had no event), so the copies come after every
  /// stored event, as new events do. Then the dead rows are vacuumed
  /// and the received_at BRIN index is rebuilt (a scan of each partition, no sort): the
  /// summaries of the block ranges those rows went into would keep their receipt times,
  /// and every later "received since" question would read those ranges in full.
  func withOneDayOfNewEvents<T>(_ connection: Connection, _ body: (Int) throws -> T) throws -> T {
    try withNewEvents(connection, span: "interval '1 day'", body)
  }

  /// The same with the events of a shorter span: those that occurred in the `span` (an SQL
  /// interval) before the anchor, copied to the span before now, received now
  /// (`interval '1 minute'`: a minute of new events).
  func withNewEvents<T>(_ connection: Connection, span: String, _ body: (Int) throws -> T) throws -> T {
    let value = try rolledBack(connection) {
      guard let columns = try connection.scalar(
        """
        select string_agg(pg_catalog.quote_ident(attname), ', ' order by attnum) from pg_catalog.pg_attribute
         where attrelid = 'analytics.events'::regclass and attnum > 0 and not attisdropped
           and attname not in ('id', 'occurred_at', 'received_at', 'client_event_id')
        """, as: String.self)
      else { return try body(0) }
      let anchor = try connection.scalar(
        """
        select least(pg_catalog.now() - interval '1 day', pg_catalog.max(occurred_at))::text from analytics.events
        """, as: String.self) ?? ""
      let added = try connection.execute(
        SQL(
          unsafeSQL: """
            insert into analytics.events (occurred_at, \(columns))
            select occurred_at + (pg_catalog.now() - $1::timestamptz), \(columns) from analytics.events
             where occurred_at >= $1::timestamptz - \(span) and occurred_at < $1::timestamptz
            """, binds: [PostgresBind(text: anchor, typeOID: 0)])) ?? 0
      return try body(added)
    }
    // index_cleanup on: with few dead rows a vacuum skips the indexes and leaves the dead line
    // pointers, and a page holding one is never truncated (37,819 empty pages stayed at the
    // end of a 10M partition, read by every scan of its unsummarized ranges).
    try connection.execute("vacuum (index_cleanup on) analytics.events")
    // The derived tables the rolled-back refresh wrote likewise: their dead index entries made
    // the next run's probes slower (at 10M, after helpers' rolled-back days, 170,927 dead rows
    // in audience_day_counts: refresh_audience_rollups 64.7 s after a day, 12.1 s once vacuumed).
    if try connection.scalar("select pg_catalog.to_regprocedure('private.derived_tables()') is not null", as: Bool.self) == true,
      let derived = try connection.scalar(
        "select pg_catalog.string_agg(t::text, ', ' order by t::text) from private.derived_tables() as t", as: String.self)
    {
      try connection.execute(SQL(unsafeSQL: "vacuum (index_cleanup on) \(derived)"))  // regclass text: qualified and quoted
    }
    let indexes = try connection.query(
      """
      select i.inhrelid::regclass::text as index from pg_catalog.pg_inherits as i
       where i.inhparent = 'analytics.index_events_on_received_at_brin'::regclass
      """
    ).rows.map { try $0.decode("index", as: String.self) }
    for index in indexes {
      try connection.execute(SQL(unsafeSQL: "reindex index \(index)"))  // regclass text: qualified and quoted
      // A build summarizes no range after the last page with a live row: the empty pages the
      // rolled-back rows leave at a partition's end would stay unsummarized, and every scan of
      // new events would read them (at 10M events 37,820 empty pages, 150 ms a scan).
      _ = try connection.scalar(
        SQL(unsafeSQL: "select pg_catalog.brin_summarize_new_values($1::regclass)", binds: [PostgresBind(text: index, typeOID: 0)]), as: Int.self)
    }
    return value
  }

  func rolledBack<T>(_ connection: Connection, _ body: () throws -> T) throws -> T {
    try connection.execute("begin")
    defer { _ = try? connection.execute("rollback") }
    return try body()
  }

  func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let started = ContinuousClock.now
    let value = try body()
    return (value, started.duration(to: .now).secondsValue * 1000)
  }
}
