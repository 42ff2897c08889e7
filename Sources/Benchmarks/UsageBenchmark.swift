// `audiencectl bench usage`: p50 and p95 of each usage RPC for the organization with the
// most model requests in the last 30 days (load `seed scale --model-requests N` first),
// over its 30 local days to today, with the rollups current and again with one more hour
// of requests not yet in them; then the rollup steps incremental (that hour) and full.
import Foundation
import PostgresClient

public struct UsageBenchmark: Sendable {
  public var runs: Int

  public init(runs: Int) {
    self.runs = runs
  }

  static let calls: [(String, String)] = [
    ("get_usage_overview", "select count(*) from public.get_usage_overview($org, $from, $to)"),
    ("get_cost_breakdown (model)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'model', 10)"),
    ("get_cost_breakdown (provider)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'provider', 10)"),
    ("get_cost_breakdown (user)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'user', 10)"),
    ("get_cost_breakdown (team)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'team', 10)"),
    ("get_cost_breakdown (project)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'project', 10)"),
    ("get_cost_breakdown (feature)", "select count(*) from public.get_cost_breakdown($org, $from, $to, 'feature', 10)"),
    ("get_model_comparison", "select count(*) from public.get_model_comparison($org, $from, $to)"),
    ("get_usage_trends (day)", "select count(*) from public.get_usage_trends($org, $from, $to, 'day')"),
    ("get_usage_trends (hour)", "select count(*) from public.get_usage_trends($org, $from, $to, 'hour')"),
    ("get_router_savings", "select count(*) from public.get_router_savings($org, $from, $to)"),
    ("get_budget_status", "select count(*) from public.get_budget_status($org)"),
    ("forecast_costs", "select count(*) from public.forecast_costs($org)"),
    ("get_user_activity", "select public.get_user_activity($org, $from, $to)"),
  ]

  /// The organization with the most model requests in the last 30 days, its total and its
  /// local date today.
  static func subject(_ connection: Connection) throws -> (org: String, requests: Int, today: String) {
    guard let top = try connection.query(
      """
      select org_id::text as org from usage.model_requests
       where occurred_at >= pg_catalog.now() - interval '30 days' group by org_id order by count(*) desc, org_id limit 1
      """
    ).first else {
      throw PostgresError(code: .clientError, message: "no model requests in the last 30 days: load data first (audiencectl seed scale --model-requests N)")
    }
    let org: String = try top.decode("org")
    let total = try connection.scalar("select count(*)::bigint from usage.model_requests where org_id = \(org)::uuid", as: Int.self) ?? 0
    let today = try connection.scalar(
      "select (pg_catalog.now() at time zone timezone)::date::text from app.organizations where id = \(org)::uuid", as: String.self) ?? ""
    return (org, total, today)
  }

  /// The usage rollups in dependency order (each dependent after its upstream).
  static let rollups = ["usage.user_days", "usage.model_hours", "usage.model_days", "usage.dimension_days", "usage.dimension_weeks", "usage.active_user_days",
                        "usage.org_days", "usage.org_hours"]

  public func run(_ connection: Connection, maintenance: Bool) throws -> RPCBenchmarkReport {
    let subject = try Self.subject(connection)
    let rpc = RPCBenchmark(group: .audience, runs: runs)
    let calls = Self.calls.map { (name, template) in
      (name, template
        .replacingOccurrences(of: "$org", with: "'\(subject.org)'::uuid")
        .replacingOccurrences(of: "$from", with: "date '\(subject.today)' - 29")
        .replacingOccurrences(of: "$to", with: "date '\(subject.today)' + 1"))
    }
    var report = RPCBenchmarkReport(group: "usage", org: subject.org, orgEvents: subject.requests, runs: runs, timings: [])
    // The rollups current first (kept: what a scheduled refresh does).
    var steps: [MaintenanceTiming] = []
    for name in Self.rollups {
      steps.append(try timeStep(connection, "apply_rollup \(name) (to current)", "select private.apply_rollup('\(name)')"))
    }
    report.timings = calls.map { rpc.time(connection, name: $0.0, sql: $0.1) }
    // One more hour of this organization's requests, not yet in the rollups (rolled back).
    try connection.execute("begin")
    defer { _ = try? connection.execute("rollback") }
    report.unrefreshedEvents = try connection.scalar(
      """
      with last as (select pg_catalog.max(occurred_at) as t from usage.model_requests where org_id = \(subject.org)::uuid),
      ins as (
        insert into usage.model_requests (org_id, request_id, occurred_at, user_id, team, project, feature, provider, model,
                                          was_routed, router_confidence, baseline_provider, baseline_model, input_tokens,
                                          output_tokens, latency_ms, status, rating, price_id, cost, baseline_price_id, baseline_cost)
        select r.org_id, r.request_id || ':bench', r.occurred_at + interval '1 hour', r.user_id, r.team, r.project, r.feature,
               r.provider, r.model, r.was_routed, r.router_confidence, r.baseline_provider, r.baseline_model, r.input_tokens,
               r.output_tokens, r.latency_ms, r.status, r.rating, r.price_id, r.cost, r.baseline_price_id, r.baseline_cost
        from usage.model_requests as r, last
        where r.org_id = \(subject.org)::uuid and r.occurred_at > last.t - interval '1 hour'
        returning 1)
      select count(*)::bigint from ins
      """, as: Int.self) ?? 0
    report.unrefreshed = calls.map { rpc.time(connection, name: $0.0, sql: $0.1) }
    if maintenance {
      for name in Self.rollups {
        steps.append(try timeStep(connection, "apply_rollup \(name) (the new hour)",
                                  "select private.apply_rollup('\(name)', \(Self.upto(name)), true)"))
      }
      for name in Self.rollups {
        try connection.execute(SQL(unsafeSQL: "select private.reset_rollup('\(name)')"))
        steps.append(try timeStep(connection, "apply_rollup \(name) (full rebuild)",
                                  "select private.apply_rollup('\(name)', \(Self.upto(name)), true)"))
      }
    }
    report.maintenance = steps
    return report
  }

  /// The bound a step applies up to inside the rolled-back transaction: now, or for a
  /// dependent rollup its upstreams' lowest watermark (the engine refuses to pass it).
  static func upto(_ name: String) -> String {
    """
    coalesce((select pg_catalog.min(u.watermark) from private.rollups as d join private.rollups as u on u.name = any (d.depends_on) \
    where d.name = '\(name)'), pg_catalog.clock_timestamp())
    """
  }

  func timeStep(_ connection: Connection, _ name: String, _ sql: String) throws -> MaintenanceTiming {
    let started = ContinuousClock.now
    try connection.execute(SQL(unsafeSQL: sql))
    return MaintenanceTiming(step: name, ms: started.duration(to: .now).secondsValue * 1000, detail: "")
  }
}
