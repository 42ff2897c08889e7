// Both HTTP providers against a loopback server speaking their exact wire format: the
// scenarios of issue 5 (good reply, invented number, unknown candidate, malformed JSON,
// 429 then success, overloaded until retries run out, a reply slower than the timeout).
import Foundation
import Insights
import Testing

@Suite("HTTP providers end to end through InsightPhraser")
struct ProviderScenarioTests {
  func phrase(_ provider: any LLMProvider) async throws -> PhrasingResult {
    try await InsightPhraser(provider: provider)
      .phrase(candidates: Fixtures.candidates, org: Fixtures.org, activeInsights: Fixtures.active)
  }

  @Test("a good reply is stored as the LLM wrote it, with model and tokens", arguments: Wire.allCases)
  func goodReply(wire: Wire) async throws {
    try await StubServer.with([wire.reply(Fixtures.goodAnswer)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == nil)
      #expect(result.failure == nil)
      #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
      #expect(result.fallbacks == [])
      #expect(result.model == wire.answeringModel)
      #expect(result.promptTokens == 1234)
      #expect(result.completionTokens == 321)
      #expect(await server.requests.count == 1)
    }
  }

  @Test("an invented number sends that insight back to its template wording", arguments: Wire.allCases)
  func inventedNumber(wire: Wire) async throws {
    try await StubServer.with([wire.reply(Fixtures.inventedNumberAnswer)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == nil)
      #expect(result.insights == [Fixtures.goodLisbon, Fixtures.berlin.templatePhrasing(rank: 2), Fixtures.goodSpotify])
      #expect(
        result.fallbacks == [
          Fallback(
            kind: .template, insightType: "city_growth", subjectKey: "Berlin, DE",
            reason: "description writes 55, which is not one of this insight's facts")
        ])
      #expect(!result.insights.contains { $0.description.contains("55") })
      #expect(result.model == wire.answeringModel)
      #expect(result.promptTokens == 1234)
    }
  }

  @Test("a reply naming a candidate that does not exist: that entry is ignored", arguments: Wire.allCases)
  func unknownCandidate(wire: Wire) async throws {
    try await StubServer.with([wire.reply(Fixtures.unknownCandidateAnswer)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == nil)
      #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
      #expect(
        result.fallbacks == [
          Fallback(
            kind: .ignored, insightType: "city_growth", subjectKey: "Atlantis, XX",
            reason: "not one of the candidates (insight_type and subject_key must name one exactly); ignored")
        ])
    }
  }

  @Test("malformed JSON fails the run and stores nothing", arguments: Wire.allCases)
  func malformedJSON(wire: Wire) async throws {
    let truncatedJSON = #"{"insights": [{"insight_type": "tour_gap", "subject_key""#
    let reply: StubReply =
      switch wire {
      case .anthropic: .json(#"{"id":"msg_01","type":"message","content":[{"type":"tool_use","input":"#)
      case .openai: .json(Wire.openAICompletion(content: truncatedJSON))
      }
    try await StubServer.with([reply]) { server in
      let result = try await phrase(wire.provider(server))
      let expected =
        switch wire {
        case .anthropic: "malformed response: the reply from \(server.host) is not valid JSON"
        case .openai: #"malformed response: choices[0].message.content is not valid JSON: "\#(truncatedJSON)""#
        }
      #expect(result.error == expected)
      #expect(result.failure?.code == .malformedResponse)
      #expect(result.insights == [])
      #expect(result.fallbacks == [])
      #expect(result.model == nil)
      #expect(await server.requests.count == 1)
    }
  }

  @Test("an answer that is JSON but not {\"insights\": [...]} fails the run, keeping model and tokens", arguments: Wire.allCases)
  func answerWithoutInsightsArray(wire: Wire) async throws {
    try await StubServer.with([wire.reply(["cards": []])]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == #"malformed response: the answer has no "insights" array"#)
      #expect(result.insights == [])
      #expect(result.model == wire.answeringModel)
      #expect(result.promptTokens == 1234)
      #expect(result.completionTokens == 321)
    }
  }

  @Test("429 with Retry-After: 1 is retried after a second, then succeeds", arguments: Wire.allCases)
  func rateLimitedThenSuccess(wire: Wire) async throws {
    try await StubServer.with([wire.rateLimited(retryAfter: "1"), wire.reply(Fixtures.goodAnswer)]) { server in
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server))
      let elapsed = start.duration(to: clock.now)
      #expect(result.error == nil)
      #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
      #expect(result.fallbacks == [])
      // The base delay is 10 ms: only Retry-After explains the wait.
      #expect(elapsed >= .seconds(1))
      #expect(elapsed < .seconds(15))
      let bodies = await server.requests.map(\.body)
      try #require(bodies.count == 2)
      #expect(bodies[0] == bodies[1])
    }
  }

  @Test("overloaded (529 / 500) on every attempt: retries run out, the run fails", arguments: Wire.allCases)
  func overloadedUntilRetriesRunOut(wire: Wire) async throws {
    try await StubServer.with([wire.overloaded()]) { server in
      let result = try await phrase(wire.provider(server, options: Fixtures.options(attempts: 3)))
      #expect(
        result.error
          == "gave up after 3 attempts: HTTP \(wire.overloadedStatus) from \(server.host): \(wire.overloadedExcerpt)")
      #expect(result.failure?.code == .retriesExhausted)
      #expect(result.failure?.status == wire.overloadedStatus)
      #expect(result.failure?.attempts == 3)
      #expect(result.insights == [])
      #expect(result.fallbacks == [])
      #expect(result.model == nil)
      #expect(result.promptTokens == 0)
      #expect(result.completionTokens == 0)
      #expect(await server.requests.count == 3)
    }
  }

  @Test("a reply slower than the request timeout: a timeout error, promptly, without hanging", arguments: Wire.allCases)
  func slowerThanTheTimeout(wire: Wire) async throws {
    var slow = wire.reply(Fixtures.goodAnswer)
    slow.delay = .seconds(30)
    try await StubServer.with([slow]) { server in
      let options = Fixtures.options(attempts: 2, requestTimeout: .milliseconds(500), deadline: .seconds(6))
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server, options: options))
      let elapsed = start.duration(to: clock.now)
      #expect(
        result.error
          == "timed out: no complete answer from \(server.host) within the request timeout of 0.5 s (2 attempts)")
      #expect(result.failure?.code == .timeout)
      #expect(result.failure?.attempts == 2)
      #expect(result.insights == [])
      // Two attempts of 0.5 s and a 10 ms wait: far less than the 30 s the server takes (the
      // bound is loose so a loaded CI machine does not fail it; a hang would take 30 s).
      #expect(elapsed >= .milliseconds(1000))
      #expect(elapsed < .seconds(10))
      #expect(await server.requestCount(reaching: 2) == 2)
    }
  }

  @Test("the overall deadline ends a call even when the request timeout is longer", arguments: Wire.allCases)
  func overallDeadline(wire: Wire) async throws {
    var slow = wire.reply(Fixtures.goodAnswer)
    slow.delay = .seconds(30)
    try await StubServer.with([slow]) { server in
      let options = Fixtures.options(attempts: 4, requestTimeout: .seconds(30), deadline: .milliseconds(800))
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server, options: options))
      let elapsed = start.duration(to: clock.now)
      #expect(
        result.error == "timed out: no complete answer from \(server.host) within the overall deadline of 0.8 s (1 attempt)")
      #expect(result.failure?.code == .timeout)
      #expect(elapsed >= .milliseconds(800))
      #expect(elapsed < .seconds(10))
      #expect(await server.requestCount(reaching: 1) == 1)
    }
  }

  @Test("cancelling the caller returns at once with cancelled; the abandoned request does not hang", arguments: Wire.allCases)
  func cancellation(wire: Wire) async throws {
    var slow = wire.reply(Fixtures.goodAnswer)
    slow.delay = .seconds(30)
    try await StubServer.with([slow]) { server in
      let provider = wire.provider(server)
      let clock = ContinuousClock()
      let start = clock.now
      let task = Task { try await phrase(provider) }
      while await server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
      task.cancel()
      let result = try await task.value
      #expect(start.duration(to: clock.now) < .seconds(10))  // the server would take 30 s
      #expect(result.error == "cancelled before the LLM provider answered")
      #expect(result.failure?.code == .cancelled)
      #expect(result.insights == [])
    }
  }

  @Test("a Retry-After longer than the time left gives up at once instead of waiting", arguments: Wire.allCases)
  func retryAfterBeyondTheDeadline(wire: Wire) async throws {
    try await StubServer.with([wire.rateLimited(retryAfter: "120")]) { server in
      let options = Fixtures.options(attempts: 4, requestTimeout: .seconds(5), deadline: .seconds(10))
      let clock = ContinuousClock()
      let start = clock.now
      let result = try await phrase(wire.provider(server, options: options))
      #expect(start.duration(to: clock.now) < .seconds(8))  // waiting would take the 10 s deadline
      #expect(
        result.error == "gave up after 1 attempt: HTTP 429 from \(server.host): \(wire.rateLimitedExcerpt)")
      #expect(result.failure?.code == .retriesExhausted)
      #expect(result.failure?.status == 429)
      #expect(result.failure?.attempts == 1)
      #expect(await server.requests.count == 1)
    }
  }

  @Test("a non-retryable status fails at once, and a key the server echoes is redacted", arguments: Wire.allCases)
  func unauthorizedIsNotRetriedAndRedacted(wire: Wire) async throws {
    let key = wire.apiKey
    let body = #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key \#(key)"}}"#
    try await StubServer.with([.json(body, status: 401)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(result.error == "HTTP 401 from \(server.host): authentication_error: invalid x-api-key [redacted]")
      #expect(result.failure?.code == .http)
      #expect(result.failure?.status == 401)
      #expect(await server.requests.count == 1)
    }
  }

  @Test(
    "a redirect is never followed: the API key reaches no other server, the run fails naming the redirect's host",
    arguments: Wire.allCases, [301, 302, 307, 308])
  func redirectIsNotFollowed(wire: Wire, status: Int) async throws {
    let key = wire.apiKey
    // The other server would answer well: following the redirect would "succeed".
    try await StubServer.with([wire.reply(Fixtures.goodAnswer)]) { other in
      let location = "http://\(other.host)/steal?key=\(key)"
      try await StubServer.with([StubReply(status: status, headers: ["Location": location], body: "moved")]) { server in
        let result = try await phrase(wire.provider(server))
        #expect(
          result.error
            == "HTTP \(status) from \(server.host): a redirect to \(other.host), not followed (requests and their API key go only to the configured base URL; configure the URL the server redirects to)"
        )
        #expect(result.failure?.code == .http)
        #expect(result.failure?.status == status)
        #expect(result.insights == [])
        #expect(await server.requests.count == 1)
        #expect(await other.requests.count == 0)
      }
    }
  }

  @Test("a redirect to a host named after the API key names it redacted", arguments: Wire.allCases)
  func redirectHostIsRedacted(wire: Wire) async throws {
    let key = wire.apiKey
    try await StubServer.with([StubReply(status: 302, headers: ["Location": "http://\(key).invalid:8443/v1"], body: "")]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(
        result.error
          == "HTTP 302 from \(server.host): a redirect to [redacted].invalid:8443, not followed (requests and their API key go only to the configured base URL; configure the URL the server redirects to)"
      )
    }
  }

  @Test("a 2xx reply over 4 MiB is not parsed: the run fails at once, naming its size", arguments: Wire.allCases)
  func oversizedReplyIsNotParsed(wire: Wire) async throws {
    // A valid answer padded with whitespace to 4 MiB + 1 byte: parseable, but never parsed.
    let answer = wire.reply(Fixtures.goodAnswer).body
    let padded = answer + String(repeating: " ", count: (4 << 20) + 1 - answer.utf8.count)
    try await StubServer.with([.json(padded)]) { server in
      let result = try await phrase(wire.provider(server))
      #expect(
        result.error
          == "malformed response: the reply from \(server.host) is 4194305 bytes, over the limit of 4194304 (an answer of at most 4,096 tokens is far smaller); not parsed"
      )
      #expect(result.failure?.code == .malformedResponse)
      #expect(await server.requests.count == 1)
    }
  }

  @Test("an unreachable server is a transport error after the attempts", arguments: Wire.allCases)
  func unreachableServer(wire: Wire) async throws {
    // A port that was free a moment ago and now has no listener.
    let closed = try await StubServer.with([.json("{}")]) { $0 }
    let result = try await phrase(wire.provider(closed, options: Fixtures.options(attempts: 2)))
    #expect(result.failure?.code == .transport)
    #expect(result.failure?.attempts == 2)
    #expect(result.error?.hasPrefix("could not reach \(closed.host) (2 attempts): ") == true)
  }
}
