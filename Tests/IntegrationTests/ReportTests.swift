// audiencectl report against the real schema and the demo seed: the HTML is well-formed XML
// (strict parser), loads nothing from the network, and every table and card holds exactly
// what the RPCs return when called as service_role.
import Foundation
import PostgresClient
import Report
import TestSupport
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// What a strict XML parse of a report finds: its data tables, KPI cards, links and styles.
final class ParsedReport: NSObject, XMLParserDelegate {
  struct Table {
    var rpc: String
    var layout: String?
    var header: [String?] = []  // data-column of each header cell (nil when none)
    var headerText: [String] = []
    var derived: Set<Int> = []  // header positions marked data-derived
    var rows: [[String?]] = []
    var rowHeads: [String?] = []  // data-column of a row's <th scope=row>
  }
  var tables: [Table] = []
  var cards: [[String: String]] = []
  var attributes: [(element: String, name: String, value: String)] = []
  var styles = ""
  var text = ""
  var error: Error?

  private var table: Table?
  private var inHead = false
  private var row: [String?] = []
  private var rowHead: String?
  private var cell: String?
  private var cellNull = false
  private var cellIsHeader = false
  private var cellDerived = false
  private var headerColumn: String?
  private var inStyle = false

  static func parse(_ html: String) -> ParsedReport {
    let result = ParsedReport()
    let parser = XMLParser(data: Data(html.utf8))
    parser.delegate = result
    parser.shouldResolveExternalEntities = false
    if !parser.parse() { result.error = parser.parserError ?? NSError(domain: "xml", code: 1) }
    return result
  }

  func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
              attributes: [String: String] = [:]) {
    for (name, value) in attributes { self.attributes.append((element, name, value)) }
    switch element {
    case "style": inStyle = true
    case "table": if let rpc = attributes["data-rpc"] { table = Table(rpc: rpc, layout: attributes["data-layout"]) }
    case "thead": inHead = true
    case "tr": row = []; rowHead = nil
    case "th", "td":
      cell = ""
      cellNull = attributes["data-null"] == "true"
      cellIsHeader = element == "th"
      cellDerived = attributes["data-derived"] == "true"
      headerColumn = attributes["data-column"]
    case "div": if attributes["class"] == "card" { cards.append(attributes) }
    default: break
    }
  }

  func parser(_ parser: XMLParser, foundCharacters string: String) {
    if inStyle { styles += string }
    text += string
    if cell != nil { cell! += string }
  }

  func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
    switch element {
    case "style": inStyle = false
    case "thead": inHead = false
    case "th", "td":
      guard table != nil, let text = cell else { break }
      if inHead {
        if cellDerived { table!.derived.insert(table!.header.count) }
        table!.header.append(headerColumn)
        table!.headerText.append(text)
      } else if cellIsHeader {
        rowHead = headerColumn
      } else if !cellDerived {
        row.append(cellNull ? nil : text)
      }
      cell = nil
    case "tr":
      if table != nil, !inHead {
        table!.rows.append(row)
        table!.rowHeads.append(rowHead)
      }
    case "table":
      if let table { tables.append(table) }
      table = nil
    default: break
    }
  }

  func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }

  func table(_ rpc: String) -> Table? { tables.first { $0.rpc == rpc } }
}

@Suite("report", .serialized)
struct ReportTests {

  /// A database with the schema, the demo seed relative to now, a refresh and the demo
  /// artist's template insights.
  static func demoDatabase() throws -> (TestDatabase, [String: UUID]) {
    let db = try migratedDatabase()
    let root = TestEnvironment.packageRoot.path
    for args in [["seed", "demo"], ["refresh"]] {
      let result = try audiencectl(args + ["--url", db.url, "--project", root])
      guard result.status == 0 else { throw ReportError("\(args) failed: \(result.stderr)") }
    }
    let rows = try db.connect().query("select slug, id::text from app.organizations where slug like 'demo-%'")
    let ids = Dictionary(uniqueKeysWithValues: rows.rows.map { ($0["slug"]!, UUID(uuidString: $0["id"]!)!) })
    let insights = try audiencectl(["insights", "generate", "--org", ids["demo-nachtfalter"]!.uuidString, "--url", db.url, "--project", root])
    guard insights.status == 0 else { throw ReportError("insights generate failed: \(insights.stderr)") }
    return (db, ids)
  }

