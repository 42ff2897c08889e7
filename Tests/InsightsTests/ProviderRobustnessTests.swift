// Provider replies that used to crash the CLI, slip through as answers, exhaust memory or show
// the key: out-of-range token counts and Retry-After values, content filters, replies without
// stop_reason, empty refusals, answers with thousands of entries, floods, echoed key parts.
// Each through a real HTTP server on 127.0.0.1 speaking the provider's wire format.
import Foundation
import Insights
import Testing

@Suite("provider replies out of range, oversized or echoing the key")
struct ProviderRobustnessTests {
  func phrase(_ provider: any LLMProvider) async throws -> PhrasingResult {
    try await InsightPhraser(provider: provider)
      .phrase(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: Fixtures.active)
  }

  /// A good reply whose prompt token count is written as `value` (JSON text).
  static func reply(_ wire: Wire, promptTokens value: String) -> StubReply {
    let body = wire.reply(Fixtures.goodAnswer).body
    let field = wire == .anthropic ? "\"input_tokens\":1234" : "\"prompt_tokens\":1234"
    let name = wire == .anthropic ? "\"input_tokens\":" : "\"prompt_tokens\":"
    precondition(body.contains(field))
    return .json(body.replacingOccurrences(of: field, with: name + value))
  }

  @Test(
    "a token count that is not a whole number from 0 to Int32.max rejects the reply as malformed, naming the field (no trap)",
    arguments: Wire.allCases, ["-5", "2147483648", "1e19", "1e300", "3.5", "\"12\"", "true"])
  func tokenCountOutOfRange(wire: Wire, value: String) async throws {
    try await StubServer.with([Self.reply(wire, promptTokens: value)]) { server in
      let result = try await phrase(wire.provider(server))
      let field = wire == .anthropic ? "usage.input_tokens" : "usage.prompt_tokens"
      #expect(result.failure?.code == .malformedResponse)
      #expect(result.error?.hasPrefix("malformed response: \(field) is ") == true)
      #expect(result.error?.contains("not a token count") == true)
      #expect(result.insights.isEmpty)
    }
  }

  @Test("token counts of 0 and Int32.max are accepted", arguments: Wire.allCases, ["0", "2147483647"])
  func tokenCountBounds(wire: Wire, value: String) async throws {
    try await StubServer.with([Self.reply(wire, promptTokens: value)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == nil)
      #expect(result.promptTokens == Int(value))
    }
  }

