// `audiencectl bench audience|dashboards|insights`: p50 and p95 of each RPC for the
// largest organization in the database (load `seed scale` first), over a 30-day window,
// and the maintenance work behind each group (MaintenanceBenchmark.swift).
import Foundation
import PostgresClient

public struct RPCTiming: Sendable, Codable {
  public var call: String
  public var p50: Double
  public var p95: Double
  public var error: String?
}

/// One timed maintenance step (a refresh, an aggregation, a generation), run once.
public struct MaintenanceTiming: Sendable, Codable {
  public var step: String
  public var ms: Double
  /// What the step processed, e.g. "27,778 new events, 1,058 org-days".
  public var detail: String
  public var error: String? = nil
}

public struct RPCBenchmarkReport: Sendable, Codable {
  public var group: String
  public var org: String
  public var orgEvents: Int
  public var runs: Int
  public var timings: [RPCTiming]
  /// The RPCs that read the audience rollups again, while the last 24 hours of events are
  /// not yet in them (`unrefreshedEvents` of this organization, in a rolled-back
  /// transaction): what they cost between two scheduled refreshes.
  public var unrefreshed: [RPCTiming] = []
  public var unrefreshedEvents: Int = 0
  /// The same readers with only the last minute not yet in the rollups: what they cost
  /// between two runs of an every-minute refresh (`schedule install --every 1m`).
  public var unrefreshedMinute: [RPCTiming] = []
  public var unrefreshedMinuteEvents: Int = 0
  public var maintenance: [MaintenanceTiming] = []
  /// Derived figures, e.g. the full-to-incremental aggregation ratio.
  public var notes: [String] = []
  /// Whether a call or a step failed (the command then exits 1).
  public var failed: Bool {
    timings.contains { $0.error != nil } || maintenance.contains { $0.error != nil }
  }

  public var rendered: String {
    let rows = group == "usage" ? "model requests" : "events"
    var lines = ["bench \(group): organization \(org) (\(orgEvents) \(rows)), the 30 local days to today, \(runs) runs each"]
    func append(_ timing: RPCTiming) {
      let name = timing.call.padding(toLength: 44, withPad: " ", startingAt: 0)
      if let error = timing.error {
        lines.append("  \(name) ERROR \(error)")
      } else {
        lines.append("  \(name) p50 \(String(format: "%8.1f", timing.p50)) ms  p95 \(String(format: "%8.1f", timing.p95)) ms")
      }
    }
    timings.forEach(append)
    if !unrefreshed.isEmpty {
      lines.append(group == "usage"
        ? "with one more hour not yet in the rollups (\(unrefreshedEvents) model requests of this organization):"
        : "with the last 24 hours not yet in the rollups (\(unrefreshedEvents) events of this organization):")
      unrefreshed.forEach(append)
    }
    if !unrefreshedMinute.isEmpty {
      lines.append("with the last minute not yet in the rollups (\(unrefreshedMinuteEvents) events of this organization):")
      unrefreshedMinute.forEach(append)
    }
    if !maintenance.isEmpty { lines.append("maintenance (one run each):") }
    for step in maintenance {
      let name = step.step.padding(toLength: 44, withPad: " ", startingAt: 0)
      lines.append("  \(name) \(String(format: "%10.1f", step.ms)) ms  \(step.detail)" + (step.error.map { "  ERROR \($0)" } ?? ""))
    }
    lines.append(contentsOf: notes)
    return lines.joined(separator: "\n")
  }
}

/// The organization a benchmark measures: the one with the most events in the last 30 days.
public struct BenchmarkSubject: Sendable {
  public var org: String
  public var events: Int
  /// The organization's first visitor id in sort order: the same visitor in every run (the
  /// first row found, as before, changed with the table's physical order).
  var visitor: String
  var entity: String?
  /// The organization's most active signed-in user of the last 30 days (an events.user_id; in
  /// seed scale data visitor v1 .. v8 of each organization), or the nil uuid when it has none:
  /// looked up once here, not inside each timed call.
  var user: String = "00000000-0000-0000-0000-000000000000"
  /// The organization's local date today: the window is the 30 local days up to and including it.
  var today: String
  /// The artist or venue organization with the most events in the last 30 days (the largest
  /// organization often is neither, and get_profile_dashboard answers only for those); nil
  /// when there is none.
  var artist: String? = nil