  /// Runs `sql` as service_role (role and JWT claims as PostgREST sets them), in a
  /// transaction that is rolled back.
  /// Timestamps print in `timezone`, as in the report.
  static func asServiceRole(_ connection: Connection, _ sql: SQL, timezone: String = "UTC") throws -> QueryResult {
    try connection.execute("begin")
    defer { _ = try? connection.execute("rollback") }
    try connection.execute(
      """
      select set_config('request.jwt.claims', '{"role": "service_role"}', true), set_config('role', 'service_role', true),
             set_config('TimeZone', \(timezone), true)
      """)
    return try connection.query(sql)
  }

  /// The rows of a plain (untransposed) table equal the RPC's, column by column.
  /// An RPC without rows: the section says why instead (no table, or an empty one).
  static func expectSame(_ table: ParsedReport.Table?, _ result: QueryResult, _ what: String) {
    if result.count == 0 {
      #expect(table == nil || table!.rows.isEmpty, "\(what): no rows")
      return
    }
    guard let table else {
      Issue.record("\(what): no table in the report")
      return
    }
    #expect(table.header.compactMap { $0 } == result.columns.map(\.name), "\(what): columns")
    #expect(table.rows == result.cells, "\(what): rows")
  }

  @Test("each demo organization's report holds exactly the RPCs' numbers, parses as strict XML and loads nothing from the network")
  func demoReports() throws {
    let (db, ids) = try Self.demoDatabase()
    let connection = try db.connect()
    #expect(Set(["demo-nachtfalter", "demo-bowery-hall", "demo-southern-lights"]).isSubset(of: ids.keys))
    for slug in ids.keys.sorted() {
      let org = try #require(ids[slug])
      let report = try Report.make(ReportRequest(orgID: org), connection: connection)
      let html = report.html
      let from = report.data.from, to = report.data.to

      // Well-formed: a strict XML parse of the whole document (polyglot XHTML).
      #expect(html.hasPrefix("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\""))
      let parsed = ParsedReport.parse(html)
      #expect(parsed.error == nil, "\(slug): \(String(describing: parsed.error))")

      // Nothing from the network: no script, no remote src/href, no @import or remote url().
      #expect(!html.contains("<script"))
      for (element, name, value) in parsed.attributes where ["src", "href", "xlink:href", "action", "srcset", "poster"].contains(name) {
        #expect(value.hasPrefix("#"), "\(slug): <\(element) \(name)=\"\(value)\"> leaves the document")
      }
      #expect(!parsed.styles.contains("@import") && !parsed.styles.contains("url("))
      let httpMentions = html.components(separatedBy: "http").count - 1
      let namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/").count - 1
      #expect(httpMentions == namespaces, "\(slug): the only http text is the XHTML and SVG namespaces")
      for (element, name, value) in parsed.attributes where name == "fill" && value.hasPrefix("url(") {
        #expect(value.hasPrefix("url(#"), "\(slug): <\(element) fill=\(value)> is local")
      }
      // Accessible charts: every svg has a title and a description.
      let svgs = html.components(separatedBy: "<svg ").count - 1
      #expect(svgs > 0 && html.components(separatedBy: "role=\"img\" aria-labelledby=").count - 1 == svgs)

      // The same numbers as the RPCs called now.
      let overview = try Self.asServiceRole(connection, "select * from public.get_audience_overview(\(org), \(from)::date, \(to)::date)")
      let table = try #require(parsed.table("public.get_audience_overview"))
      #expect(table.layout == "transposed")
      for (i, column) in table.rowHeads.enumerated() {
        let name = try #require(column)
        let index = try #require(overview.columns.firstIndex { $0.name == name })
        #expect(table.rows[i] == overview.cells.map { $0[index] }, "\(slug): overview \(name)")
      }
      #expect(table.rowHeads.compactMap { $0 } == overview.columns.map(\.name).filter { $0 != "period" })
      for card in parsed.cards where card["data-source"] == "public.get_audience_overview" {
        let metric = try #require(card["data-metric"])
        #expect(card["data-value"] == overview.first?[metric] ?? "", "\(slug): card \(metric)")
      }
      Self.expectSame(parsed.table("public.get_audience_kpi_series"),
                      try Self.asServiceRole(connection, "select * from public.get_audience_kpi_series(\(org), \(from)::date, \(to)::date)"),
                      "\(slug) KPI series")
      Self.expectSame(parsed.table("public.get_audience_cohorts"),
                      try Self.asServiceRole(connection, "select * from public.get_audience_cohorts(\(org), 12)"), "\(slug) cohorts")
      Self.expectSame(parsed.table("public.get_audience_acquisition"),
                      try Self.asServiceRole(connection, "select * from public.get_audience_acquisition(\(org), \(from)::date, \(to)::date)"),
                      "\(slug) acquisition")
      Self.expectSame(parsed.table("public.get_audience_device_network"),
                      try Self.asServiceRole(connection, "select * from public.get_audience_device_network(\(org), \(from)::date, \(to)::date)"),
                      "\(slug) devices")
      Self.expectSame(
        parsed.table("public.get_audience_paths"),
        try Self.asServiceRole(
          connection,
          """
          select rank, array_to_string(path, ' → ') as path, label, steps, sessions, visitors, avg_minutes_to_purchase, conversion_pct
            from public.get_audience_paths(\(org), \(from)::date, \(to)::date)
          """), "\(slug) paths")
      let steps = report.data.funnelSteps
      Self.expectSame(parsed.table("public.get_conversion_funnel"),
                      try Self.asServiceRole(connection, "select * from public.get_conversion_funnel(\(org), \(steps)::text[], \(from)::date, \(to)::date)"),
                      "\(slug) funnel")
      let dashboard = "public.get_dashboard('\(org.uuidString.lowercased())'::uuid, '\(from)'::date, '\(to)'::date)"
      Self.expectSame(
        parsed.table("public.get_dashboard → trends"),
        try Self.asServiceRole(
          connection,
          SQL(unsafeSQL: """
            select e->>'date' as date, e->>'plays' as plays, e->>'likes' as likes, e->>'visitors' as visitors
              from jsonb_array_elements(\(dashboard) -> 'trends') as e
            """)), "\(slug) trends")
      let summary = try Self.asServiceRole(
        connection,
        SQL(unsafeSQL: """
          select k, d -> 'summary' ->> k as current, d -> 'previous_summary' ->> k as previous
            from \(dashboard) as d, unnest(array['plays', 'likes', 'page_views', 'followers']) as k
          """))
      let kpis = try #require(parsed.table("public.get_dashboard → summary"))
      #expect(kpis.rowHeads.compactMap { $0 } == summary.cells.map { $0[0]! })
      #expect(kpis.rows == summary.cells.map { [$0[1], $0[2]] }, "\(slug): dashboard summary")
      let insights = try Self.asServiceRole(
        connection,
        """
        select i->>'priority' as priority, i->>'category' as category, i->>'type' as type, i->>'title' as title,
               i->>'description' as description, i->>'actionSuggestion' as action_suggestion,
               i->>'confidence' as confidence, i->>'subjectKey' as subject_key
          from jsonb_array_elements(public.get_insights(\(org), null, null, 'active', 50, 0) -> 'insights') as i
        """)
      if insights.count == 0 {
        #expect(html.contains("No insights: none has been generated for this organization yet"))
      } else {
        Self.expectSame(parsed.table("public.get_insights"), insights, "\(slug) insights")
      }
      // The AI-platform sections: the usage RPCs' rows where the schema has them (called by
      // their parameter names), else the note that the module is not installed.
      let present = Set(
        try connection.query("select proname::text from pg_proc where pronamespace = 'public'::regnamespace and proname = any (\(ReportFetcher.usageFunctions))")
          .rows.compactMap { $0.cells[0] })
      let calls: [(String, String, String)] = [
        ("get_usage_trends", "public.get_usage_trends", "p_org_id => $1, p_from => $2, p_to => $3, p_grain => 'day'"),
        ("forecast_costs", "public.forecast_costs", "p_org_id => $1"),
        ("get_usage_anomalies", "public.get_usage_anomalies", "p_org_id => $1, p_from => $2, p_to => $3"),
        ("get_budget_status", "public.get_budget_status", "p_org_id => $1"),
        ("get_cost_breakdown", "public.get_cost_breakdown (model)", "p_org_id => $1, p_from => $2, p_to => $3, p_dimension => 'model'"),
        ("get_cost_breakdown", "public.get_cost_breakdown (feature)", "p_org_id => $1, p_from => $2, p_to => $3, p_dimension => 'feature'"),
      ]
      for function in ReportFetcher.usageFunctions where !present.contains(function) {
        #expect(html.contains("no public.\(function)") && html.contains("the AI-platform usage module is not installed"), "\(slug): \(function)")
      }
      for (function, source, arguments) in calls where present.contains(function) {
        var binds = [PostgresBind(text: org.uuidString.lowercased(), typeOID: 0)]
        if arguments.contains("$2") { binds += [PostgresBind(text: from, typeOID: 0), PostgresBind(text: to, typeOID: 0)] }
        let expected = try Self.asServiceRole(
          connection, SQL(unsafeSQL: "select * from public.\(function)(\(arguments))", binds: binds),
          timezone: report.data.organization.timezone)
        Self.expectSame(parsed.table(source), expected, "\(slug) \(source)")
      }
    }
  }

