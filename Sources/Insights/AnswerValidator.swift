// AnswerValidator: decides, per candidate, whether the LLM's wording may be stored or the
// candidate falls back to its template wording, and why.
import Foundation

/// A candidate stored with its template wording instead of the answer's, or an entry of the
/// answer that was discarded; with the reason, for the run record.
public struct Fallback: Sendable, Hashable, Codable, CustomStringConvertible {
  public enum Kind: String, Sendable, Hashable, Codable {
    /// The answer phrased the candidate but the wording failed validation: the template
    /// wording is stored (at the answer's rank).
    case template
    /// The answer did not phrase the candidate: its template wording fills a free place.
    case unphrased
    /// An entry of the answer matched no candidate, repeated one, or came after the first 8:
    /// it is discarded.
    case ignored
  }

  public var kind: Kind
  public var insightType: String
  public var subjectKey: String
  public var reason: String

  public init(kind: Kind, insightType: String, subjectKey: String, reason: String) {
    self.kind = kind
    self.insightType = insightType
    self.subjectKey = subjectKey
    self.reason = reason
  }

  enum CodingKeys: String, CodingKey {
    case kind
    case insightType = "insight_type"
    case subjectKey = "subject_key"
    case reason
  }

  /// `city_growth "Berlin, DE": number 55 in description is not in the data snapshot`.
  public var description: String { "\(insightType) \"\(subjectKey)\": \(reason)" }
}

/// What may be stored: at most ``AnswerValidator/maxInsights`` insights ranked 1, 2, 3, ...,
/// and every fallback with its reason.
public struct ValidationResult: Sendable, Hashable {
  public var insights: [PhrasedInsight]
  public var fallbacks: [Fallback]

  public init(insights: [PhrasedInsight], fallbacks: [Fallback]) {
    self.insights = insights
    self.fallbacks = fallbacks
  }
}

/// Validates an answer `{"insights": [...]}` against the candidates it was asked about.
///
/// The answer must be an object with an `insights` array, or the whole answer is rejected
/// (``LLMError/Code/malformedResponse``; the run fails). Then each entry, in rank order:
///
/// 1. It must be an object with string `insight_type` and `subject_key` naming one of the
///    candidates (exactly, case included); the first entry for a candidate counts; only the
///    first `maxInsights` entries count. An entry failing this is ignored (``Fallback/Kind/ignored``).
/// 2. Its `title`, `description` and `action_suggestion` must be strings and `rank` a positive
///    integer (JSON shape). `{id}` placeholders are rendered from the candidate's facts
///    (``FactCheck/render(_:)``); then the rendered title must be 1 to `maxTitleLength`
///    characters (Unicode code points, as PostgreSQL's `char_length` counts) on one line; the
///    description 1 or 2 sentences (``TextRules/sentenceCount(_:subjectKey:)``) and at most
///    `maxDescriptionLength` characters; the action not blank and at most `maxActionLength`
///    (the database's limits); no field may hold a contact detail
///    (``TextRules/contactDetail(in:knownDomains:)``; a domain the candidate's subject or
///    snapshot carries, such as a referrer, may be named); and every field must say nothing
///    but the candidate's facts (``FactCheck/violation(in:)``: numbers, number words, names,
///    currencies, metrics, secrets). The first failure makes the candidate fall back to its
///    template wording at the answer's rank (``Fallback/Kind/template``), the reason recorded.
///
/// Entries are ordered by `rank` (ties and missing ranks keep the answer's order, missing
/// last). Candidates the answer did not phrase then fill the free places up to `maxInsights`
/// with their template wording, in template order (priority, then confidence)
/// (``Fallback/Kind/unphrased``). The final ranks are 1, 2, 3, ... in that order.
public struct AnswerValidator: Sendable, Hashable {
  public var maxInsights: Int
  public var maxTitleLength: Int
  public var maxDescriptionLength: Int
  public var maxActionLength: Int

