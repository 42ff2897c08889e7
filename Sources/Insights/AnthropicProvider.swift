// AnthropicProvider: the Messages API with one forced tool, so the answer is the tool's input.
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// Anthropic's Messages API: `POST {base}/v1/messages`.
///
/// The request carries one tool, `record_insights`, whose `input_schema` is the answer schema,
/// and `tool_choice` forces it; the answer is the `input` of the `tool_use` content block.
/// `stop_reason` `max_tokens` is a truncated answer and `refusal` (or no `tool_use` block) a
/// refusal: both fail the call, as do a reply without `stop_reason` and a `usage` token count
/// that is not a whole number from 0 to `Int32.max`.
public struct AnthropicProvider: LLMProvider, CustomStringConvertible {
  public static let toolName = "record_insights"
  public static let apiVersion = "2023-06-01"

  public let baseURL: URL
  public let model: String
  public let maxTokens: Int
  public let temperature: Double
  private let apiKey: APIKey
  private let transport: HTTPTransport

  public init(
    baseURL: URL = ProviderConfiguration.defaultAnthropicBaseURL, apiKey: APIKey, model: String,
    options: TransportOptions = TransportOptions(), maxTokens: Int = 4096, temperature: Double = 0.3
  ) {
    self.baseURL = baseURL
    self.apiKey = apiKey
    self.model = model
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.transport = HTTPTransport(options: options, secrets: [apiKey])
  }

  /// `anthropic model=... base=...` (never the key).
  public var description: String { "anthropic model=\(model) base=\(ProviderConfiguration.describe(baseURL))" }

  /// The key, for ``SecretScrubber``.
  public var secrets: [APIKey] { [apiKey] }

  /// The JSON body of the request.
  public func requestBody(for request: PhraseRequest) -> JSONValue {
    [
      "model": .string(model),
      "max_tokens": .number(Double(maxTokens)),
      "temperature": .number(temperature),
      "system": .string(request.system),
      "messages": [["role": "user", "content": .string(request.user)]],
      "tools": [
        [
          "name": .string(Self.toolName),
          "description": "Record the phrased and ranked insights. Call it exactly once.",
          "input_schema": request.answerSchema,
        ]
      ],
      "tool_choice": ["type": "tool", "name": .string(Self.toolName)],
    ]
  }

  public func phrase(_ request: PhraseRequest) async throws(LLMError) -> LLMResponse {
    let reply = try await transport.post(
      Endpoint.url(base: baseURL, path: "messages"),
      headers: [
        "x-api-key": apiKey.reveal(),
        "anthropic-version": Self.apiVersion,
        "content-type": "application/json",
        "accept": "application/json",
      ],
      body: requestBody(for: request).encoded())
    let response = try parse(reply.body)
    try ReplyChecks.checkEntryCount(response.answer, for: request)
    return response
  }

  /// Reads a Messages API reply.
  func parse(_ body: Data) throws(LLMError) -> LLMResponse {
    let message = try ReplyChecks.parse(body, host: HTTPTransport.hostDescription(baseURL))
    guard let content = message["content"]?.arrayValue else {
      throw .malformedResponse("the reply has no content array")
    }
    // Every complete Messages API reply says why it stopped; without a stop_reason the message
    // may be cut off or not a reply at all, so nothing in it is used.
    guard let stopReason = message["stop_reason"]?.stringValue, !stopReason.isEmpty else {
      throw .malformedResponse("the reply has no stop_reason (an incomplete message); not used")
    }
    if stopReason == "max_tokens" {
      throw .truncated(limit: maxTokens, stopReason: "stop_reason max_tokens")
    }
    let text = content.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }
      .joined(separator: " ")
    if stopReason == "refusal" {
      throw .refused("stop_reason refusal\(Self.quoted(text))")
    }
    guard let toolUse = content.first(where: { $0["type"]?.stringValue == "tool_use" }) else {
      throw .refused("no \(Self.toolName) tool call in the reply (stop_reason \(stopReason))\(Self.quoted(text))")
    }
    guard toolUse["name"]?.stringValue == Self.toolName else {
      throw .malformedResponse("the reply calls tool \"\(toolUse["name"]?.stringValue ?? "")\", not \(Self.toolName)")
    }
    guard let input = toolUse["input"], input.objectValue != nil else {
      throw .malformedResponse("the \(Self.toolName) tool call has no input object")
    }
    let usage = message["usage"]
    return LLMResponse(
      answer: input,
      rawText: input.encodedString(),
      model: ReplyChecks.modelName(message["model"]?.stringValue ?? model),
      promptTokens: try ReplyChecks.tokenCount(usage?["input_tokens"], field: "usage.input_tokens"),
      completionTokens: try ReplyChecks.tokenCount(usage?["output_tokens"], field: "usage.output_tokens"))
  }

  static func quoted(_ text: String) -> String {
    let trimmed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    guard !trimmed.isEmpty else { return "" }
    return ": \"\(trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed)\""
  }
}