  @Test("the designed demo numbers appear: Bowery Hall's funnel 200/80/40/20, orders 20 vs 12 (+66.7 %), Nachtfalter's cohort 100/60/45/30/20 %")
  func designedNumbers() throws {
    let (db, ids) = try Self.demoDatabase()
    let connection = try db.connect()
    let venue = try Report.make(ReportRequest(orgID: try #require(ids["demo-bowery-hall"])), connection: connection)
    #expect(venue.data.funnelSteps == ["event_view", "ticket_cta", "checkout_started", "purchase"])
    let funnel = try #require(ParsedReport.parse(venue.html).table("public.get_conversion_funnel"))
    #expect(funnel.rows.map { $0[2] } == ["200", "80", "40", "20"])
    #expect(funnel.rows.map { $0[3] } == ["100.0", "40.0", "50.0", "50.0"])
    let orders = try #require(venue.data.overviewKPIs.first { $0.metric == "orders" })
    #expect(orders.current == "20" && orders.previous == "12" && orders.change == "66.7")
    #expect(venue.html.contains("<p class=\"kpi-change up\">▲ +66.7 % <span class=\"prev\">vs 12</span></p>"))
    #expect(venue.html.contains("<p class=\"kpi-value\">700.00 USD</p>"))  // 70000 cents

    let artist = try Report.make(ReportRequest(orgID: try #require(ids["demo-nachtfalter"])), connection: connection)
    let cohorts = try #require(ParsedReport.parse(artist.html).table("public.get_audience_cohorts"))
    let designed = cohorts.rows.filter { $0[2] == "100" }.prefix(5).map { $0[4] }
    #expect(designed == ["100.0", "60.0", "45.0", "30.0", "20.0"])
    #expect(artist.html.contains(">60.0%</text>"))
    #expect(artist.html.contains("<h3 class=\"priority high\">High priority"))
    #expect(artist.html.contains("Berlin audience up 41%"))
  }

  @Test("audiencectl report writes the file; --sections limits it; unknown sections, organizations and periods fail clearly; bench report runs")
  func command() throws {
    let (db, ids) = try Self.demoDatabase()
    let root = TestEnvironment.packageRoot.path
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).html").path
    defer { try? FileManager.default.removeItem(atPath: out) }
    let org = try #require(ids["demo-southern-lights"]).uuidString
    let run = try audiencectl(["report", "--org", org, "--sections", "overview,costs", "--out", out, "--url", db.url, "--project", root])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.hasPrefix("wrote \(out) ("))
    let html = try String(contentsOfFile: out, encoding: .utf8)
    #expect(html.contains("<section id=\"overview\"") && html.contains("<section id=\"costs\""))
    #expect(!html.contains("<section id=\"cohorts\""))
    #expect(ParsedReport.parse(html).error == nil)

    let bad = try audiencectl(["report", "--org", org, "--sections", "overview,charts", "--url", db.url, "--project", root])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("error: unknown section(s): charts"))
    let unknown = try audiencectl(["report", "--org", UUID().uuidString, "--out", out, "--url", db.url, "--project", root])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.contains("P0002") && unknown.stderr.contains("does not exist"))
    let bench = try audiencectl(["bench", "report", "--runs", "1", "--json", "--url", db.url, "--project", root])
    #expect(bench.status == 0, "\(bench.stderr)")
    #expect(bench.stdout.contains("\"slug\" : \"demo-nachtfalter\""))  // the most events in the last 30 days
    let period = try audiencectl(["report", "--org", org, "--from", "2026-06-15", "--to", "2026-06-01", "--out", out, "--url", db.url, "--project", root])
    #expect(period.status == 1)
    #expect(period.stderr.contains("22023"))
  }
}
