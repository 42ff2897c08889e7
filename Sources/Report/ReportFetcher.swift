// Reads a report's numbers: every RPC called as service_role for the organization, in one
// read-only repeatable-read transaction (one snapshot), each output kept as PostgreSQL's text.
// The few derived figures (change vs the previous period) are computed by SQL here too.
import Foundation
import PostgresClient

/// Calls the RPCs a report needs and returns their outputs.
public struct ReportFetcher {
  /// The AI-platform usage module's RPCs (another module; rendered only where they exist).
  public static let usageFunctions = [
    "get_usage_trends", "forecast_costs", "get_usage_anomalies", "get_budget_status", "get_cost_breakdown",
  ]

  public init() {}

  /// Reads everything `request` asks for. Throws PostgresError (e.g. P0002 for an unknown
  /// organization, 22023 for a bad period) or ReportError.
  public func fetch(_ request: ReportRequest, connection: Connection) throws -> ReportData {
    try connection.execute("begin isolation level repeatable read read only")
    do {
      let data = try fetchInTransaction(request, connection)
      try connection.execute("rollback")
      return data
    } catch {
      _ = try? connection.execute("rollback")
      throw error
    }
  }

  private func fetchInTransaction(_ request: ReportRequest, _ db: Connection) throws -> ReportData {
    // As PostgREST calls an RPC for the service role: SET LOCAL ROLE plus the JWT claims.
    do {
      try db.execute(
        """
        select pg_catalog.set_config('request.jwt.claims', '{"role": "service_role"}', true),
               pg_catalog.set_config('role', 'service_role', true)
        """)
    } catch let error as PostgresError {
      throw ReportError(
        "cannot act as service_role in this database: \(error.message)",
        hint: "Migrate the database first (audiencectl migrate creates service_role) and connect as a role allowed to SET ROLE service_role.")
    }
    var timings: [CallTiming] = []
    func timed<T>(_ call: String, _ body: () throws -> T) rethrows -> T {
      let start = DispatchTime.now().uptimeNanoseconds
      let value = try body()
      timings.append(CallTiming(call: call, milliseconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6))
      return value
    }

    let org = request.orgID
    let head = try timed("get_organization") {
      try db.query(
        """
        select o.id::text, o.slug, o.name, o.kind::text as kind, o.timezone, o.currency, p.f::text as from_day,
               p.t::text as to_day, (p.f - (p.t - p.f))::text as previous_from, pg_catalog.now()::text as as_of
          from public.get_organization(\(org)) as o,
               lateral (select coalesce(\(request.to)::date, (pg_catalog.now() at time zone o.timezone)::date) as t) as t0,
               lateral (select coalesce(\(request.from)::date, t0.t - 30) as f, t0.t as t) as p
        """)
    }
    guard let row = head.first else { throw ReportError("organization \(org) not found", hint: "Check the organization id.") }
    let organization = ReportOrganization(
      id: row["id"] ?? "", slug: row["slug"] ?? "", name: row["name"] ?? "", kind: row["kind"] ?? "",
      timezone: row["timezone"] ?? "", currency: row["currency"] ?? "")
    let from = row["from_day"] ?? "", to = row["to_day"] ?? ""
    // Timestamps print in the organization's time zone (the RPCs bucket by it explicitly).
    try db.execute("select pg_catalog.set_config('TimeZone', \(organization.timezone), true)")
    var data = ReportData(
      organization: organization, from: from, to: to, previousFrom: row["previous_from"] ?? "", asOf: row["as_of"] ?? "",
      sections: request.sections)
    let sections = Set(request.sections)

    if sections.contains(.overview) {
      let overview = try timed("get_audience_overview") {
        try table(db, "public.get_audience_overview", "select * from public.get_audience_overview(\(org), \(from)::date, \(to)::date)")
      }
      data.overview = overview
      data.overviewKPIs = try changes(db, pairs: Self.overviewMetrics.map { metric, unit in
        (metric, overview.value(0, metric), overview.value(1, metric), unit)
      })
      data.kpiSeries = try timed("get_audience_kpi_series") {
        try table(db, "public.get_audience_kpi_series", "select * from public.get_audience_kpi_series(\(org), \(from)::date, \(to)::date)")
      }
      let dashboard = try timed("get_dashboard") {
        try db.scalar("select public.get_dashboard(\(org), \(from)::date, \(to)::date)::text", as: String.self) ?? "{}"
      }
      data.trends = try table(
        db, "public.get_dashboard → trends",
        """
        select e->>'date' as date, e->>'plays' as plays, e->>'likes' as likes, e->>'visitors' as visitors
          from pg_catalog.json_array_elements(\(dashboard)::json -> 'trends') as e
        """)
      let summary = try table(
        db, "public.get_dashboard → summary",
        """
        select k.key as metric, k.value as current, (\(dashboard)::json -> 'previous_summary') ->> k.key as previous
          from pg_catalog.json_each_text(\(dashboard)::json -> 'summary') as k
        """)
      data.dashboardKPIs = try changes(db, pairs: Self.dashboardMetrics.map { metric in
        let index = summary.column("metric").firstIndex(of: metric)
        return (metric, index.flatMap { summary.value($0, "current") }, index.flatMap { summary.value($0, "previous") }, "percent")
      })
    }
    if sections.contains(.cohorts) {
      data.cohorts = try timed("get_audience_cohorts") {
        try table(db, "public.get_audience_cohorts", "select * from public.get_audience_cohorts(\(org), 12)")
      }
    }
    if sections.contains(.acquisition) {
      data.acquisition = try timed("get_audience_acquisition") {
        try table(db, "public.get_audience_acquisition", "select * from public.get_audience_acquisition(\(org), \(from)::date, \(to)::date)")
      }
    }
    if sections.contains(.devices) {
      data.devices = try timed("get_audience_device_network") {
        try table(
          db, "public.get_audience_device_network", "select * from public.get_audience_device_network(\(org), \(from)::date, \(to)::date)")
      }
    }
    if sections.contains(.paths) {
      data.paths = try timed("get_audience_paths") {
        try table(
          db, "public.get_audience_paths",
          """
          select rank, pg_catalog.array_to_string(path, ' → ') as path, label, steps, sessions, visitors,
                 avg_minutes_to_purchase, conversion_pct
            from public.get_audience_paths(\(org), \(from)::date, \(to)::date)
          """)
      }
    }
    if sections.contains(.funnel) {
      let steps = request.funnelSteps ?? FunnelSteps.forKind(organization.kind)
      data.funnelSteps = steps
      data.funnel = try timed("get_conversion_funnel") {
        try table(
          db, "public.get_conversion_funnel",
          "select * from public.get_conversion_funnel(\(org), \(steps)::text[], \(from)::date, \(to)::date)")
      }
    }
    if sections.contains(.insights) {
      let page = try timed("get_insights") {
        try db.scalar("select public.get_insights(\(org), null, null, 'active', 50, 0)::text", as: String.self) ?? "{}"
      }
      data.insights = try table(
        db, "public.get_insights",
        """
        select i->>'priority' as priority, i->>'category' as category, i->>'type' as type, i->>'title' as title,
               i->>'description' as description, i->>'actionSuggestion' as action_suggestion,
               i->>'confidence' as confidence, i->>'subjectKey' as subject_key
          from pg_catalog.json_array_elements(\(page)::json -> 'insights') as i
        """)
      let summary = try timed("get_insights_summary") {
        try db.scalar("select public.get_insights_summary(\(org))::text", as: String.self) ?? "{}"
      }
      data.insightCounts = try table(
        db, "public.get_insights_summary",
        """
        select p.key, coalesce((\(summary)::json -> 'byPriority') ->> p.key, \(summary)::json ->> p.name) as value
          from (values (1, 'high', ''), (2, 'medium', ''), (3, 'low', ''), (4, 'total', 'totalActive'),
                       (5, 'last_generated_at', 'lastGeneratedAt')) as p (n, key, name)
         order by p.n
        """)
    }
    let usageSections: Set<ReportSection> = [.costs, .budgets, .breakdown]
    if !sections.isDisjoint(with: usageSections) {
      let present = try Set(
        db.query(
          """
          select p.proname::text from pg_catalog.pg_proc as p join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
           where n.nspname = 'public' and p.proname = any (\(Self.usageFunctions)::text[])
          """
        ).rows.compactMap { $0.cells.first ?? nil })
      var wanted: [String] = []
      if sections.contains(.costs) { wanted += ["get_usage_trends", "forecast_costs", "get_usage_anomalies"] }
      if sections.contains(.budgets) { wanted += ["get_budget_status"] }
      if sections.contains(.breakdown) { wanted += ["get_cost_breakdown"] }
      for function in wanted {
        guard present.contains(function) else {
          data.usage[function] = .missing(function: "public.\(function)")
          continue
        }
        data.usage[function] = try timed(function) {
          try callOptional(db, function: function, org: org, from: from, to: to)
        }
      }
    }
    data.timings = timings
    return data
  }

