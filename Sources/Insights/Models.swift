// The values that flow through phrasing: SQL's candidates in, ranked phrasings out.
import Foundation

/// Identifies one insight: its type and its subject (e.g. `city_growth` / `Berlin, DE`).
public struct InsightKey: Hashable, Sendable, Codable, CustomStringConvertible {
  public var insightType: String
  public var subjectKey: String

  public init(insightType: String, subjectKey: String) {
    self.insightType = insightType
    self.subjectKey = subjectKey
  }

  public var description: String { "\(insightType) \"\(subjectKey)\"" }
}

/// One insight that SQL detected and measured (`insights.detect_candidates`): its numbers
/// (`dataSnapshot`) and a template wording built from those numbers.
///
/// Coded with the snake_case names SQL and the prompt use (`insight_type`, `subject_key`,
/// `data_snapshot`, `action_suggestion`).
public struct InsightCandidate: Codable, Sendable, Hashable {
  public var insightType: String
  public var category: String
  public var subjectKey: String
  /// `high`, `medium` or `low`.
  public var priority: String
  /// 0.5 ... 1.0 (SQL returns nothing below 0.5).
  public var confidence: Double
  /// The aggregates that back the insight; every number an LLM writes must come from here.
  public var dataSnapshot: JSONValue
  public var title: String
  public var description: String
  public var actionSuggestion: String
  /// The measured values with ids (`insights.candidate_facts`): the only numbers and names a
  /// text about this candidate may state (``FactCheck``).
  public var facts: [Fact]

  public init(
    insightType: String, category: String, subjectKey: String, priority: String, confidence: Double,
    dataSnapshot: JSONValue, title: String, description: String, actionSuggestion: String, facts: [Fact] = []
  ) {
    self.insightType = insightType
    self.category = category
    self.subjectKey = subjectKey
    self.priority = priority
    self.confidence = confidence
    self.dataSnapshot = dataSnapshot
    self.title = title
    self.description = description
    self.actionSuggestion = actionSuggestion
    self.facts = facts
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    insightType = try container.decode(String.self, forKey: .insightType)
    category = try container.decode(String.self, forKey: .category)
    subjectKey = try container.decode(String.self, forKey: .subjectKey)
    priority = try container.decode(String.self, forKey: .priority)
    confidence = try container.decode(Double.self, forKey: .confidence)
    dataSnapshot = try container.decode(JSONValue.self, forKey: .dataSnapshot)
    title = try container.decode(String.self, forKey: .title)
    description = try container.decode(String.self, forKey: .description)
    actionSuggestion = try container.decode(String.self, forKey: .actionSuggestion)
    facts = try container.decodeIfPresent([Fact].self, forKey: .facts) ?? []
  }

  enum CodingKeys: String, CodingKey {
    case facts
    case insightType = "insight_type"
    case category
    case subjectKey = "subject_key"
    case priority
    case confidence
    case dataSnapshot = "data_snapshot"
    case title
    case description
    case actionSuggestion = "action_suggestion"
  }

  public var key: InsightKey { InsightKey(insightType: insightType, subjectKey: subjectKey) }

  /// 0 for `high`, 1 for `medium`, 2 for `low`, 3 for anything else: sorts high first.
  public var priorityOrder: Int {
    switch priority.lowercased() {
    case "high": 0
    case "medium": 1
    case "low": 2
    default: 3
    }
  }

  /// The candidate's own (template) wording at a given rank.
  public func templatePhrasing(rank: Int) -> PhrasedInsight {
    PhrasedInsight(
      insightType: insightType, subjectKey: subjectKey, title: title, description: description,
      actionSuggestion: actionSuggestion, rank: rank, source: .template)
  }

  /// Candidates in the template order: priority (high first), then confidence (highest
  /// first), then their original order.
  public static func templateOrder(_ candidates: [InsightCandidate]) -> [InsightCandidate] {
    candidates.enumerated().sorted { lhs, rhs in
      if lhs.element.priorityOrder != rhs.element.priorityOrder {
        return lhs.element.priorityOrder < rhs.element.priorityOrder
      }
      if lhs.element.confidence != rhs.element.confidence {
        return lhs.element.confidence > rhs.element.confidence
      }
      return lhs.offset < rhs.offset
    }.map(\.element)
  }
}

/// The wording and rank to store for one candidate.
public struct PhrasedInsight: Codable, Sendable, Hashable {
  public var insightType: String
  public var subjectKey: String
  public var title: String
  public var description: String
  public var actionSuggestion: String
  /// 1 is the most important; ranks in a result are 1, 2, 3, ... without gaps.
  public var rank: Int
  /// Whose wording this is: the model's (checked) or the candidate's template.
  public var source: Source

  public enum Source: String, Codable, Sendable, Hashable {
    case llm
    case template
  }

  public init(
    insightType: String, subjectKey: String, title: String, description: String,
    actionSuggestion: String, rank: Int, source: Source = .llm
  ) {
    self.insightType = insightType
    self.subjectKey = subjectKey
    self.title = title
    self.description = description
    self.actionSuggestion = actionSuggestion
    self.rank = rank
    self.source = source
  }

  enum CodingKeys: String, CodingKey {
    case insightType = "insight_type"
    case subjectKey = "subject_key"
    case title
    case description
    case actionSuggestion = "action_suggestion"
    case rank
    case source
  }

  public var key: InsightKey { InsightKey(insightType: insightType, subjectKey: subjectKey) }
}

/// Who the insights are for, as the prompt introduces them.
public struct OrgProfile: Codable, Sendable, Hashable {
  /// The organization's name (its handle or legal name).
  public var name: String
  /// What the organization is: `artist`, `band`, `venue`, `label`, `promoter`, ...
  public var kind: String
  public var genres: [String]
  /// The name the organization goes by in public, when it differs from `name`.
  public var displayName: String?

  public init(name: String, kind: String, genres: [String] = [], displayName: String? = nil) {
    self.name = name
    self.kind = kind
    self.genres = genres
    self.displayName = displayName
  }

  enum CodingKeys: String, CodingKey {
    case name, kind, genres
    case displayName = "display_name"
  }
}

/// An insight already shown to the organization (status `active`).
public struct ActiveInsight: Codable, Sendable, Hashable {
  public var type: String
  public var subjectKey: String
  public var title: String

  public init(type: String, subjectKey: String, title: String) {
    self.type = type
    self.subjectKey = subjectKey
    self.title = title
  }

  enum CodingKeys: String, CodingKey {
    case type
    case subjectKey = "subject_key"
    case title
  }
}