  public static func largest(_ connection: Connection) throws -> BenchmarkSubject {
    guard let top = try connection.query(
      """
      select org_id::text as org from analytics.events
       where occurred_at >= pg_catalog.now() - interval '30 days' group by org_id order by count(*) desc, org_id limit 1
      """
    ).first else {
      throw PostgresError(code: .clientError, message: "no events in the last 30 days: load data first (audiencectl seed scale)")
    }
    let org: String = try top.decode("org")
    let visitor = try connection.scalar(
      "select visitor_id from analytics.events where org_id = \(org)::uuid and visitor_id is not null order by visitor_id limit 1",
      as: String.self) ?? ""
    let entity = try connection.scalar(
      "select entity_id::text from analytics.events where org_id = \(org)::uuid and entity_id is not null limit 1", as: String.self)
    let total = try connection.scalar("select count(*)::bigint from analytics.events where org_id = \(org)::uuid", as: Int.self) ?? 0
    let today = try connection.scalar(
      "select (pg_catalog.now() at time zone timezone)::date::text from app.organizations where id = \(org)::uuid",
      as: String.self) ?? ""
    let user = try connection.scalar(
      """
      select user_id::text from analytics.events
       where org_id = \(org)::uuid and user_id is not null and occurred_at >= pg_catalog.now() - interval '30 days'
       group by user_id order by count(*) desc, user_id limit 1
      """, as: String.self)
    let artist = try connection.scalar(
      """
      select e.org_id::text from analytics.events as e join app.organizations as o on o.id = e.org_id
       where o.kind in ('artist', 'venue') and e.occurred_at >= pg_catalog.now() - interval '30 days'
       group by e.org_id order by count(*) desc, e.org_id limit 1
      """, as: String.self)
    return BenchmarkSubject(
      org: org, events: total, visitor: visitor, entity: entity, user: user ?? "00000000-0000-0000-0000-000000000000", today: today,
      artist: artist)
  }
}

public struct RPCBenchmark: Sendable {
  public enum Group: String, Sendable, CaseIterable {
    case audience, dashboards, insights, interactions
  }
  public var group: Group
  public var runs: Int

  public init(group: Group, runs: Int) {
    self.group = group
    self.runs = runs
  }

