// InsightPhraser: the entry point of phrasing: prompt → provider → validation → a result the
// caller records as one generation run.
import Foundation

/// The outcome of phrasing one organization's candidates: what to store and what to record.
///
/// How the caller records it:
/// - ``succeeded`` (`error == nil`): store ``insights`` (each joined to its candidate by
///   ``PhrasedInsight/key``, for the priority, confidence and data snapshot) and record the
///   run as completed with ``model``, ``promptTokens``, ``completionTokens``, ``duration`` and
///   ``fallbacks``. A fallback's text was never stored: its candidate carries the template
///   wording.
/// - failed (`error != nil`): the provider gave no usable answer (retries exhausted, timeout,
///   truncated, refused, malformed, ...). ``insights`` is empty: store nothing, and record the
///   run as failed with ``error`` and ``duration``. ``model`` and the token counts are set
///   only when an answer arrived but was unusable as a whole (not `{"insights": [...]}`);
///   otherwise nil and 0.
public struct PhrasingResult: Sendable, Hashable {
  /// At most 8, ranked 1, 2, 3, ...; empty when the run failed or there were no candidates.
  public var insights: [PhrasedInsight]
  public var fallbacks: [Fallback]
  /// The model that answered; nil when no answer came (failure, or no candidates to phrase).
  public var model: String?
  public var promptTokens: Int
  public var completionTokens: Int
  public var duration: Duration
  /// Why the run failed, for `generation_runs.error`; nil on success. Never contains a key.
  public var error: String?
  /// The provider failure behind ``error``, when it was one.
  public var failure: LLMError?

  public init(
    insights: [PhrasedInsight], fallbacks: [Fallback], model: String?, promptTokens: Int, completionTokens: Int,
    duration: Duration, error: String?, failure: LLMError? = nil
  ) {
    self.insights = insights
    self.fallbacks = fallbacks
    self.model = model
    self.promptTokens = promptTokens
    self.completionTokens = completionTokens
    self.duration = duration
    self.error = error
    self.failure = failure
  }

  public var succeeded: Bool { error == nil }

  /// ``duration`` in whole milliseconds (for `generation_runs.duration_ms`).
  public var durationMilliseconds: Int {
    let parts = duration.components
    return Int(parts.seconds) * 1000 + Int(parts.attoseconds / 1_000_000_000_000_000)
  }
}

/// Phrases and ranks insight candidates with an ``LLMProvider``; nothing unvalidated gets out.
public struct InsightPhraser: Sendable {
  public var provider: any LLMProvider
  public var promptBuilder: PromptBuilder
  public var validator: AnswerValidator

  public init(provider: any LLMProvider, promptBuilder: PromptBuilder, validator: AnswerValidator = AnswerValidator()) {
    self.provider = provider
    self.promptBuilder = promptBuilder
    self.validator = validator
  }

  /// With the bundled prompt (`Resources/prompt.md`).
  public init(provider: any LLMProvider, validator: AnswerValidator = AnswerValidator()) throws(PromptError) {
    self.init(provider: provider, promptBuilder: try PromptBuilder.bundled(), validator: validator)
  }

  /// The request the provider is sent for these inputs.
  public func request(candidates: [InsightCandidate], org: OrgProfile, activeInsights: [ActiveInsight]) -> PhraseRequest {
    let prompt = promptBuilder.build(
      candidates: candidates, org: org, activeInsights: activeInsights, maxInsights: validator.maxInsights)
    return PhraseRequest(
      system: prompt.system, user: prompt.user, candidates: candidates,
      answerSchema: AnswerSchema.make(candidates: candidates, maxInsights: validator.maxInsights),
      maxInsights: validator.maxInsights)
  }

  /// Builds the prompt, calls the provider, validates the answer. Never throws: a provider
  /// failure is a result with ``PhrasingResult/error`` set. With no candidates the provider
  /// is not called and the result is empty and successful.
  public func phrase(
    candidates: [InsightCandidate], org: OrgProfile, activeInsights: [ActiveInsight], vocabulary: OrgVocabulary = OrgVocabulary()
  ) async -> PhrasingResult {
    scrubbed(await phraseUnscrubbed(candidates: candidates, org: org, activeInsights: activeInsights, vocabulary: vocabulary))
  }

  /// Blanks the provider's keys and anything shaped like a key.
  public var scrubber: SecretScrubber { SecretScrubber(secrets: provider.secrets) }

  /// Every string of a result that came from the model or the server, scrubbed.
  private func scrubbed(_ result: PhrasingResult) -> PhrasingResult {
    let scrubber = scrubber
    var result = result
    result.error = result.error.map(scrubber.scrub)
    result.model = result.model.map(scrubber.scrub)
    result.fallbacks = result.fallbacks.map {
      Fallback(kind: $0.kind, insightType: scrubber.scrub($0.insightType), subjectKey: scrubber.scrub($0.subjectKey), reason: scrubber.scrub($0.reason))
    }
    if let failure = result.failure {
      result.failure = LLMError(code: failure.code, message: scrubber.scrub(failure.message), status: failure.status, attempts: failure.attempts)
    }
    return result
  }

  private func phraseUnscrubbed(
    candidates: [InsightCandidate], org: OrgProfile, activeInsights: [ActiveInsight], vocabulary: OrgVocabulary
  ) async -> PhrasingResult {
    let clock = ContinuousClock()
    let start = clock.now
    guard !candidates.isEmpty else {
      return PhrasingResult(
        insights: [], fallbacks: [], model: nil, promptTokens: 0, completionTokens: 0, duration: start.duration(to: clock.now),
        error: nil)
    }
    let request = request(candidates: candidates, org: org, activeInsights: activeInsights)
    do {
      let response = try await provider.phrase(request)
      do {
        var validated = try validator.validate(response.answer, candidates: candidates, vocabulary: vocabulary, scrubber: scrubber)
        if response.model == TemplateProvider.modelName {
          for index in validated.insights.indices { validated.insights[index].source = .template }
        }
        return PhrasingResult(
          insights: validated.insights, fallbacks: validated.fallbacks, model: response.model,
          promptTokens: response.promptTokens, completionTokens: response.completionTokens,
          duration: start.duration(to: clock.now), error: nil)
      } catch {
        return failed(error, start: start, clock: clock, response: response)
      }
    } catch let error as LLMError {
      return failed(error, start: start, clock: clock)
    } catch is CancellationError {
      return failed(.cancelled, start: start, clock: clock)
    } catch {
      return PhrasingResult(
        insights: [], fallbacks: [], model: nil, promptTokens: 0, completionTokens: 0, duration: start.duration(to: clock.now),
        error: "the LLM provider failed: \(error)")
    }
  }

  /// A failed run; when an answer came but was unusable, its model and tokens are kept (they were spent).
  private func failed(
    _ error: LLMError, start: ContinuousClock.Instant, clock: ContinuousClock, response: LLMResponse? = nil
  ) -> PhrasingResult {
    PhrasingResult(
      insights: [], fallbacks: [], model: response?.model, promptTokens: response?.promptTokens ?? 0,
      completionTokens: response?.completionTokens ?? 0, duration: start.duration(to: clock.now), error: error.message,
      failure: error)
  }
}
