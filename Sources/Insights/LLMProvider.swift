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