  /// The overview metrics shown as cards, with how their change is expressed.
  static let overviewMetrics: [(String, String)] = [
    ("visitors", "percent"), ("sessions", "percent"), ("buyers", "percent"), ("orders", "percent"),
    ("revenue_cents", "percent"), ("purchase_rate_pct", "points"), ("checkout_rate_pct", "points"),
    ("new_buyers", "percent"), ("returning_buyers", "percent"), ("mobile_conversion_pct", "points"),
    ("desktop_conversion_pct", "points"),
  ]
  static let dashboardMetrics = ["plays", "likes", "page_views", "followers"]

  /// The change of each (metric, current, previous) computed by SQL: percent change
  /// round(100 x (current - previous) / previous, 1), NULL when previous is 0 or NULL (as
  /// get_dashboard's growth_pct); for rates the difference in percentage points.
  func changes(_ db: Connection, pairs: [(String, String?, String?, String)]) throws -> [KPI] {
    guard !pairs.isEmpty else { return [] }
    func json(_ text: String?) -> String { text.map { "\"" + $0.replacingOccurrences(of: "\"", with: "") + "\"" } ?? "null" }
    let document = "[" + pairs.map { "[\(json($0.0)), \(json($0.1)), \(json($0.2)), \(json($0.3))]" }.joined(separator: ",") + "]"
    let result = try db.query(
      """
      select (case k->>3
                when 'points' then (k->>1)::numeric - (k->>2)::numeric
                else pg_catalog.round(100.0 * ((k->>1)::numeric - (k->>2)::numeric) / nullif((k->>2)::numeric, 0), 1)
              end)::text as change
        from pg_catalog.json_array_elements(\(document)::json) with ordinality as x (k, n)
       order by x.n
      """)
    return zip(pairs, result.rows).map { pair, row in
      KPI(metric: pair.0, current: pair.1, previous: pair.2, change: row["change"], changeUnit: pair.3)
    }
  }