  /// The calls of a group, with `$org`, `$from`, `$to`, `$visitor`, `$entity`, `$user`, `$artist` filled in.
  static func calls(_ group: Group) -> [(String, String)] {
    switch group {
    case .audience:
      return [
        ("get_audience_overview", "select public.get_audience_overview($org, $from, $to)"),
        ("get_audience_acquisition", "select count(*) from public.get_audience_acquisition($org, $from, $to)"),
        ("get_audience_device_network", "select count(*) from public.get_audience_device_network($org, $from, $to)"),
        ("get_audience_cohorts", "select count(*) from public.get_audience_cohorts($org, 12)"),
        ("get_audience_paths", "select count(*) from public.get_audience_paths($org, $from, $to)"),
        ("calculate_propensity_score", "select public.calculate_propensity_score($org, $visitor)"),
        ("get_high_intent_visitors", "select count(*) from public.get_high_intent_visitors($org)"),
        ("preview_segment (buyers)", #"select public.preview_segment($org, '[{"field": "orders_count", "op": "gte", "value": 1}]')"#),
        ("get_audience_kpi_series", "select count(*) from public.get_audience_kpi_series($org, $from, $to)"),
        ("get_audience_kpis", "select count(*) from public.get_audience_kpis($org, $from, $to)"),
        ("get_audience_attribution (last non-direct, 30 d)", "select count(*) from public.get_audience_attribution($org, $from, $to, 'last_non_direct', 30)"),
        ("get_audience_attribution (first touch, 30 d)", "select count(*) from public.get_audience_attribution($org, $from, $to, 'first_touch', 30)"),
        ("get_hot_lead_detail (720 h)", "select count(*) from public.get_hot_lead_detail($org, $visitor, 720)"),
      ]
    case .dashboards:
      return [
        ("get_dashboard", "select public.get_dashboard($org, $from, $to)"),
        ("get_entity_analytics", "select public.get_entity_analytics($org, $entity, $from, $to)"),
        ("get_realtime_stats", "select public.get_realtime_stats($org)"),
        ("get_conversion_funnel", "select count(*) from public.get_conversion_funnel($org, array['page_view','link_click','purchase'], $from, $to)"),
      ]
    case .interactions:
      // Issue 15's readers of the engine-registered rollups (attribution: each model, over
      // private.audience_touch_days). The user is the organization's
      // most active signed-in user of the last 30 days;
      // the profile dashboard is that of the largest artist or venue ($artist: it answers
      // 22023 for other kinds of organization).
      return [
        ("get_dashboard.mashup", "select analytics.mashup_dashboard($org, $from, $to, 1000)"),
        ("get_search_analytics", "select public.get_search_analytics($org, $from, $to)"),
        ("get_entity_funnel", "select count(*) from public.get_entity_funnel($org, $entity, $from, $to)"),
        ("entity_interactions", "select analytics.entity_interactions($org, $entity, $from, $to)"),
        ("get_user_dashboard", "select public.get_user_dashboard($org, $from, $to, $user)"),
        ("get_profile_dashboard (largest artist or venue)",
         "select case when $artist is not null then public.get_profile_dashboard($artist, $from, $to) end"),
        ("get_audience_attribution (first touch, 30 d)", "select count(*) from public.get_audience_attribution($org, $from, $to, 'first_touch', 30)"),
        ("get_audience_attribution (last touch, 30 d)", "select count(*) from public.get_audience_attribution($org, $from, $to, 'last_touch', 30)"),
        ("get_audience_attribution (last non-direct, 30 d)", "select count(*) from public.get_audience_attribution($org, $from, $to, 'last_non_direct', 30)"),
      ]
    case .insights:
      return [
        ("insights.metric_snapshot", "select insights.metric_snapshot($org)"),
        ("insights.detect_candidates", "select count(*) from insights.detect_candidates($org)"),
        ("get_insights_summary", "select public.get_insights_summary($org)"),
      ]
    }
  }

  /// The calls of a group that read the audience rollups or the engine's rollups (timed
  /// again with a day of events the rollups do not reflect).
  static func rollupReaders(_ group: Group) -> Set<String> {
    switch group {
    case .audience:
      ["get_audience_overview", "get_audience_acquisition", "get_audience_device_network", "get_audience_paths",
       "get_audience_kpi_series", "get_audience_kpis", "get_audience_attribution (last non-direct, 30 d)",
       "get_audience_attribution (first touch, 30 d)"]
    case .interactions: Set(calls(.interactions).map { $0.0 })
    case .dashboards: ["get_dashboard", "get_entity_analytics"]
    default: []
    }
  }

  /// Times every call of the group `runs` times after one warm-up call; then, for the
  /// audience group, the rollup readers again with a day of new events that the rollups do
  /// not reflect (MaintenanceBenchmark.withOneDayOfNewEvents), and with a minute of them.
  public func run(_ connection: Connection, subject: BenchmarkSubject) throws -> RPCBenchmarkReport {
    let calls = Self.calls(group).map { (name, template) in (name, Self.fill(template, subject: subject)) }
    var report = RPCBenchmarkReport(
      group: group.rawValue, org: subject.org, orgEvents: subject.events, runs: runs,
      timings: calls.map { time(connection, name: $0.0, sql: $0.1) })
    let readers = Self.rollupReaders(group)
    if !readers.isEmpty {
      try MaintenanceBenchmark().withOneDayOfNewEvents(connection) { _ in
        report.unrefreshedEvents = try connection.scalar(
          "select count(*)::bigint from analytics.events where org_id = \(subject.org)::uuid and received_at = pg_catalog.now()",
          as: Int.self) ?? 0
        report.unrefreshed = calls.filter { readers.contains($0.0) }.map { time(connection, name: $0.0, sql: $0.1) }
      }
      try MaintenanceBenchmark().withNewEvents(connection, span: "interval '1 minute'") { _ in
        report.unrefreshedMinuteEvents = try connection.scalar(
          "select count(*)::bigint from analytics.events where org_id = \(subject.org)::uuid and received_at = pg_catalog.now()",
          as: Int.self) ?? 0
        report.unrefreshedMinute = calls.filter { readers.contains($0.0) }.map { time(connection, name: $0.0, sql: $0.1) }
      }
    }
    return report
  }

  static func fill(_ template: String, subject: BenchmarkSubject) -> String {
    template
      .replacingOccurrences(of: "$org", with: "'\(subject.org)'::uuid")
      .replacingOccurrences(of: "$from", with: "date '\(subject.today)' - 29")
      .replacingOccurrences(of: "$to", with: "date '\(subject.today)' + 1")
      .replacingOccurrences(of: "$visitor", with: quoteLiteral(subject.visitor))
      .replacingOccurrences(of: "$user", with: "'\(subject.user)'::uuid")
      .replacingOccurrences(of: "$entity", with: subject.entity.map { "'\($0)'::uuid" } ?? "null::uuid")
      .replacingOccurrences(of: "$artist", with: subject.artist.map { "'\($0)'::uuid" } ?? "null::uuid")
  }

  /// p50 and p95 of `runs` calls after one warm-up call (which warms caches and plans);
  /// the error of the first failing call instead.
  func time(_ connection: Connection, name: String, sql: String) -> RPCTiming {
    var samples: [Double] = []
    var failure: String?
    for _ in 0..<(runs + 1) {
      let started = ContinuousClock.now
      do {
        try connection.execute(SQL(unsafeSQL: sql))
      } catch {
        failure = (error as? PostgresError).map { "\($0.code.rawValue): \($0.message)" } ?? "\(error)"
        break
      }
      samples.append(started.duration(to: .now).secondsValue * 1000)
    }
    let timed = Timings(Array(samples.dropFirst()))
    return RPCTiming(call: name, p50: timed.median, p95: timed.p95, error: failure)
  }
}
