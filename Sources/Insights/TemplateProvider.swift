// TemplateProvider: offline and deterministic; answers with the candidates' own wording.
import Foundation

/// Answers without a model: the candidates' own title, description and action, ranked by
/// priority (high first), then confidence (highest first), then their order; at most
/// `maxInsights`. Model `template`, 0 tokens.
public struct TemplateProvider: LLMProvider {
  public static let modelName = "template"

  public init() {}

  public func phrase(_ request: PhraseRequest) async throws(LLMError) -> LLMResponse {
    let chosen = InsightCandidate.templateOrder(request.candidates).prefix(max(0, request.maxInsights))
    let insights: [JSONValue] = chosen.enumerated().map { index, candidate in
      [
        "insight_type": .string(candidate.insightType),
        "subject_key": .string(candidate.subjectKey),
        "title": .string(candidate.title),
        "description": .string(candidate.description),
        "action_suggestion": .string(candidate.actionSuggestion),
        "rank": .number(Double(index + 1)),
      ]
    }
    let answer: JSONValue = ["insights": .array(insights)]
    return LLMResponse(answer: answer, rawText: answer.encodedString(), model: Self.modelName, promptTokens: 0, completionTokens: 0)
  }
}