  public init(maxInsights: Int = 8, maxTitleLength: Int = 80, maxDescriptionLength: Int = 500, maxActionLength: Int = 300) {
    self.maxInsights = maxInsights
    self.maxTitleLength = maxTitleLength
    self.maxDescriptionLength = maxDescriptionLength
    self.maxActionLength = maxActionLength
  }

  public func validate(
    _ answer: JSONValue, candidates: [InsightCandidate], vocabulary: OrgVocabulary = OrgVocabulary(),
    scrubber: SecretScrubber = SecretScrubber()
  ) throws(LLMError) -> ValidationResult {
    guard answer.objectValue != nil else {
      throw .malformedResponse("the answer is not a JSON object")
    }
    guard let entries = answer["insights"]?.arrayValue else {
      throw .malformedResponse("the answer has no \"insights\" array")
    }

    var byKey: [InsightKey: InsightCandidate] = [:]
    for candidate in candidates where byKey[candidate.key] == nil { byKey[candidate.key] = candidate }

    var fallbacks: [Fallback] = []
    // Rank order: by rank, then position; entries without a usable rank last.
    let ordered = entries.enumerated().sorted { lhs, rhs in
      let left = Self.rank(of: lhs.element) ?? Int.max
      let right = Self.rank(of: rhs.element) ?? Int.max
      return left != right ? left < right : lhs.offset < rhs.offset
    }

    var chosen: [PhrasedInsight] = []
    var used: Set<InsightKey> = []
    for (position, entry) in ordered {
      let label = "insights[\(position)]"
      guard entry.objectValue != nil else {
        fallbacks.append(Fallback(kind: .ignored, insightType: "", subjectKey: "", reason: "\(label) is not an object"))
        continue
      }
      guard let type = entry["insight_type"]?.stringValue, let subject = entry["subject_key"]?.stringValue else {
        let type = Self.capped(scrubber.scrub(entry["insight_type"]?.stringValue ?? ""))
        let subject = Self.capped(scrubber.scrub(entry["subject_key"]?.stringValue ?? ""))
        let missing = entry["insight_type"]?.stringValue == nil ? "insight_type" : "subject_key"
        fallbacks.append(
          Fallback(kind: .ignored, insightType: type, subjectKey: subject, reason: "\(label) has no string \(missing)"))
        continue
      }
      let key = InsightKey(insightType: type, subjectKey: subject)
      guard let candidate = byKey[key] else {
        fallbacks.append(
          Fallback(
            kind: .ignored, insightType: Self.capped(scrubber.scrub(type)), subjectKey: Self.capped(scrubber.scrub(subject)),
            reason: "not one of the candidates (insight_type and subject_key must name one exactly); ignored"))
        continue
      }
      guard !used.contains(key) else {
        fallbacks.append(
          Fallback(kind: .ignored, insightType: type, subjectKey: subject, reason: "phrased twice; only the first (by rank) is used"))
        continue
      }
      guard chosen.count < maxInsights else {
        fallbacks.append(
          Fallback(
            kind: .ignored, insightType: type, subjectKey: subject,
            reason: "more than \(maxInsights) insights in the answer; this one (rank \(Self.rank(of: entry).map(String.init) ?? "none")) is dropped"))
        continue
      }
      used.insert(key)
      switch check(entry, against: candidate, vocabulary: vocabulary, scrubber: scrubber) {
      case .success(let phrased):
        chosen.append(phrased)
      case .failure(let reason):
        fallbacks.append(Fallback(kind: .template, insightType: type, subjectKey: subject, reason: reason.text))
        chosen.append(candidate.templatePhrasing(rank: 0))
      }
    }

    for candidate in InsightCandidate.templateOrder(candidates) where chosen.count < maxInsights {
      guard used.insert(candidate.key).inserted else { continue }
      chosen.append(candidate.templatePhrasing(rank: 0))
      fallbacks.append(
        Fallback(
          kind: .unphrased, insightType: candidate.insightType, subjectKey: candidate.subjectKey,
          reason: "the answer did not phrase this candidate; template wording used"))
    }

    for index in chosen.indices { chosen[index].rank = index + 1 }
    return ValidationResult(insights: chosen, fallbacks: fallbacks)
  }