  /// Runs `sql` and keeps its output as text.
  func table(_ db: Connection, _ source: String, _ sql: SQL) throws -> DataTable {
    let result = try db.query(sql)
    return DataTable(source: source, columns: result.columns.map(\.name), rows: result.cells)
  }

  /// Calls an RPC of the usage module by its parameter names (p_org_id, p_from, p_to, p_grain,
  /// p_horizon, p_status, p_dimension, p_limit; others must have defaults), inside a
  /// savepoint: an error becomes the section's explanation, not the report's failure. Its rows
  /// (or a jsonb answer's objects) become tables, the values as PostgreSQL printed them.
  func callOptional(_ db: Connection, function: String, org: UUID, from: String, to: String) throws -> OptionalOutput {
    let parameters = try db.query(
      """
      select a.name, a.n > p.pronargs - p.pronargdefaults as has_default
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as ns on ns.oid = p.pronamespace,
             lateral (select x.name, pg_catalog.row_number() over () as n
                        from unnest(p.proargnames, coalesce(p.proargmodes, pg_catalog.array_fill('i'::"char", array[pg_catalog.cardinality(p.proargnames)])))
                             as x (name, mode)
                       where x.mode in ('i', 'b', 'v')) as a
       where ns.nspname = 'public' and p.proname = \(function)
         and p.oid = (select min(q.oid) from pg_catalog.pg_proc as q where q.proname = p.proname and q.pronamespace = p.pronamespace)
       order by a.n
      """)
    var arguments: [String] = []
    var values: [String?] = []
    var dimensionIndex: Int?
    for row in parameters.rows {
      let name = row["name"] ?? ""
      let hasDefault = row["has_default"] == "t"
      let value: String??
      switch name {
      case "p_org_id", "p_org": value = .some(org.uuidString.lowercased())
      case "p_from": value = .some(from)
      case "p_to": value = .some(to)
      case "p_grain": value = .some("day")
      case "p_dimension": value = .some(function == "get_cost_breakdown" ? "model" : nil)
      case "p_limit": value = hasDefault ? nil : .some("10")
      case "p_status", "p_horizon": value = hasDefault ? nil : .some(nil)
      default:
        guard hasDefault else {
          return .failed(function: "public.\(function)", message: "it takes a parameter \(name) this report does not know")
        }
        value = nil
      }
      guard let value else { continue }
      if name == "p_dimension" { dimensionIndex = values.count }
      values.append(value)
      arguments.append("\(quoteIdentifier(name)) => $\(values.count)")
    }
    let dimensions: [String?] = function == "get_cost_breakdown" ? ["model", "feature"] : [nil]
    var tables: [DataTable] = []
    for dimension in dimensions {
      var binds = values.map { PostgresBind(text: $0, typeOID: 0) }
      if let dimension, let dimensionIndex { binds[dimensionIndex] = PostgresBind(text: dimension, typeOID: 0) }
      let call = "public.\(quoteIdentifier(function))(\(arguments.joined(separator: ", ")))"
      try db.execute("savepoint report_optional")
      do {
        let result = try db.query(SQL(unsafeSQL: "select * from \(call) as r", binds: binds))
        try db.execute("release savepoint report_optional")
        let label = "public.\(function)" + (dimension.map { " (\($0))" } ?? "")
        if result.columns.count == 1, [PostgresTypeOID.json, PostgresTypeOID.jsonb].contains(result.columns[0].typeOID) {
          tables += try flatten(db, label, result.cells.compactMap { $0.first ?? nil })
        } else {
          tables.append(DataTable(source: label, columns: result.columns.map(\.name), rows: result.cells))
        }
      } catch let error as PostgresError {
        try db.execute("rollback to savepoint report_optional")
        return .failed(function: "public.\(function)", message: "\(error.code): \(error.message)")
      }
    }
    return .tables(tables)
  }

