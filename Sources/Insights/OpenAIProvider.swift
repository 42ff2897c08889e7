// OpenAIProvider: chat completions with a strict json_schema response format, for OpenAI and
// the servers that copy its API (Ollama, vLLM, llama.cpp).
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// An OpenAI-compatible chat completions server: `POST {base}/v1/chat/completions`.
///
/// The request asks for `response_format` `json_schema` (strict) with the answer schema; the
/// answer is `choices[0].message.content` parsed as JSON (a surrounding Markdown code fence, as
/// some local models add, is removed first). `finish_reason` `length` is a truncated answer,
/// `content_filter` and a non-blank `message.refusal` a refusal: all fail the call, as does a
/// `usage` token count that is not a whole number from 0 to `Int32.max`. Without a key no
/// `Authorization` header is sent.
public struct OpenAIProvider: LLMProvider, CustomStringConvertible {
  public static let schemaName = "insights"

  public let baseURL: URL
  public let model: String
  public let maxTokens: Int
  public let temperature: Double
  private let apiKey: APIKey?
  private let transport: HTTPTransport

  public init(
    baseURL: URL = ProviderConfiguration.defaultOpenAIBaseURL, apiKey: APIKey?, model: String,
    options: TransportOptions = TransportOptions(), maxTokens: Int = 4096, temperature: Double = 0.3
  ) {
    self.baseURL = baseURL
    self.apiKey = apiKey
    self.model = model
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.transport = HTTPTransport(options: options, secrets: apiKey.map { [$0] } ?? [])
  }

  /// `openai model=... base=...` (never the key).
  public var description: String { "openai model=\(model) base=\(ProviderConfiguration.describe(baseURL))" }

  /// The key, for ``SecretScrubber``.
  public var secrets: [APIKey] { apiKey.map { [$0] } ?? [] }

  /// The JSON body of the request.
  public func requestBody(for request: PhraseRequest) -> JSONValue {
    [
      "model": .string(model),
      "temperature": .number(temperature),
      "max_tokens": .number(Double(maxTokens)),
      "messages": [
        ["role": "system", "content": .string(request.system)],
        ["role": "user", "content": .string(request.user)],
      ],
      "response_format": [
        "type": "json_schema",
        "json_schema": ["name": .string(Self.schemaName), "strict": true, "schema": request.answerSchema],
      ],
    ]
  }

  public func phrase(_ request: PhraseRequest) async throws(LLMError) -> LLMResponse {
    var headers = ["content-type": "application/json", "accept": "application/json"]
    if let apiKey { headers["authorization"] = "Bearer \(apiKey.reveal())" }
    let reply = try await transport.post(
      Endpoint.url(base: baseURL, path: "chat/completions"), headers: headers, body: requestBody(for: request).encoded())
    let response = try parse(reply.body)
    try ReplyChecks.checkEntryCount(response.answer, for: request)
    return response
  }

  /// Reads a chat completion.
  func parse(_ body: Data) throws(LLMError) -> LLMResponse {
    let completion = try ReplyChecks.parse(body, host: HTTPTransport.hostDescription(baseURL))
    guard let choice = completion["choices"]?.arrayValue?.first, let message = choice["message"] else {
      throw .malformedResponse("the reply has no choices[0].message")
    }
    let finishReason = choice["finish_reason"]?.stringValue ?? "none"
    if finishReason == "length" {
      throw .truncated(limit: maxTokens, stopReason: "finish_reason length")
    }
    if finishReason == "content_filter" {
      // The provider's filter withheld (part of) the answer: what is left is not the model's answer.
      throw .refused("finish_reason content_filter (the provider's content filter withheld the answer)")
    }
    // A refusal is a non-empty text; `null`, `""` or only whitespace is none.
    if let refusal = message["refusal"], refusal != .null,
      refusal.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty != true
    {
      throw .refused("message.refusal\(AnthropicProvider.quoted(refusal.stringValue ?? refusal.encodedString()))")
    }
    guard let content = message["content"]?.stringValue else {
      throw .malformedResponse("choices[0].message.content is missing (finish_reason \(finishReason))")
    }
    let text = Self.strippingCodeFence(content)
    guard let answer = try? JSONValue.parse(text) else {
      throw .malformedResponse("choices[0].message.content is not valid JSON\(AnthropicProvider.quoted(content))")
    }
    guard answer.objectValue != nil else {
      throw .malformedResponse("choices[0].message.content is not a JSON object\(AnthropicProvider.quoted(content))")
    }
    let usage = completion["usage"]
    return LLMResponse(
      answer: answer,
      rawText: content,
      model: ReplyChecks.modelName(completion["model"]?.stringValue ?? model),
      promptTokens: try ReplyChecks.tokenCount(usage?["prompt_tokens"], field: "usage.prompt_tokens"),
      completionTokens: try ReplyChecks.tokenCount(usage?["completion_tokens"], field: "usage.completion_tokens"))
  }

  /// "```json\n{...}\n```" → "{...}"; anything else unchanged (trimmed).
  static func strippingCodeFence(_ text: String) -> String {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count >= 6 else { return trimmed }
    var inner = trimmed.dropFirst(3).dropLast(3)
    if let newline = inner.firstIndex(of: "\n") { inner = inner[inner.index(after: newline)...] }
    return inner.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
