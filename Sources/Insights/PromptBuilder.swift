// PromptBuilder: fills the reviewed prompt template (Resources/prompt.md) for one organization.
import Foundation

/// A system prompt and a user prompt.
public struct Prompt: Sendable, Hashable {
  public var system: String
  public var user: String

  public init(system: String, user: String) {
    self.system = system
    self.user = user
  }
}

/// The prompt template is unusable.
public struct PromptError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Builds the prompt from a template with `=== system ===` and `=== user ===` sections and
/// `{{placeholder}}`s (see `Resources/prompt.md` for the list). A leading `<!-- ... -->`
/// comment is dropped.
public struct PromptBuilder: Sendable, Hashable {
  public static let placeholders: Set<String> = [
    "org_name", "org_kind", "org_genres", "max_insights", "candidate_count", "candidates_json", "active_insights",
  ]

  let systemTemplate: String
  let userTemplate: String

  /// Parses a template; throws when a section is missing or a placeholder is unknown.
  public init(template: String) throws(PromptError) {
    var text = template
    if text.hasPrefix("<!--") {
      guard let end = text.range(of: "-->") else { throw PromptError("the prompt template's opening comment is not closed") }
      text = String(text[end.upperBound...])
    }
    let lines = text.components(separatedBy: "\n")
    guard let systemLine = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "=== system ===" }),
      let userLine = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "=== user ===" }),
      systemLine < userLine
    else {
      throw PromptError("the prompt template needs a \"=== system ===\" line followed by a \"=== user ===\" line")
    }
    systemTemplate = lines[(systemLine + 1)..<userLine].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    userTemplate = lines[(userLine + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    for name in Self.placeholderNames(in: systemTemplate + "\n" + userTemplate) where !Self.placeholders.contains(name) {
      throw PromptError("the prompt template uses an unknown placeholder {{\(name)}}")
    }
  }

  /// The template shipped with the module (`Resources/prompt.md`).
  public static func bundled() throws(PromptError) -> PromptBuilder {
    guard let url = Bundle.module.url(forResource: "prompt", withExtension: "md") else {
      throw PromptError("prompt.md is missing from the Insights resource bundle")
    }
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      throw PromptError("could not read prompt.md: \(error.localizedDescription)")
    }
    return try PromptBuilder(template: text)
  }

  /// The prompt for these candidates.
  public func build(
    candidates: [InsightCandidate], org: OrgProfile, activeInsights: [ActiveInsight], maxInsights: Int = 8
  ) -> Prompt {
    let name = Self.oneLine(org.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? org.name)
    let kind = Self.oneLine(org.kind)
    let genres = org.genres.map(Self.oneLine).filter { !$0.isEmpty }
    let values: [String: String] = [
      "org_name": Self.dataString(name.isEmpty ? "not given" : name),
      "org_kind": Self.dataString(kind.isEmpty ? "not given" : kind),
      "org_genres": Self.dataString(genres.isEmpty ? "not given" : genres.joined(separator: ", ")),
      "max_insights": String(maxInsights),
      "candidate_count": String(candidates.count),
      "candidates_json": Self.candidatesJSON(candidates),
      "active_insights": Self.activeJSON(activeInsights),
    ]
    return Prompt(system: Self.fill(systemTemplate, values), user: Self.fill(userTemplate, values))
  }

  /// A string from data as a JSON string literal that cannot close the `<data>` block:
  /// `<`, `>` and `&` (and the line separators) are written as `\\u` escapes.
  static func dataString(_ text: String) -> String {
    escapeData(JSONValue.string(text).encodedString())
  }

  /// JSON text with `<`, `>`, `&`, U+2028 and U+2029 as `\\u` escapes (valid JSON, same value).
  static func escapeData(_ json: String) -> String {
    var result = ""
    for scalar in json.unicodeScalars {
      switch scalar {
      case "<": result += "\\u003c"
      case ">": result += "\\u003e"
      case "&": result += "\\u0026"
      case "\u{2028}": result += "\\u2028"
      case "\u{2029}": result += "\\u2029"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// A candidate's facts as the prompt shows them: id, value, unit and what it measures.
  static func factsJSON(_ facts: [Fact]) -> JSONValue {
    .array(facts.map { fact in
      ["id": .string(fact.id), "value": fact.unit == .text ? fact.value : .string(fact.rendered),
       "unit": .string(fact.unit.rawValue), "measures": .string(fact.measures)]
    })
  }

  /// The candidates as a JSON array, one per line, numbered from 1, keys in reading order;
  /// every string escaped as data (``escapeData(_:)``).
  static func candidatesJSON(_ candidates: [InsightCandidate]) -> String {
    let lines = candidates.enumerated().map { index, candidate -> String in
      escapeData(orderedObject([
        ("number", .number(Double(index + 1))),
        ("insight_type", .string(candidate.insightType)),
        ("subject_key", .string(candidate.subjectKey)),
        ("category", .string(candidate.category)),
        ("priority", .string(candidate.priority)),
        ("confidence", .number(candidate.confidence)),
        ("facts", factsJSON(candidate.facts)),
        (
          "template",
          .object([
            "title": .string(candidate.title), "description": .string(candidate.description),
            "action_suggestion": .string(candidate.actionSuggestion),
          ])
        ),
      ], nested: ["template": ["title", "description", "action_suggestion"]]))
    }
    return lines.isEmpty ? "[]" : "[\n" + lines.joined(separator: ",\n") + "\n]"
  }

  /// The active insights as a JSON array, one per line; `[]` when none.
  static func activeJSON(_ active: [ActiveInsight]) -> String {
    let lines = active.map { insight -> String in
      escapeData(orderedObject([
        ("insight_type", .string(insight.type)), ("subject_key", .string(insight.subjectKey)),
        ("title", .string(insight.title)),
      ]))
    }
    return lines.isEmpty ? "[]" : "[\n" + lines.joined(separator: ",\n") + "\n]"
  }

  /// A compact JSON object with its members in the given order (`nested` orders the keys of
  /// object members; other objects, like data snapshots, keep sorted keys).
  static func orderedObject(_ members: [(String, JSONValue)], nested: [String: [String]] = [:]) -> String {
    let parts = members.map { key, value -> String in
      let rendered: String
      if let order = nested[key], let object = value.objectValue {
        rendered = orderedObject(order.compactMap { name in object[name].map { (name, $0) } })
      } else {
        rendered = value.encodedString()
      }
      return JSONValue.string(key).encodedString() + ":" + rendered
    }
    return "{" + parts.joined(separator: ",") + "}"
  }

  static func oneLine(_ text: String) -> String {
    text.split(whereSeparator: { $0.isNewline || $0.isWhitespace }).joined(separator: " ")
  }

  /// Replaces each `{{name}}` with its value in one pass (values are not re-scanned).
  static func fill(_ template: String, _ values: [String: String]) -> String {
    var result = ""
    var rest = Substring(template)
    while let open = rest.range(of: "{{") {
      result += rest[..<open.lowerBound]
      guard let close = rest[open.upperBound...].range(of: "}}") else {
        rest = rest[open.lowerBound...]
        break
      }
      let name = String(rest[open.upperBound..<close.lowerBound])
      result += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
      rest = rest[close.upperBound...]
    }
    return result + rest
  }

  static func placeholderNames(in template: String) -> [String] {
    var names: [String] = []
    var rest = Substring(template)
    while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
      names.append(String(rest[open.upperBound..<close.lowerBound]))
      rest = rest[close.upperBound...]
    }
    return names
  }
}