  /// A json(b) answer: rows that are JSON objects become one table (keys in order); a single
  /// answer's arrays of objects become one table each, named after their key.
  func flatten(_ db: Connection, _ source: String, _ rows: [String]) throws -> [DataTable] {
    var tables: [DataTable] = []
    var objects: [[(String, String?)]] = []
    for row in rows {
      let pairs = try db.query(
        """
        select k.key, case pg_catalog.json_typeof(k.value) when 'null' then null
                                                              when 'string' then k.value #>> '{}'
                                                              else k.value::text end as value,
               pg_catalog.json_typeof(k.value) as kind
          from pg_catalog.json_each(case pg_catalog.json_typeof(\(row)::json) when 'object' then \(row)::json else pg_catalog.json_build_object('value', \(row)::json) end) as k
        """)
      var object: [(String, String?)] = []
      for pair in pairs.rows {
        let key = pair["key"] ?? ""
        if pair["kind"] == "array", rows.count == 1, let array = pair["value"] {
          let elements = try db.query(
            "select e::text from pg_catalog.json_array_elements(\(array)::json) as e where pg_catalog.json_typeof(e) = 'object'"
          ).cells.compactMap { $0.first ?? nil }
          if !elements.isEmpty {
            tables += try flatten(db, "\(source) → \(key)", elements)
            continue
          }
        }
        object.append((key, pair["value"]))
      }
      objects.append(object)
    }
    var columns: [String] = []
    for object in objects { for (key, _) in object where !columns.contains(key) { columns.append(key) } }
    if !columns.isEmpty {
      let table = DataTable(
        source: source, columns: columns,
        rows: objects.map { object in columns.map { column in object.first(where: { $0.0 == column })?.1 ?? nil } })
      tables.insert(table, at: 0)
    }
    return tables
  }
}
