// AnthropicProvider: the exact request it sends and how it reads stop reasons.
import Foundation
import Insights
import Testing

@Suite("Anthropic Messages API")
struct AnthropicProviderTests {
  let phraser: InsightPhraser
  let request: PhraseRequest

  init() throws {
    phraser = try InsightPhraser(provider: TemplateProvider())
    request = phraser.request(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: Fixtures.active)
  }

  func provider(_ server: StubServer) -> AnthropicProvider {
    AnthropicProvider(
      baseURL: server.baseURL, apiKey: APIKey(Fixtures.anthropicKey), model: "claude-sonnet-4-5", options: Fixtures.options())
  }

  @Test("the request: POST /v1/messages, key and version headers, model, 0.3, 4096, one forced tool")
  func requestOnTheWire() async throws {
    try await StubServer.with([Wire.anthropic.reply(Fixtures.goodAnswer)]) { server in
      let response = try await provider(server).phrase(request)
      #expect(response.answer == Fixtures.goodAnswer)
      #expect(response.model == "claude-sonnet-4-5-20250929")
      #expect(response.promptTokens == 1234)
      #expect(response.completionTokens == 321)

      let received = try #require(await server.requests.first)
      #expect(received.method == "POST")
      #expect(received.path == "/v1/messages")
      #expect(received.headers["x-api-key"] == Fixtures.anthropicKey)
      #expect(received.headers["anthropic-version"] == "2023-06-01")
      #expect(received.headers["content-type"] == "application/json")
      #expect(received.headers["authorization"] == nil)

      let body = try #require(received.json)
      #expect(
        body.objectValue.map { $0.keys.sorted() }
          == ["max_tokens", "messages", "model", "system", "temperature", "tool_choice", "tools"])
      #expect(body["model"] == "claude-sonnet-4-5")
      #expect(body["max_tokens"] == 4096)
      #expect(body["temperature"] == 0.3)
      #expect(body["system"] == .string(request.system))
      #expect(body["messages"] == [["role": "user", "content": .string(request.user)]])
      #expect(
        body["tools"] == [
          [
            "name": "record_insights",
            "description": "Record the phrased and ranked insights. Call it exactly once.",
            "input_schema": AnswerSchema.make(candidates: Fixtures.candidates),
          ]
        ])
      #expect(body["tool_choice"] == ["type": "tool", "name": "record_insights"])
      // Integers on the wire, not 4096.0.
      #expect(received.bodyText.contains(#""max_tokens":4096,"#))
      #expect(received.bodyText.contains(#""temperature":0.3,"#))
    }
  }

  @Test("a base URL that already ends in /v1 is not doubled")
  func baseEndingInV1() async throws {
    try await StubServer.with([Wire.anthropic.reply(Fixtures.goodAnswer)]) { server in
      let provider = AnthropicProvider(
        baseURL: server.baseURL.appendingPathComponent("v1"), apiKey: APIKey(Fixtures.anthropicKey), model: "m",
        options: Fixtures.options())
      _ = try await provider.phrase(request)
      #expect(await server.requests.map(\.path) == ["/v1/messages"])
    }
  }

  @Test("stop_reason max_tokens is a truncated answer")
  func truncated() async throws {
    let reply = StubReply.json(Wire.anthropicMessage(input: Fixtures.goodAnswer, stopReason: "max_tokens"))
    try await StubServer.with([reply]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .truncated)
      #expect(error?.message == "the answer was cut off at the 4096-token limit (stop_reason max_tokens); nothing from it is used")
    }
  }

  @Test("stop_reason refusal is a refusal")
  func refusal() async throws {
    let reply = StubReply.json(
      Wire.anthropicMessage(input: [:], stopReason: "refusal", text: "I can't help with that."))
    try await StubServer.with([reply]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .refused)
      #expect(error?.message == #"the model refused to answer: stop_reason refusal: "I can't help with that.""#)
    }
  }

  @Test("an answer without the tool call is a refusal")
  func noToolUse() async throws {
    let message: JSONValue = [
      "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
      "content": [["type": "text", "text": "Here are your insights: Berlin is great."]], "stop_reason": "end_turn",
      "usage": ["input_tokens": 10, "output_tokens": 5],
    ]
    try await StubServer.with([.json(message.encodedString())]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .refused)
      #expect(
        error?.message
          == #"the model refused to answer: no record_insights tool call in the reply (stop_reason end_turn): "Here are your insights: Berlin is great.""#
      )
    }
  }

  @Test("the key never shows in the provider's description or dump")
  func keyNotInDescription() async throws {
    let provider = AnthropicProvider(apiKey: APIKey(Fixtures.anthropicKey), model: "claude-sonnet-4-5")
    var dumped = ""
    dump(provider, to: &dumped)
    #expect(!dumped.contains(Fixtures.anthropicKey))
    #expect(!String(describing: provider).contains(Fixtures.anthropicKey))
    #expect(!String(reflecting: provider).contains(Fixtures.anthropicKey))
    #expect(String(describing: provider) == "anthropic model=claude-sonnet-4-5 base=https://api.anthropic.com")
  }
}
