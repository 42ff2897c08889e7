// What a run records when the model or the server writes NUL and control characters, token
// counts out of range, a huge model name or thousands of fallbacks: the run always ends
// (completed or failed, never left processing) and nothing unstorable reaches PostgreSQL.
// And a manual generation after a crash: abandoned runs are failed first, as the worker does.
import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Insights

@Suite("run records: model-written strings and numbers made storable; abandoned runs before a manual run", .serialized)
struct RunRecordTests {
  static func run(_ connection: Connection, _ id: UUID?) throws -> [String: String?] {
    let id = try #require(id)
    let row = try #require(
      try connection.query(
        """
        select status::text, error, model_used, prompt_tokens::text, pg_catalog.jsonb_array_length(fallbacks)::text as fallbacks,
               fallbacks::text as fallbacks_text
          from insights.generation_runs where id = \(id)
        """
      ).first)
    return ["status": row["status"], "error": row["error"], "model": row["model_used"], "prompt_tokens": row["prompt_tokens"],
            "fallbacks": row["fallbacks"], "fallbacks_text": row["fallbacks_text"]]
  }

  static let nul = "\u{0}"
  static let escape = "\u{1B}[31m"

  @Test("NUL and control characters in the model name, texts and unknown entries: the run completes, nothing unstorable is stored", arguments: Wire.allCases)
  func controlCharacters(wire: Wire) async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    let candidate = try #require(
      try connection.query("select insight_type::text, subject_key from insights.detect_candidates(\(org)) limit 1").first)
    let type: String = try candidate.decode("insight_type")
    let subject: String = try candidate.decode("subject_key")
    let answer: JSONValue = [
      "insights": [
        Fixtures.entry(type, subject, title: "Title\(Self.nul)with NUL", description: "Text\(Self.escape) here.", action: "Act\tnow.", rank: 1),
        Fixtures.entry("nope\(Self.nul)\(Self.escape)", "x\(Self.nul)y", title: "T", description: "D.", action: "A.", rank: 2),
      ]
    ]
    let model = "evil\(Self.nul)model\(Self.escape)" + String(repeating: "m-", count: 32 << 10)
    let body: String
    switch wire {
    case .anthropic: body = Wire.anthropicMessage(input: answer, model: model)
    case .openai:
      guard case .object(var completion) = try JSONValue.parse(Wire.openAICompletion(content: answer.encodedString())) else { return }
      completion["model"] = .string(model)
      body = JSONValue.object(completion).encodedString()
    }
    let report = try await StubServer.with([.json(body)]) { server in
      try await InsightGenerator(phraser: try InsightPhraser(provider: wire.provider(server)))
        .generate(org: org, connection: connection, manual: false, dryRun: false)
    }
    #expect(report.error == nil)
    let run = try Self.run(connection, report.runId)
    #expect(run["status"] == "completed")
    let storedModel = try #require(run["model"] ?? nil)
    #expect(storedModel.hasPrefix("evilmodel\\u{1B}[31mm-m-"))
    #expect(storedModel.unicodeScalars.count == RunText.maxModel + 1)  // 200 and "…"
    let fallbacks = try #require(run["fallbacks_text"] ?? nil)
    #expect(!fallbacks.contains("\\u0000"))
    #expect(!fallbacks.contains("\\u001b"))
    #expect(
      try connection.scalar(
        """
        select count(*)::int from insights.ai_insights
         where org_id = \(org) and (title ~ '[[:cntrl:]]' or description ~ '[[:cntrl:]]' or action_suggestion ~ '[[:cntrl:]]'
                                    or pg_catalog.length(metadata->>'model') > 201)
        """, as: Int.self) == 0)
    let first = try #require(
      try connection.query(
        "select metadata->>'source' as source, title from insights.ai_insights where org_id = \(org) and insight_type::text = \(type) and subject_key = \(subject)"
      ).first)
    #expect(first["source"] == "template")
    #expect(report.rendered.unicodeScalars.allSatisfy { !RunText.isControl($0) || $0 == "\n" })
  }

  @Test("an error body with NUL and escape sequences: the run ends failed with the error, escaped, never left processing", arguments: Wire.allCases)
  func controlCharactersInError(wire: Wire) async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    let body = JSONValue.object(["error": ["type": "invalid_request_error", "message": .string("bad\(Self.nul)thing\(Self.escape)")]])
    let report = try await StubServer.with([.json(body.encodedString(), status: 400)]) { server in
      try await InsightGenerator(phraser: try InsightPhraser(provider: wire.provider(server)))
        .generate(org: org, connection: connection, manual: false, dryRun: false)
    }
    let run = try Self.run(connection, report.runId)
    #expect(run["status"] == "failed")
    let error = try #require(run["error"] ?? nil)
    #expect(error.hasSuffix("invalid_request_error: badthing\\u{1B}[31m"))
    #expect(report.error == error)
  }

  @Test("a token count out of range fails the run with the reason and records it (no 22023 / 22003, never left processing)", arguments: Wire.allCases, ["-5", "3000000000"])
  func tokensOutOfRange(wire: Wire, value: String) async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    let reply = ProviderRobustnessTests.reply(wire, promptTokens: value)
    let report = try await StubServer.with([reply]) { server in
      try await InsightGenerator(phraser: try InsightPhraser(provider: wire.provider(server)))
        .generate(org: org, connection: connection, manual: false, dryRun: false)
    }
    let run = try Self.run(connection, report.runId)
    #expect(run["status"] == "failed")
    #expect(run["error"]??.contains("is \(value), not a token count") == true)
    #expect(report.error?.contains("recording the failure failed too") == false)
  }

  /// A provider outside this module that reports token counts no column holds.
  struct CountingProvider: LLMProvider {
    var tokens: Int
    func phrase(_ request: PhraseRequest) async throws -> LLMResponse {
      var response = try await TemplateProvider().phrase(request)
      response.model = "counting"
      response.promptTokens = tokens
      response.completionTokens = tokens
      return response
    }
  }

  @Test("counts a provider reports outside int4 are clamped before SQL: the run completes", arguments: [-7, Int.max])
  func clampedCounts(tokens: Int) async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    let report = try await InsightGenerator(phraser: try InsightPhraser(provider: CountingProvider(tokens: tokens)))
      .generate(org: org, connection: connection, manual: false, dryRun: false)
    #expect(report.error == nil)
    let run = try Self.run(connection, report.runId)
    #expect(run["status"] == "completed")
    #expect(run["prompt_tokens"] == (tokens < 0 ? "0" : "2147483647"))
  }

  @Test("fallbacks are capped at 50 on the run, the last one counting the rest")
  func cappedFallbacks() {
    let many = (0..<120).map { Fallback(kind: .ignored, insightType: "t\($0)", subjectKey: "s", reason: "r") }
    let capped = RunText.capped(many)
    #expect(capped.count == 50)
    #expect(capped.last?.reason == "71 more fallbacks not recorded")
    #expect(InsightGenerator.fallbacksJSON(many).arrayValue?.count == 50)
  }

  @Test("a manual generation after a crash: the run left processing for over 30 minutes is failed first, so no IN001")
  func manualAfterCrash() async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    // A manual run a worker started 45 minutes ago and never finished: within the hour, it
    // would hold the manual slot.
    let stuck = try #require(
      try connection.scalar(
        """
        insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, created_at, started_at)
        values (\(org), 'processing', true, now() - interval '30 days', now(), now() - interval '45 minutes', now() - interval '45 minutes')
        returning id
        """, as: UUID.self))
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let report = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
    #expect(report.error == nil)
    #expect(try Self.run(connection, report.runId)["status"] == "completed")
    let old = try Self.run(connection, stuck)
    #expect(old["status"] == "failed")
    #expect(old["error"] == "abandoned: still processing after 30 minutes (the worker stopped before finishing it)")
  }
}
