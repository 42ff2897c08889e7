// Fixtures: three candidates with known numbers, and the wire formats of both providers.
import Foundation
import Insights
import Testing

enum Fixtures {
  static let berlin = InsightCandidate(
    insightType: "city_growth", category: "geographic", subjectKey: "Berlin, DE", priority: "high", confidence: 0.9,
    dataSnapshot: [
      "city": "Berlin", "country": "DE", "clicks_current": 141, "clicks_previous": 100, "growth_pct": 41.0,
      "period_days": 30,
    ],
    title: "Your audience in Berlin grew 41%",
    description: "Clicks from Berlin, DE rose from 100 to 141 in the last 30 days.",
    actionSuggestion: "Consider booking a show in Berlin.",
    facts: [
      .text("city", "Berlin"), .text("country", "DE"), .number("clicks_current", 141), .number("clicks_previous", 100),
      .number("clicks_change", 41), .number("clicks_ratio", 1.4, .ratio, decimals: 1), .number("growth_pct", 41, .percent),
      .number("period_days", 30, .days),
    ])

  static let lisbon = InsightCandidate(
    insightType: "tour_gap", category: "tour", subjectKey: "Lisbon, PT", priority: "high", confidence: 0.8,
    dataSnapshot: ["city": "Lisbon", "country": "PT", "fans": 64, "upcoming_shows": 0],
    title: "64 fans in Lisbon and no show booked",
    description: "You have 64 fans in Lisbon, PT, and no upcoming show there.",
    actionSuggestion: "Look for a venue in Lisbon.",
    facts: [.text("city", "Lisbon"), .text("country", "PT"), .number("fans", 64), .number("upcoming_shows", 0)])

  static let spotify = InsightCandidate(
    insightType: "platform_preference", category: "content", subjectKey: "spotify", priority: "medium", confidence: 0.7,
    dataSnapshot: ["platform": "spotify", "clicks": 120, "total_music_clicks": 192, "share_pct": 62.5],
    title: "Spotify gets 62.5% of your music clicks",
    description: "120 of 192 music link clicks went to Spotify.",
    actionSuggestion: "Put your Spotify link first.",
    facts: [
      .text("platform", "spotify"), .text("platform_label", "Spotify"), .number("clicks", 120),
      .number("total_music_clicks", 192), .number("share_pct", 62.5, .percent, decimals: 1),
    ])

  /// The names in the fixture organization's data.
  static let vocabulary = OrgVocabulary(names: ["Berlin", "Lisbon", "Hamburg", "Warsaw", "DE", "PT", "PL", "spotify", "Spotify", "apple_music", "Apple Music", "instagram.com"])

  /// In the order SQL might return them (not ranked).
  static let candidates = [spotify, berlin, lisbon]

  static let org = OrgProfile(name: "nova-lights", kind: "artist", genres: ["synth-pop", "indie"], displayName: "Nova Lights")
  static let active = [ActiveInsight(type: "subscriber_surge", subjectKey: "newsletter", title: "12 new subscribers this week")]

  static func entry(
    _ type: String, _ subject: String, title: String, description: String, action: String, rank: Int
  ) -> JSONValue {
    [
      "insight_type": .string(type), "subject_key": .string(subject), "title": .string(title),
      "description": .string(description), "action_suggestion": .string(action), "rank": .number(Double(rank)),
    ]
  }

  // The LLM's good wording: Lisbon first, then Berlin, then Spotify.
  static let goodLisbon = PhrasedInsight(
    insightType: "tour_gap", subjectKey: "Lisbon, PT", title: "64 Lisbon fans, no show yet",
    description: "64 fans follow you from Lisbon, PT, but you have no upcoming show there.",
    actionSuggestion: "Ask a Lisbon promoter about a date this season.", rank: 1)
  static let goodBerlin = PhrasedInsight(
    insightType: "city_growth", subjectKey: "Berlin, DE", title: "Berlin grew 41% in 30 days",
    description: "Clicks from Berlin rose from 100 to 141 compared with the 30 days before. It is your fastest-growing city.",
    actionSuggestion: "Consider a Berlin show while interest is rising.", rank: 2)
  static let goodSpotify = PhrasedInsight(
    insightType: "platform_preference", subjectKey: "spotify", title: "Spotify is where your fans listen",
    description: "62.5% of your music link clicks go to Spotify (120 of 192).",
    actionSuggestion: "Put your Spotify link first.", rank: 3)

  static func entry(_ phrased: PhrasedInsight) -> JSONValue {
    entry(
      phrased.insightType, phrased.subjectKey, title: phrased.title, description: phrased.description,
      action: phrased.actionSuggestion, rank: phrased.rank)
  }

  static let goodAnswer: JSONValue = ["insights": [entry(goodSpotify), entry(goodLisbon), entry(goodBerlin)]]

  /// Berlin's description claims 55 new fans: not in its snapshot.
  static let inventedNumberAnswer: JSONValue = [
    "insights": [
      entry(goodLisbon),
      entry(
        "city_growth", "Berlin, DE", title: "Berlin is growing fast",
        description: "Berlin added 55 new fans in the last 30 days.", action: "Consider a Berlin show.", rank: 2),
      entry(goodSpotify),
    ]
  ]