  struct Rejection: Error {
    var text: String
  }

  /// The entry's wording, if every rule holds; else the first rule it breaks.
  func check(
    _ entry: JSONValue, against candidate: InsightCandidate, vocabulary: OrgVocabulary = OrgVocabulary(),
    scrubber: SecretScrubber = SecretScrubber()
  ) -> Result<PhrasedInsight, Rejection> {
    let facts = FactCheck(candidate: candidate, vocabulary: vocabulary, scrubber: scrubber)
    var fields: [String: String] = [:]
    for name in ["title", "description", "action_suggestion"] {
      guard let value = entry[name]?.stringValue else {
        return .failure(Rejection(text: "\(name) is missing or not a string"))
      }
      switch facts.render(value) {
      case .success(let rendered): fields[name] = rendered.trimmingCharacters(in: .whitespacesAndNewlines)
      case .failure(let violation): return .failure(Rejection(text: "\(name) \(violation.reason)"))
      }
    }
    guard let rank = Self.rank(of: entry) else {
      return .failure(Rejection(text: "rank is missing or not a positive integer"))
    }
    let title = fields["title"] ?? ""
    let description = fields["description"] ?? ""
    let action = fields["action_suggestion"] ?? ""

    if title.isEmpty { return .failure(Rejection(text: "title is empty")) }
    // Counted as PostgreSQL's char_length counts (code points), never fewer than a reader sees.
    let titleLength = title.unicodeScalars.count
    if titleLength > maxTitleLength {
      return .failure(Rejection(text: "title is \(titleLength) characters; at most \(maxTitleLength) allowed"))
    }
    if title.contains(where: \.isNewline) { return .failure(Rejection(text: "title spans more than one line")) }
    let sentences = TextRules.sentenceCount(description, subjectKey: candidate.subjectKey)
    if sentences == 0 { return .failure(Rejection(text: "description is empty")) }
    if sentences > 2 {
      return .failure(Rejection(text: "description has \(sentences) sentences; 1 or 2 allowed"))
    }
    let descriptionLength = description.unicodeScalars.count
    if descriptionLength > maxDescriptionLength {
      return .failure(Rejection(text: "description is \(descriptionLength) characters; at most \(maxDescriptionLength) allowed"))
    }
    if action.isEmpty { return .failure(Rejection(text: "action_suggestion is empty")) }
    let actionLength = action.unicodeScalars.count
    if actionLength > maxActionLength {
      return .failure(Rejection(text: "action_suggestion is \(actionLength) characters; at most \(maxActionLength) allowed"))
    }

    let labelled = [("title", title), ("description", description), ("action_suggestion", action)]
    let knownDomains = TextRules.domainNames(in: [candidate.subjectKey] + candidate.dataSnapshot.strings)
    for (name, text) in labelled {
      if let detail = TextRules.contactDetail(in: text, knownDomains: knownDomains) {
        return .failure(Rejection(text: "\(name) contains \(detail)"))
      }
    }
    for (name, text) in labelled {
      if let violation = facts.violation(in: text, prose: true, claims: name != "action_suggestion") {
        return .failure(Rejection(text: "\(name) \(violation.reason)"))
      }
    }
    return .success(
      PhrasedInsight(
        insightType: candidate.insightType, subjectKey: candidate.subjectKey, title: title, description: description,
        actionSuggestion: action, rank: rank, source: .llm))
  }

  /// An LLM-written name, cut to 200 characters for the run record.
  static func capped(_ text: String) -> String {
    text.count > 200 ? String(text.prefix(200)) + "…" : text
  }

  /// A positive integral `rank`, or nil.
  static func rank(of entry: JSONValue) -> Int? {
    guard let number = entry["rank"]?.numberValue, number.rounded() == number, number >= 1, number < 1_000_000 else {
      return nil
    }
    return Int(number)
  }
}
