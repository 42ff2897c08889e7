// What a report shows: the RPCs' outputs, each kept as the text PostgreSQL returned.
import Foundation

/// The output of one RPC (or one part of a jsonb answer): column names and each cell as the
/// text PostgreSQL printed (`60.0` stays `60.0`), NULL as nil. Rendering formats these
/// strings; it never does arithmetic on them.
public struct DataTable: Sendable, Equatable {
  /// The call it came from, as shown under the table (e.g. `public.get_audience_cohorts`).
  public var source: String
  public var columns: [String]
  public var rows: [[String?]]

  public init(source: String, columns: [String], rows: [[String?]]) {
    self.source = source
    self.columns = columns
    self.rows = rows
  }

  public var isEmpty: Bool { rows.isEmpty }

  /// The cell of `column` in row `row`; nil when NULL or no such column.
  public func value(_ row: Int, _ column: String) -> String? {
    guard let index = columns.firstIndex(of: column), row < rows.count else { return nil }
    return rows[row][index]
  }

  /// Every row's cell of `column`.
  public func column(_ name: String) -> [String?] {
    guard let index = columns.firstIndex(of: name) else { return [] }
    return rows.map { $0[index] }
  }

  /// The first column whose name satisfies `predicate`.
  public func firstColumn(where predicate: (String) -> Bool) -> String? {
    columns.first(where: predicate)
  }
}

/// The organization, as `public.get_organization` returns it.
public struct ReportOrganization: Sendable, Equatable {
  public var id: String
  public var slug: String
  public var name: String
  public var kind: String
  public var timezone: String
  public var currency: String
}

/// One KPI with its value in the period and in the previous one, and the change between
/// them computed by SQL (percent for counts, percentage points for rates).
public struct KPI: Sendable, Equatable {
  public var metric: String
  public var current: String?
  public var previous: String?
  public var change: String?
  /// `percent` (relative change, %) or `points` (difference of two percentages).
  public var changeUnit: String
}

/// What an optional RPC of another module gave: missing from the database, failed, or tables.
public enum OptionalOutput: Sendable, Equatable {
  case missing(function: String)
  case failed(function: String, message: String)
  case tables([DataTable])
}

/// How long one RPC call took, for `--timings` and BENCHMARKS.md.
public struct CallTiming: Sendable, Equatable {
  public var call: String
  public var milliseconds: Double
}

/// Everything a report renders.
public struct ReportData: Sendable {
  public var organization: ReportOrganization
  public var from: String
  public var to: String
  public var previousFrom: String
  /// When the numbers were read (the transaction's now()).
  public var asOf: String
  public var sections: [ReportSection]

  public var overview: DataTable?
  public var overviewKPIs: [KPI] = []
  public var dashboardKPIs: [KPI] = []
  /// get_dashboard's trends: date, plays, likes, visitors per local day.
  public var trends: DataTable?
  /// get_audience_kpi_series: the overview's KPIs per local day (the cards' sparklines).
  public var kpiSeries: DataTable?
  public var cohorts: DataTable?
  public var acquisition: DataTable?
  public var devices: DataTable?
  public var paths: DataTable?
  public var funnel: DataTable?
  public var funnelSteps: [String] = []
  /// get_insights (active, up to 50): priority, category, type, title, description, ...
  public var insights: DataTable?
  /// get_insights_summary's byPriority and totalActive.
  public var insightCounts: DataTable?
  /// Optional RPCs of the AI-platform usage module, by function name.
  public var usage: [String: OptionalOutput] = [:]
  public var timings: [CallTiming] = []

  public init(organization: ReportOrganization, from: String, to: String, previousFrom: String, asOf: String,
              sections: [ReportSection]) {
    self.organization = organization
    self.from = from
    self.to = to
    self.previousFrom = previousFrom
    self.asOf = asOf
    self.sections = sections
  }
}
