// LLMError: why an LLM provider gave no usable answer, in words an operator can act on.
import Foundation

/// A provider failure. The run that hits one is recorded as failed and nothing is stored.
///
/// Messages name the host, the status and what the server said (an excerpt of its body with
/// any API key blanked out); they never contain a key.
public struct LLMError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong; extensible, compare with the `static let`s.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A non-retryable HTTP status (400, 401, 403, 404, 422, ...).
    public static let http = Code("http")
    /// No complete answer within the request timeout or the overall deadline.
    public static let timeout = Code("timeout")
    /// The model stopped at its token limit (`max_tokens` / `length`): the answer is cut off.
    public static let truncated = Code("truncated")
    /// The model declined to answer, or answered without the structured output asked for.
    public static let refused = Code("refused")
    /// The reply is not in the provider's wire format, or the answer is not the JSON asked for.
    public static let malformedResponse = Code("malformed_response")
    /// A retryable status (408, 429, 5xx, 529) on every attempt.
    public static let retriesExhausted = Code("retries_exhausted")
    /// The server could not be reached (connection refused, DNS, TLS) on every attempt.
    public static let transport = Code("transport")
    /// The caller's task was cancelled.
    public static let cancelled = Code("cancelled")
  }

  public var code: Code
  /// The whole operator-facing message.
  public var message: String
  /// The last HTTP status seen, for `.http` and `.retriesExhausted`.
  public var status: Int?
  /// How many requests were sent, where it matters (`.retriesExhausted`, `.timeout`, `.transport`).
  public var attempts: Int?

  public init(code: Code, message: String, status: Int? = nil, attempts: Int? = nil) {
    self.code = code
    self.message = message
    self.status = status
    self.attempts = attempts
  }

  public var description: String { message }

  /// A non-retryable status. `bodyExcerpt` is what the server said, already redacted.
  public static func http(status: Int, bodyExcerpt: String, host: String) -> LLMError {
    let said = bodyExcerpt.isEmpty ? "" : ": \(bodyExcerpt)"
    return LLMError(code: .http, message: "HTTP \(status) from \(host)\(said)", status: status)
  }

  public static func timeout(seconds: Double, attempts: Int, host: String, deadline: Bool) -> LLMError {
    let what = deadline ? "the overall deadline of" : "the request timeout of"
    return LLMError(
      code: .timeout,
      message: "timed out: no complete answer from \(host) within \(what) \(formatSeconds(seconds)) (\(count(attempts)))",
      attempts: attempts)
  }

  public static func truncated(limit: Int, stopReason: String) -> LLMError {
    LLMError(
      code: .truncated,
      message: "the answer was cut off at the \(limit)-token limit (\(stopReason)); nothing from it is used")
  }

  public static func refused(_ detail: String) -> LLMError {
    LLMError(code: .refused, message: "the model refused to answer: \(detail)")
  }

  public static func malformedResponse(_ reason: String) -> LLMError {
    LLMError(code: .malformedResponse, message: "malformed response: \(reason)")
  }

  /// A 3xx reply: never followed, since the request carries the API key.
  public static func redirected(status: Int, to target: String?, host: String) -> LLMError {
    let towards = target.map { " to \($0)" } ?? ""
    return LLMError(
      code: .http,
      message: "HTTP \(status) from \(host): a redirect\(towards), not followed (requests and their API key go only to the configured base URL; configure the URL the server redirects to)",
      status: status)
  }

  public static func retriesExhausted(lastStatus: Int, attempts: Int, host: String, bodyExcerpt: String = "")
    -> LLMError
  {
    let said = bodyExcerpt.isEmpty ? "" : ": \(bodyExcerpt)"
    return LLMError(
      code: .retriesExhausted,
      message: "gave up after \(count(attempts)): HTTP \(lastStatus) from \(host)\(said)",
      status: lastStatus, attempts: attempts)
  }

  public static func transport(_ reason: String, attempts: Int, host: String) -> LLMError {
    LLMError(code: .transport, message: "could not reach \(host) (\(count(attempts))): \(reason)", attempts: attempts)
  }

  public static let cancelled = LLMError(code: .cancelled, message: "cancelled before the LLM provider answered")

  /// `1 attempt`, `3 attempts`.
  static func count(_ attempts: Int) -> String { attempts == 1 ? "1 attempt" : "\(attempts) attempts" }

  /// `1.5 s`, `2 s`, `0.25 s`.
  static func formatSeconds(_ seconds: Double) -> String {
    var text = String(format: "%.3f", seconds)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return "\(text) s"
  }
}
