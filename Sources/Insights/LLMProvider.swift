// The provider boundary: a prompt and the answer schema in, a structured answer out.
import Foundation

/// Phrases and ranks insight candidates. Implementations: ``TemplateProvider`` (offline),
/// ``AnthropicProvider`` (Messages API) and ``OpenAIProvider`` (any OpenAI-compatible server).
///
/// A provider only transports: it returns the answer document as the model wrote it and throws
/// ``LLMError`` when there is no usable answer. ``AnswerValidator`` decides what may be stored.
/// The providers of this module throw only ``LLMError`` (their `phrase` methods are declared
/// `throws(LLMError)`); ``InsightPhraser`` turns any other error into a failed run as well.
public protocol LLMProvider: Sendable {
  func phrase(_ request: PhraseRequest) async throws -> LLMResponse
  /// The keys this provider sends: blanked out of everything that is stored or printed.
  var secrets: [APIKey] { get }
}

extension LLMProvider {
  public var secrets: [APIKey] { [] }
}

/// Everything a provider needs for one call.
public struct PhraseRequest: Sendable, Hashable {
  /// The system prompt (rules and role).
  public var system: String
  /// The user prompt (the organization, the candidates, the active insights, the task).
  public var user: String
  /// The candidates being phrased (the template provider answers from these).
  public var candidates: [InsightCandidate]
  /// JSON Schema of the answer (``AnswerSchema/make(candidates:maxInsights:)``).
  public var answerSchema: JSONValue
  /// At most this many insights may be answered.
  public var maxInsights: Int

  public init(system: String, user: String, candidates: [InsightCandidate], answerSchema: JSONValue, maxInsights: Int = 8) {
    self.system = system
    self.user = user
    self.candidates = candidates
    self.answerSchema = answerSchema
    self.maxInsights = maxInsights
  }
}

/// A provider's answer.
public struct LLMResponse: Sendable, Hashable {
  /// The answer document, `{"insights": [...]}`, as parsed from the model's structured
  /// output. Not yet validated.
  public var answer: JSONValue
  /// The answer as the model wrote it (the tool input or message content), for diagnostics.
  public var rawText: String
  /// The model that answered, as the server names it (`template` for the offline provider).
  public var model: String
  public var promptTokens: Int
  public var completionTokens: Int

  public init(answer: JSONValue, rawText: String, model: String, promptTokens: Int, completionTokens: Int) {
    self.answer = answer
    self.rawText = rawText
    self.model = model
    self.promptTokens = promptTokens
    self.completionTokens = completionTokens
  }

  /// The `insights` array of the answer; nil when the answer is not `{"insights": [...]}`.
  public var insights: [JSONValue]? { answer["insights"]?.arrayValue }
}

/// Checks every HTTP provider applies to a reply before it becomes an ``LLMResponse``.
enum ReplyChecks {
  /// The largest token count a run records: `generation_runs.prompt_tokens` and
  /// `completion_tokens` are `integer` (int4).
  static let maxTokenCount = Int(Int32.max)

  /// A `usage` token count. Absent or `null` is 0 (some OpenAI-compatible servers send no
  /// usage). Anything else must be a whole number in 0 ... `Int32.max`: a negative, fractional,
  /// non-finite or larger count, or one that is not a number, means the server's reply cannot
  /// be trusted, so the reply is rejected as malformed (with the field and the value) rather
  /// than clamped: a clamped count would be recorded as if it were what the call cost.
  static func tokenCount(_ value: JSONValue?, field: String) throws(LLMError) -> Int {
    guard let value, value != .null else { return 0 }
    guard case .number(let number) = value else {
      throw .malformedResponse("\(field) is \(shortJSON(value)), not a token count")
    }
    guard number.isFinite, number == number.rounded(.towardZero), number >= 0, number <= Double(maxTokenCount) else {
      throw .malformedResponse("\(field) is \(shortJSON(value)), not a token count (a whole number from 0 to \(maxTokenCount))")
    }
    return Int(number)
  }

  /// The longest model name kept from a reply (what `generation_runs.model_used` stores).
  static let maxModelName = 200

  /// The model the reply names, at most ``maxModelName`` characters (then `…`): a server can
  /// name any string, and it is scrubbed, stored on the run and on every insight.
  static func modelName(_ name: String) -> String {
    guard name.unicodeScalars.count > maxModelName else { return name }
    return String(String.UnicodeScalarView(name.unicodeScalars.prefix(maxModelName))) + "…"
  }

  /// The most entries an answer may have: twice the larger of the candidates and the insights
  /// asked for (an answer phrases each candidate at most once; a few repeats are tolerated and
  /// ignored by the validator, thousands are not read at all).
  static func maxEntries(for request: PhraseRequest) -> Int {
    2 * max(request.candidates.count, request.maxInsights, 1)
  }

  /// Refuses an answer whose `insights` array is far longer than anything the request allows,
  /// before the (per-entry, expensive) validation sees it.
  static func checkEntryCount(_ answer: JSONValue, for request: PhraseRequest) throws(LLMError) {
    guard let entries = answer["insights"]?.arrayValue else { return }
    let limit = maxEntries(for: request)
    if entries.count > limit {
      throw .malformedResponse(
        "the answer has \(entries.count) insights for \(request.candidates.count) candidates (at most \(limit) are read); not used")
    }
  }

  /// The reply as a JSON object; otherwise a malformed reply, saying why in a few words
  /// (JSONDecoder's own reason, e.g. a number out of range, when it is not JSON at all).
  static func parse(_ body: Data, host: String) throws(LLMError) -> JSONValue {
    let document: JSONValue
    do {
      document = try JSONValue.parse(body)
    } catch {
      throw .malformedResponse("the reply from \(host) is not valid JSON\(decodingReason(error))")
    }
    guard document.objectValue != nil else {
      throw .malformedResponse("the reply from \(host) is not a JSON object")
    }
    return document
  }

  /// ` (a value in it cannot be read, such as a number out of range like 1e400)` when the
  /// text is JSON that holds something JSONDecoder cannot represent; empty for text that is not
  /// JSON at all.
  static func decodingReason(_ error: any Error) -> String {
    guard case DecodingError.dataCorrupted(let context) = error, context.debugDescription == "not a JSON value" else { return "" }
    return " (a value in it cannot be read, such as a number out of range like 1e400)"
  }

  /// A JSON value for a message, at most 40 characters.
  static func shortJSON(_ value: JSONValue) -> String {
    let text = value.encodedString()
    return text.count > 40 ? String(text.prefix(40)) + "…" : text
  }
}
