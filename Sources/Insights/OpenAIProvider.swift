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
/// some local models add, is removed first). `finish_reason` `length` is a truncated answer and
/// a non-null `message.refusal` a refusal: both fail the call. Without a key no
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
    return try parse(reply.body)
  }

  /// Reads a chat completion.
  func parse(_ body: Data) throws(LLMError) -> LLMResponse {
    guard let completion = try? JSONValue.parse(body), completion.objectValue != nil else {
      throw .malformedResponse("the reply from \(HTTPTransport.hostDescription(baseURL)) is not a JSON object")
    }
    guard let choice = completion["choices"]?.arrayValue?.first, let message = choice["message"] else {
      throw .malformedResponse("the reply has no choices[0].message")
    }
    let finishReason = choice["finish_reason"]?.stringValue ?? "none"
    if finishReason == "length" {
      throw .truncated(limit: maxTokens, stopReason: "finish_reason length")
    }
    if let refusal = message["refusal"], refusal != .null {
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
      model: completion["model"]?.stringValue ?? model,
      promptTokens: Int(usage?["prompt_tokens"]?.numberValue ?? 0),
      completionTokens: Int(usage?["completion_tokens"]?.numberValue ?? 0))
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
