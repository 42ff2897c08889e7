// What a report is asked for: the organization, the period, the sections; and its errors.
import Foundation

/// A part of the report, in the order it is rendered.
public enum ReportSection: String, CaseIterable, Sendable, Codable {
  case overview, cohorts, acquisition, devices, paths, funnel, insights
  /// AI platform: cost per day with the forecast interval and anomalies (get_usage_trends,
  /// forecast_costs, get_usage_anomalies).
  case costs
  /// AI platform: budget bars with thresholds (get_budget_status).
  case budgets
  /// AI platform: cost by model and by feature (get_cost_breakdown).
  case breakdown

  /// The heading of the section.
  public var title: String {
    switch self {
    case .overview: return "Overview"
    case .cohorts: return "Weekly retention cohorts"
    case .acquisition: return "Acquisition channels"
    case .devices: return "Devices and networks"
    case .paths: return "Top paths to purchase"
    case .funnel: return "Conversion funnel"
    case .insights: return "Insights"
    case .costs: return "AI platform: cost per day"
    case .budgets: return "AI platform: budgets"
    case .breakdown: return "AI platform: cost by model and feature"
    }
  }
}

/// One report: an organization, a period of local days [from, to) and the sections.
public struct ReportRequest: Sendable {
  public var orgID: UUID
  /// First local day (ISO `YYYY-MM-DD`); nil: 30 days before `to`.
  public var from: String?
  /// Local day after the last one (ISO `YYYY-MM-DD`); nil: today in the organization's time zone.
  public var to: String?
  public var sections: [ReportSection]
  /// The funnel's steps (event types); nil: by the organization's kind (see `FunnelSteps`).
  public var funnelSteps: [String]?

  public init(orgID: UUID, from: String? = nil, to: String? = nil, sections: [ReportSection] = ReportSection.allCases,
              funnelSteps: [String]? = nil) {
    self.orgID = orgID
    self.from = from
    self.to = to
    self.sections = sections
    self.funnelSteps = funnelSteps
  }

  /// Parses `--sections overview,cohorts,...`; throws naming the unknown ones.
  public static func parseSections(_ text: String) throws -> [ReportSection] {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    let unknown = names.filter { ReportSection(rawValue: $0) == nil }
    guard unknown.isEmpty, !names.isEmpty else {
      throw ReportError(
        "unknown section(s): \(unknown.isEmpty ? "(none given)" : unknown.joined(separator: ", "))",
        hint: "Sections: \(ReportSection.allCases.map(\.rawValue).joined(separator: ", ")).")
    }
    let wanted = Set(names.compactMap(ReportSection.init(rawValue:)))
    return ReportSection.allCases.filter(wanted.contains)
  }
}

/// The default funnel steps by organization kind: ticket sellers see the ticket funnel,
/// everyone else the page -> link -> purchase funnel.
public enum FunnelSteps {
  public static func forKind(_ kind: String) -> [String] {
    switch kind {
    case "venue", "promoter", "organizer": return ["event_view", "ticket_cta", "checkout_started", "purchase"]
    default: return ["page_view", "link_click", "purchase"]
    }
  }
}

/// A report could not be made: what went wrong and what to do.
public struct ReportError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var hint: String?
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }
  public var description: String { "error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "") }
}
