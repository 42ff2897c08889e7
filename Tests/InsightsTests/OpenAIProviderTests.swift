// OpenAIProvider: the exact request it sends and how it reads finish reasons and refusals.
import Foundation
import Insights
import Testing

@Suite("OpenAI-compatible chat completions")
struct OpenAIProviderTests {
  let request: PhraseRequest

  init() throws {
    request = try InsightPhraser(provider: TemplateProvider())
      .request(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: Fixtures.active)
  }

  func provider(_ server: StubServer, key: String? = Fixtures.openAIKey) -> OpenAIProvider {
    OpenAIProvider(baseURL: server.baseURL, apiKey: key.map(APIKey.init), model: "gpt-4o-mini", options: Fixtures.options())
  }

  @Test("the request: POST /v1/chat/completions, Bearer key, model, 0.3, 4096, strict json_schema")
  func requestOnTheWire() async throws {
    try await StubServer.with([Wire.openai.reply(Fixtures.goodAnswer)]) { server in
      let response = try await provider(server).phrase(request)
      #expect(response.answer == Fixtures.goodAnswer)
      #expect(response.model == "gpt-4o-mini-2024-07-18")
      #expect(response.promptTokens == 1234)
      #expect(response.completionTokens == 321)

      let received = try #require(await server.requests.first)
      #expect(received.method == "POST")
      #expect(received.path == "/v1/chat/completions")
      #expect(received.headers["authorization"] == "Bearer \(Fixtures.openAIKey)")
      #expect(received.headers["content-type"] == "application/json")
      #expect(received.headers["x-api-key"] == nil)

      let body = try #require(received.json)
      #expect(
        body.objectValue.map { $0.keys.sorted() }
          == ["max_tokens", "messages", "model", "response_format", "temperature"])
      #expect(body["model"] == "gpt-4o-mini")
      #expect(body["temperature"] == 0.3)
      #expect(body["max_tokens"] == 4096)
      #expect(
        body["messages"] == [
          ["role": "system", "content": .string(request.system)], ["role": "user", "content": .string(request.user)],
        ])
      #expect(
        body["response_format"] == [
          "type": "json_schema",
          "json_schema": ["name": "insights", "strict": true, "schema": AnswerSchema.make(candidates: Fixtures.candidates)],
        ])
      #expect(received.bodyText.contains(#""max_tokens":4096,"#))
      #expect(received.bodyText.contains(#""temperature":0.3"#))
    }
  }

  @Test("without a key (Ollama, llama.cpp) no Authorization header is sent; a /v1 base is not doubled")
  func noKey() async throws {
    try await StubServer.with([Wire.openai.reply(Fixtures.goodAnswer)]) { server in
      let provider = OpenAIProvider(
        baseURL: URL(string: "http://127.0.0.1:\(server.port)/v1/")!, apiKey: nil, model: "llama3.1",
        options: Fixtures.options())
      _ = try await provider.phrase(request)
      let received = try #require(await server.requests.first)
      #expect(received.path == "/v1/chat/completions")
      #expect(received.headers["authorization"] == nil)
      #expect(received.json?["model"] == "llama3.1")
    }
  }

  @Test("finish_reason length is a truncated answer")
  func truncated() async throws {
    let reply = StubReply.json(Wire.openAICompletion(content: #"{"insights": ["#, finishReason: "length"))
    try await StubServer.with([reply]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .truncated)
      #expect(error?.message == "the answer was cut off at the 4096-token limit (finish_reason length); nothing from it is used")
    }
  }

  @Test("a non-null message.refusal is a refusal")
  func refusal() async throws {
    let reply = StubReply.json(Wire.openAICompletion(content: nil, refusal: "I'm sorry, I can't help with that."))
    try await StubServer.with([reply]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .refused)
      #expect(error?.message == #"the model refused to answer: message.refusal: "I'm sorry, I can't help with that.""#)
    }
  }

  @Test("content in a Markdown code fence (some local models) is read")
  func codeFence() async throws {
    let fenced = "```json\n" + Fixtures.goodAnswer.encodedString() + "\n```"
    try await StubServer.with([.json(Wire.openAICompletion(content: fenced))]) { server in
      let response = try await provider(server).phrase(request)
      #expect(response.answer == Fixtures.goodAnswer)
      #expect(response.rawText == fenced)
    }
  }

  @Test("a reply without choices is malformed")
  func noChoices() async throws {
    try await StubServer.with([.json(#"{"id":"x","object":"chat.completion","choices":[]}"#)]) { server in
      let error = await #expect(throws: LLMError.self) { try await provider(server).phrase(request) }
      #expect(error?.code == .malformedResponse)
      #expect(error?.message == "malformed response: the reply has no choices[0].message")
    }
  }

  @Test("missing usage (some local servers) counts 0 tokens")
  func missingUsage() async throws {
    let completion: JSONValue = [
      "model": "llama3.1",
      "choices": [["index": 0, "message": ["role": "assistant", "content": .string(Fixtures.goodAnswer.encodedString())], "finish_reason": "stop"]],
    ]
    try await StubServer.with([.json(completion.encodedString())]) { server in
      let response = try await provider(server, key: nil).phrase(request)
      #expect(response.model == "llama3.1")
      #expect(response.promptTokens == 0)
      #expect(response.completionTokens == 0)
    }
  }
}