  /// Names Atlantis, which is no candidate, at rank 2.
  static let unknownCandidateAnswer: JSONValue = [
    "insights": [
      entry(goodLisbon),
      entry(
        "city_growth", "Atlantis, XX", title: "Atlantis grew 41%", description: "Clicks from Atlantis rose 41%.",
        action: "Book a show in Atlantis.", rank: 2),
      entry(
        goodBerlin.insightType, goodBerlin.subjectKey, title: goodBerlin.title, description: goodBerlin.description,
        action: goodBerlin.actionSuggestion, rank: 3),
      entry(
        goodSpotify.insightType, goodSpotify.subjectKey, title: goodSpotify.title, description: goodSpotify.description,
        action: goodSpotify.actionSuggestion, rank: 4),
    ]
  ]

  static let anthropicKey = "sk-ant-test-0123456789abcdef"
  static let openAIKey = "sk-openai-test-fedcba9876543210"

  /// Fast retries for tests: no jitter, 10 ms base delay.
  static func options(
    attempts: Int = 3, requestTimeout: Duration = .seconds(10), deadline: Duration = .seconds(20)
  ) -> TransportOptions {
    TransportOptions(
      requestTimeout: requestTimeout, deadline: deadline,
      retry: RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(10), maxDelay: .milliseconds(100), jitter: 0))
  }
}

/// The two HTTP providers' wire formats, for scenarios both must pass.
enum Wire: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case anthropic
  case openai

  var testDescription: String { rawValue }

  /// The API key the provider of this wire format sends.
  var apiKey: String {
    switch self {
    case .anthropic: Fixtures.anthropicKey
    case .openai: Fixtures.openAIKey
    }
  }

  /// The model the stub server says answered.
  var answeringModel: String {
    switch self {
    case .anthropic: "claude-sonnet-4-5-20250929"
    case .openai: "gpt-4o-mini-2024-07-18"
    }
  }

  /// The status each provider sends when overloaded.
  var overloadedStatus: Int {
    switch self {
    case .anthropic: 529
    case .openai: 500
    }
  }

  func provider(_ server: StubServer, options: TransportOptions = Fixtures.options()) -> any LLMProvider {
    switch self {
    case .anthropic:
      AnthropicProvider(baseURL: server.baseURL, apiKey: APIKey(apiKey), model: "claude-sonnet-4-5", options: options)
    case .openai:
      OpenAIProvider(baseURL: server.baseURL, apiKey: APIKey(apiKey), model: "gpt-4o-mini", options: options)
    }
  }

  /// A successful reply carrying `answer`; usage 1234 prompt and 321 completion tokens.
  func reply(_ answer: JSONValue) -> StubReply {
    switch self {
    case .anthropic: .json(Self.anthropicMessage(input: answer))
    case .openai: .json(Self.openAICompletion(content: answer.encodedString()))
    }
  }

  /// An error reply in the provider's format.
  func overloaded(headers: [String: String] = [:]) -> StubReply {
    switch self {
    case .anthropic:
      .json(
        #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, status: 529, headers: headers)
    case .openai:
      .json(
        #"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#,
        status: 500, headers: headers)
    }
  }

  var overloadedExcerpt: String {
    switch self {
    case .anthropic: "overloaded_error: Overloaded"
    case .openai: "server_error: The server had an error while processing your request."
    }
  }

  var rateLimitedExcerpt: String {
    switch self {
    case .anthropic: "rate_limit_error: Number of request tokens has exceeded your per-minute rate limit"
    case .openai: "requests: Rate limit reached for gpt-4o-mini"
    }
  }

  func rateLimited(retryAfter: String) -> StubReply {
    switch self {
    case .anthropic:
      .json(
        #"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#,
        status: 429, headers: ["Retry-After": retryAfter])
    case .openai:
      .json(
        #"{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        status: 429, headers: ["Retry-After": retryAfter])
    }
  }

  static func anthropicMessage(
    input: JSONValue, stopReason: String = "tool_use", model: String = "claude-sonnet-4-5-20250929", text: String? = nil
  ) -> String {
    var content: [JSONValue] = []
    if let text { content.append(["type": "text", "text": .string(text)]) }
    if stopReason != "refusal" {
      content.append([
        "type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "record_insights", "input": input,
      ])
    }
    let message: JSONValue = [
      "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": .string(model),
      "content": .array(content), "stop_reason": .string(stopReason), "stop_sequence": nil,
      "usage": ["input_tokens": 1234, "output_tokens": 321],
    ]
    return message.encodedString()
  }

  static func openAICompletion(content: String?, finishReason: String = "stop", refusal: String? = nil) -> String {
    let completion: JSONValue = [
      "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion", "created": 1_727_000_000,
      "model": "gpt-4o-mini-2024-07-18",
      "choices": [
        [
          "index": 0,
          "message": [
            "role": "assistant", "content": content.map(JSONValue.string) ?? .null,
            "refusal": refusal.map(JSONValue.string) ?? .null,
          ],
          "logprobs": nil, "finish_reason": .string(finishReason),
        ]
      ],
      "usage": ["prompt_tokens": 1234, "completion_tokens": 321, "total_tokens": 1555],
    ]
    return completion.encodedString()
  }
}
