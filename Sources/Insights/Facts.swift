// Facts: what SQL measured for one candidate (insights.candidate_facts), each with an id. An
// insight text may state these and nothing else; the model writes `{id}` placeholders and
// Swift renders them.
import Foundation

/// One measured value of a candidate: a number with its unit and rounding, or a name.
public struct Fact: Codable, Sendable, Hashable {
  public enum Unit: String, Codable, Sendable, Hashable {
    case count
    case percent
    case percentagePoints = "percentage_points"
    case ratio
    case days
    case hour
    /// An amount of money in the candidate's currency.
    case amount
    /// A name or label (a city, a platform, a currency code, a title).
    case text
  }

  public var id: String
  /// A JSON number, or a string for ``Unit/text``.
  public var value: JSONValue
  public var unit: Unit
  /// The documented rounding: the decimals the value is given with. A number written in
  /// text may round it further, never show more decimals.
  public var decimals: Int
  /// What the value is, in words.
  public var measures: String

  public init(id: String, value: JSONValue, unit: Unit, decimals: Int = 0, measures: String = "") {
    self.id = id
    self.value = value
    self.unit = unit
    self.decimals = decimals
    self.measures = measures.isEmpty ? id.replacingOccurrences(of: "_", with: " ") : measures
  }

  /// A numeric fact.
  public static func number(_ id: String, _ value: Double, _ unit: Unit = .count, decimals: Int = 0) -> Fact {
    Fact(id: id, value: .number(value), unit: unit, decimals: decimals)
  }

  /// A text fact (a name).
  public static func text(_ id: String, _ value: String) -> Fact {
    Fact(id: id, value: .string(value), unit: .text)
  }

  public var number: Double? { unit == .text ? nil : value.numberValue }
  public var text: String? { value.stringValue }

  /// The value as a placeholder `{id}` renders it: a number with exactly ``decimals``
  /// decimals (`145`, `1.4`, `40.00`), a name as it is.
  public var rendered: String {
    if let number {
      return String(format: "%.\(max(0, decimals))f", locale: Locale(identifier: "en_US_POSIX"), number)
    }
    return value.stringValue ?? value.encodedString()
  }
}

/// The names an organization's data holds (cities, countries, platforms, referrers, venues):
/// a text naming one that is not its own candidate's fails.
public struct OrgVocabulary: Sendable, Hashable {
  public var names: [String]
  /// The organization's own names (name, display name): any insight may use them.
  public var organization: [String]

  public init(names: [String] = [], organization: [String] = []) {
    self.names = names
    self.organization = organization
  }
}
