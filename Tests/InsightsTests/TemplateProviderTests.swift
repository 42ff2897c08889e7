// TemplateProvider: offline, deterministic, the SQL's own wording ranked by priority and confidence.
import Foundation
import Insights
import Testing

@Suite("Template provider")
struct TemplateProviderTests {
  func request(_ candidates: [InsightCandidate], max: Int = 8) -> PhraseRequest {
    PhraseRequest(system: "", user: "", candidates: candidates, answerSchema: [:], maxInsights: max)
  }

  @Test("answers with the candidates' own wording, ranked by priority then confidence; model template, 0 tokens")
  func ranksByPriorityThenConfidence() async throws {
    let response = try await TemplateProvider().phrase(request(Fixtures.candidates))
    #expect(response.model == "template")
    #expect(response.promptTokens == 0)
    #expect(response.completionTokens == 0)
    #expect(
      response.answer == [
        "insights": [
          Fixtures.entry(Fixtures.berlin.templatePhrasing(rank: 1)),
          Fixtures.entry(Fixtures.lisbon.templatePhrasing(rank: 2)),
          Fixtures.entry(Fixtures.spotify.templatePhrasing(rank: 3)),
        ]
      ])
  }

  @Test("ties keep the input order; unknown priorities come last; at most maxInsights")
  func tiesAndLimit() async throws {
    func candidate(_ subject: String, _ priority: String, _ confidence: Double) -> InsightCandidate {
      InsightCandidate(
        insightType: "city_growth", category: "geographic", subjectKey: subject, priority: priority, confidence: confidence,
        dataSnapshot: [:], title: subject, description: "\(subject) grew.", actionSuggestion: "Look at it.")
    }
    let candidates = [
      candidate("A", "low", 0.9), candidate("B", "urgent", 1.0), candidate("C", "medium", 0.6), candidate("D", "medium", 0.6),
      candidate("E", "HIGH", 0.5),
    ]
    let response = try await TemplateProvider().phrase(request(candidates, max: 4))
    #expect(response.insights?.map { $0["subject_key"] } == ["E", "C", "D", "A"])
    #expect(response.insights?.map { $0["rank"] } == [1, 2, 3, 4])
  }

  @Test("through InsightPhraser: the template wording is stored, nothing falls back")
  func throughThePhraser() async throws {
    let result = try await InsightPhraser(provider: TemplateProvider())
      .phrase(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: [])
    #expect(result.error == nil)
    #expect(
      result.insights == [
        Fixtures.berlin.templatePhrasing(rank: 1), Fixtures.lisbon.templatePhrasing(rank: 2),
        Fixtures.spotify.templatePhrasing(rank: 3),
      ])
    #expect(result.fallbacks == [])
    #expect(result.model == "template")
    #expect(result.promptTokens == 0)
    #expect(result.completionTokens == 0)
  }

  @Test("no candidates: the provider is not called and the result is empty and successful")
  func noCandidates() async throws {
    struct Unreachable: LLMProvider {
      func phrase(_ request: PhraseRequest) async throws -> LLMResponse { throw LLMError.cancelled }
    }
    let result = try await InsightPhraser(provider: Unreachable()).phrase(candidates: [], org: Fixtures.org, activeInsights: [])
    #expect(result.succeeded)
    #expect(result.insights == [])
    #expect(result.fallbacks == [])
    #expect(result.model == nil)
  }

  @Test("a provider throwing something other than LLMError still gives a failed result")
  func foreignError() async throws {
    struct Broken: LLMProvider {
      struct Oops: Error, CustomStringConvertible { var description: String { "socket closed" } }
      func phrase(_ request: PhraseRequest) async throws -> LLMResponse { throw Oops() }
    }
    let result = try await InsightPhraser(provider: Broken())
      .phrase(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: [])
    #expect(result.error == "the LLM provider failed: socket closed")
    #expect(result.failure == nil)
    #expect(result.insights == [])
  }
}