  @Test("a number JSON cannot hold (1e400) fails the reply saying it is not valid JSON, not that it is no object", arguments: Wire.allCases)
  func unrepresentableNumber(wire: Wire) async throws {
    try await StubServer.with([Self.reply(wire, promptTokens: "1e400")]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.failure?.code == .malformedResponse)
      #expect(
        result.error
          == "malformed response: the reply from \(server.host) is not valid JSON (a value in it cannot be read, such as a number out of range like 1e400)")
    }
  }

  @Test(
    "a huge Retry-After (seconds or milliseconds) gives up at once instead of trapping",
    arguments: Wire.allCases, [["Retry-After": "1e300"], ["retry-after-ms": "1e300"], ["Retry-After": "99999999999999999999"]])
  func hugeRetryAfter(wire: Wire, headers: [String: String]) async throws {
    var limited = wire.rateLimited(retryAfter: "0")
    limited.headers = ["Content-Type": "application/json"].merging(headers) { $1 }
    try await StubServer.with([limited, wire.reply(Fixtures.goodAnswer)]) { server in
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server))
      #expect(start.duration(to: clock.now) < .seconds(5))
      #expect(result.failure?.code == .retriesExhausted)
      #expect(result.failure?.attempts == 1)
      #expect(await server.requests.count == 1)
    }
  }

  @Test("serverDelay caps a huge or far-future Retry-After at a day")
  func serverDelayIsCapped() {
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "1e300"]) == .seconds(86_400))
    #expect(RetryPolicy.serverDelay(headers: ["retry-after-ms": "1e300"]) == .seconds(86_400))
    #expect(RetryPolicy.serverDelay(headers: ["retry-after-ms": "1500"]) == .milliseconds(1500))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"]) == .seconds(86_400))
  }

  @Test("OpenAI finish_reason content_filter is a refusal, not an answer")
  func contentFilter() async throws {
    let body = Wire.openAICompletion(content: Fixtures.goodAnswer.encodedString(), finishReason: "content_filter")
    try await StubServer.with([.json(body)]) { server in
      let result = try await phrase(Wire.openai.provider(server))
      #expect(result.failure?.code == .refused)
      #expect(
        result.error
          == "the model refused to answer: finish_reason content_filter (the provider's content filter withheld the answer)")
      #expect(result.insights.isEmpty)
    }
  }

  @Test("OpenAI \"refusal\": \"\" (or blank) is no refusal: the answer is used", arguments: ["", "  "])
  func emptyRefusal(refusal: String) async throws {
    let body = Wire.openAICompletion(content: Fixtures.goodAnswer.encodedString(), refusal: refusal)
    try await StubServer.with([.json(body)]) { server in
      let result = try await phrase(Wire.openai.provider(server))
      #expect(result.error == nil)
      #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
    }
  }

  @Test("an Anthropic reply without stop_reason (or with null) is malformed, not an answer", arguments: [false, true])
  func missingStopReason(null: Bool) async throws {
    guard case .object(var message) = try JSONValue.parse(Wire.anthropicMessage(input: Fixtures.goodAnswer)) else {
      Issue.record("the fixture is not an object")
      return
    }
    if null { message["stop_reason"] = .null } else { message.removeValue(forKey: "stop_reason") }
    try await StubServer.with([.json(JSONValue.object(message).encodedString())]) { server in
      let result = try await phrase(Wire.anthropic.provider(server))
      #expect(result.failure?.code == .malformedResponse)
      #expect(result.error == "malformed response: the reply has no stop_reason (an incomplete message); not used")
      #expect(result.insights.isEmpty)
    }
  }

  @Test("an answer with 1,000 entries for 3 candidates is refused at once, before validation", arguments: Wire.allCases)
  func thousandsOfEntries(wire: Wire) async throws {
    let entries = (0..<1_000).map { index in
      Fixtures.entry("city_growth", "Berlin, DE", title: "Berlin \(index)", description: "Clicks rose.", action: "Book.", rank: index + 1)
    }
    try await StubServer.with([wire.reply(["insights": .array(entries)])]) { server in
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server))
      #expect(start.duration(to: clock.now) < .seconds(10))
      #expect(result.failure?.code == .malformedResponse)
      #expect(result.error == "malformed response: the answer has 1000 insights for 3 candidates (at most 16 are read); not used")
      #expect(result.fallbacks.isEmpty)
    }
  }

  @Test("an error body echoing part of the key (its suffix, or the key in another case) shows none of it", arguments: Wire.allCases)
  func echoedKeyParts(wire: Wire) async throws {
    let key = wire.apiKey
    let suffix = String(key.dropFirst(3))
    let body = #"{"error":{"type":"authentication_error","message":"invalid key \#(suffix), or \#(key.uppercased()), or …\#(key.suffix(9))"}}"#
    try await StubServer.with([.json(body, status: 401)]) { server in
      let result = try await phrase(wire.provider(server))
      let error = try #require(result.error)
      #expect(error == "HTTP 401 from \(server.host): authentication_error: invalid key [redacted], or [redacted], or …[redacted]")
      #expect(!error.lowercased().contains(String(key.suffix(8)).lowercased()))
    }
  }

  @Test(
    "an error body spelling the key out with separators (spaces, hyphens, zero-width characters, another case) is replaced whole",
    arguments: Wire.allCases)
  func separatedKey(wire: Wire) async throws {
    let key = wire.apiKey
    func spelled(_ text: String, _ separator: String) -> String { text.map { String($0) }.joined(separator: separator) }
    let spellings: [String] = [
      spelled(key, " "), spelled(key.uppercased(), "-"), spelled(key, "\u{200B}"), spelled(String(key.suffix(10)), " . "),
    ]
    for spelled in spellings {
      let body = #"{"error":{"type":"authentication_error","message":"invalid x-api-key, spaced=\#(spelled)"}}"#
      try await StubServer.with([.json(body, status: 401)]) { server in
        let result = try await phrase(wire.provider(server))
        #expect(result.error == "HTTP 401 from \(server.host): [redacted: the reply contained the API key]")
      }
    }
    // An ordinary error body stays readable.
    let body = #"{"error":{"type":"authentication_error","message":"invalid x-api-key: check your credentials"}}"#
    try await StubServer.with([.json(body, status: 401)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == "HTTP 401 from \(server.host): authentication_error: invalid x-api-key: check your credentials")
    }
  }

  @Test("a model name is cut to 200 characters by the provider", arguments: Wire.allCases)
  func longModelName(wire: Wire) async throws {
    let model = String(repeating: "m-", count: 32 << 10)
    let body: String
    switch wire {
    case .anthropic: body = Wire.anthropicMessage(input: Fixtures.goodAnswer, model: model)
    case .openai: body = Wire.openAICompletion(content: Fixtures.goodAnswer.encodedString()).replacingOccurrences(of: wire.answeringModel, with: model)
    }
    try await StubServer.with([.json(body)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == nil)
      #expect(result.model == String(model.prefix(200)) + "…")
    }
  }

  @Test("the key scrubber: any letter case, any part of 8 or more characters; shorter keys whole only")
  func scrubberFragments() {
    let scrubber = SecretScrubber(secrets: [APIKey("sk-test-SECRET123456")])
    #expect(scrubber.scrubKeys("got sk-test-SECRET123456.") == "got [redacted].")
    #expect(scrubber.scrubKeys("got SK-TEST-SECRET123456.") == "got [redacted].")
    #expect(scrubber.scrubKeys("got SECRET123456.") == "got [redacted].")
    #expect(scrubber.scrubKeys("got secret12 and t-secret") == "got [redacted] and [redacted]")
    #expect(scrubber.scrubKeys("got secret1 (7)") == "got secret1 (7)")
    #expect(scrubber.scrub("invalid x: SECRET123456") == "invalid x: [redacted]")
    #expect(scrubber.containsSecret("ends in Et123456"))
    let short = SecretScrubber(secrets: [APIKey("abc12")])
    #expect(short.scrubKeys("ABC12 abc1 xabc12x") == "[redacted] abc1 x[redacted]x")
  }

  @Test("a 2xx flood stops being read past 4 MiB: the call fails at once, not after the whole body", arguments: Wire.allCases)
  func floodIsCut(wire: Wire) async throws {
    // 8 MiB without a length, then the connection stays open until the test ends: reading to
    // the end would wait for the request timeout, holding every byte, and fail as a timeout.
    // (No bound on the time taken: on a loaded machine FoundationNetworking's busy wait slows
    // every transfer; the answer itself tells a cut body from one read to the end.)
    let server = try RawHTTPServer(
      head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close", chunks: 128, hold: .seconds(90))
    defer { server.stop() }
    let provider: any LLMProvider =
      switch wire {
      case .anthropic:
        AnthropicProvider(baseURL: server.baseURL, apiKey: APIKey(wire.apiKey), model: "m", options: Fixtures.options(attempts: 1, requestTimeout: .seconds(60), deadline: .seconds(70)))
      case .openai:
        OpenAIProvider(baseURL: server.baseURL, apiKey: APIKey(wire.apiKey), model: "m", options: Fixtures.options(attempts: 1, requestTimeout: .seconds(60), deadline: .seconds(70)))
      }
    let result = try await phrase(provider)
    #expect(
      result.error
        == "malformed response: the reply from \(server.host) is more than 4194304 bytes, over the limit of 4194304 (an answer of at most 4,096 tokens is far smaller); not parsed")
    #expect(server.requestHeads.first?.contains("accept-encoding: identity") == true)
  }

  @Test("an error reply is read only to its first 64 KiB: the call answers with its excerpt at once", arguments: Wire.allCases)
  func errorFloodIsCut(wire: Wire) async throws {
    let server = try RawHTTPServer(
      head: "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close", chunks: 64, chunkByte: UInt8(ascii: "x"),
      prefix: "bad request: ", hold: .seconds(90))
    defer { server.stop() }
    let options = Fixtures.options(attempts: 1, requestTimeout: .seconds(60), deadline: .seconds(70))
    let provider: any LLMProvider =
      switch wire {
      case .anthropic: AnthropicProvider(baseURL: server.baseURL, apiKey: APIKey(wire.apiKey), model: "m", options: options)
      case .openai: OpenAIProvider(baseURL: server.baseURL, apiKey: APIKey(wire.apiKey), model: "m", options: options)
      }
    let result = try await phrase(provider)
    #expect(result.failure?.code == .http)
    #expect(result.failure?.status == 400)
    #expect(result.error?.hasPrefix("HTTP 400 from \(server.host): bad request: xxxx") == true)
  }
}
