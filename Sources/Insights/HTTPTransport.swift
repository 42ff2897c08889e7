// HTTPTransport: POST with retries, backoff, Retry-After, a per-request timeout and an overall
// deadline, over Foundation's URLSession without ever cancelling a URLSession task.
import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// When and how often a provider retries.
///
/// Retryable: HTTP 408, 429, 500-599 (which includes Anthropic's 529 "overloaded"), a request
/// that timed out, and a connection that failed. Everything else fails at once.
/// Before attempt *n + 1* the transport waits what the server asked for (`retry-after-ms`, then
/// `Retry-After` in seconds or as an HTTP date), otherwise `baseDelay x 2^(n-1)` capped at
/// `maxDelay`, spread by `jitter`. It never waits past the overall deadline: when the next
/// attempt could not start before it, it gives up with the last failure.
public struct RetryPolicy: Sendable, Hashable {
  /// Requests in total, the first included (at least 1).
  public var maxAttempts: Int
  public var baseDelay: Duration
  /// Caps the computed backoff; a server's Retry-After is honoured as given (within the deadline).
  public var maxDelay: Duration
  /// 0 ... 1: each computed backoff is multiplied by a random factor in `1 ± jitter`.
  public var jitter: Double

  public init(maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30), jitter: Double = 0.2) {
    self.maxAttempts = max(1, maxAttempts)
    self.baseDelay = baseDelay
    self.maxDelay = maxDelay
    self.jitter = min(1, max(0, jitter))
  }

  /// 408, 429, 500-599 (529 included).
  public static func isRetryable(status: Int) -> Bool {
    status == 408 || status == 429 || (500...599).contains(status)
  }

  /// The computed wait after failed attempt `attempt` (1-based). `unit` is a random number in
  /// -1 ... 1 (tests pass a fixed one).
  public func backoff(afterAttempt attempt: Int, unit: Double = Double.random(in: -1...1)) -> Duration {
    let exponent = min(max(attempt - 1, 0), 30)
    let base = baseDelay.seconds * pow(2, Double(exponent))
    let capped = min(base, maxDelay.seconds)
    let spread = capped * (1 + jitter * min(1, max(-1, unit)))
    return .seconds(max(0, spread))
  }

  /// The wait a server asked for: `retry-after-ms` (milliseconds, OpenAI), else `Retry-After`
  /// as delay-seconds (`"1"`, `"2.5"`) or an HTTP date (IMF-fixdate, RFC 850 or asctime; a date
  /// in the past means 0). `headers` keys are matched case-insensitively. Nil when absent or
  /// unreadable.
  ///
  /// A wait longer than ``maxServerDelay`` (a day) is answered as exactly that: longer than any
  /// deadline, so the transport gives up at once, without converting a huge number (`1e300`)
  /// into a `Duration`, which would trap.
  public static func serverDelay(headers: [String: String], now: Date = Date()) -> Duration? {
    var lowered: [String: String] = [:]
    for (name, value) in headers { lowered[name.lowercased()] = value.trimmingCharacters(in: .whitespaces) }
    if let text = lowered["retry-after-ms"], let milliseconds = Double(text), milliseconds.isFinite, milliseconds >= 0 {
      return clamped(seconds: milliseconds / 1000)
    }
    guard let text = lowered["retry-after"], !text.isEmpty else { return nil }
    if let seconds = Double(text), seconds.isFinite {
      return seconds >= 0 ? clamped(seconds: seconds) : nil
    }
    guard let date = parseHTTPDate(text) else { return nil }
    return clamped(seconds: max(0, date.timeIntervalSince(now)))
  }

  /// The longest wait a server's Retry-After is taken as (a day): past every deadline.
  public static let maxServerDelay = Duration.seconds(86_400)

  /// `seconds` (finite, not negative) as a Duration, at most ``maxServerDelay``.
  static func clamped(seconds: Double) -> Duration {
    seconds < maxServerDelay.seconds ? .seconds(seconds) : maxServerDelay
  }

  static func parseHTTPDate(_ text: String) -> Date? {
    for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.timeZone = TimeZone(identifier: "GMT")
      formatter.dateFormat = format
      let normalized = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
      if let date = formatter.date(from: normalized) { return date }
    }
    return nil
  }
}

/// Timeouts and retries of one provider.
public struct TransportOptions: Sendable, Hashable {
  /// One request: from sending it to the last byte of the reply.
  public var requestTimeout: Duration
  /// The whole call: every attempt and every wait between them.
  public var deadline: Duration
  public var retry: RetryPolicy

  public init(requestTimeout: Duration = .seconds(60), deadline: Duration = .seconds(180), retry: RetryPolicy = RetryPolicy()) {
    self.requestTimeout = requestTimeout
    self.deadline = deadline
    self.retry = retry
  }
}

/// A successful (2xx) reply.
struct HTTPReply: Sendable {
  var status: Int
  var headers: [String: String]
  var body: Data
}

/// Sends POST requests for a provider.
///
/// Timeouts are enforced without cancelling URLSession tasks: on Linux, Foundation treats a
/// request's timeout as an idle timeout, and cancelling a task mid-response can deadlock
/// (Swift 6.3). Each attempt races the task's reply (read through the session's data delegate,
/// chunk by chunk, within the size limits) against a timer; whichever comes first answers, and a
/// task that lost the race is left to finish on its own, its bytes dropped as they arrive
/// (URLSession's own timeouts, set a second or so past ours, end it if the server stays silent
/// or keeps sending). The caller's cancellation is honoured the same way: the call returns
/// ``LLMError/cancelled`` at once and the task is left alone.
struct HTTPTransport: Sendable {
  let options: TransportOptions
  private let owner: SessionOwner
  var session: URLSession { owner.session }
  /// Blanked out of everything that reaches an error. Kept as ``APIKey``s so that describing
  /// or dumping a transport (or a provider) never shows them.
  let secrets: [APIKey]

  /// URLSession's own (idle) timeout, in whole seconds: a backstop that ends an abandoned task
  /// soon after the race gave up on it, set past the request timeout so that it never decides
  /// an attempt itself. (Foundation on Linux truncates these intervals to whole seconds; below
  /// 1 s a task times out at once.)
  let sessionTimeout: TimeInterval

  /// The largest 2xx body parsed (4 MiB): a reply of 4,096 tokens is a few tens of KB, and
  /// parsing whatever size a server sends would let it hold the run's memory and CPU.
  static let maxReplyBytes = 4 << 20
  /// The most of an error body read for its excerpt (64 KiB).
  static let maxErrorBytes = 64 << 10

  init(options: TransportOptions, secrets: [APIKey]) {
    self.options = options
    self.secrets = secrets.filter { !$0.reveal().isEmpty }
    sessionTimeout = max(1, options.requestTimeout.seconds.rounded(.up)) + 1
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = sessionTimeout
    configuration.timeoutIntervalForResource = sessionTimeout + 5
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    // Redirects are never followed: URLSession would resend the request, API key header
    // included, to whatever server the Location names (a 3xx is answered below instead).
    let delegate = SessionDelegate()
    owner = SessionOwner(URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil), delegate: delegate)
  }

  /// POSTs `body` to `url` until a 2xx reply, a non-retryable failure, the last attempt or the deadline.
  func post(_ url: URL, headers: [String: String], body: Data) async throws(LLMError) -> HTTPReply {
    let host = Self.hostDescription(url)
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: options.deadline)
    var attempt = 0
    while true {
      attempt += 1
      let remaining = clock.now.duration(to: deadline)
      if remaining <= .zero {
        throw .timeout(seconds: options.deadline.seconds, attempts: attempt - 1, host: host, deadline: true)
      }
      let limitedByDeadline = remaining < options.requestTimeout
      let timeout = min(remaining, options.requestTimeout)

      var request = URLRequest(url: url)
      request.httpMethod = "POST"
      request.timeoutInterval = sessionTimeout
      for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
      // No compression: the size limits count the bytes as received, which are then the bytes
      // parsed (a few KB of gzip can inflate to gigabytes). A server that compresses anyway is
      // still counted as decoded, chunk by chunk.
      request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
      request.httpBody = body

      let failure: Failure
      switch await send(request, timeout: timeout) {
      case .cancelled:
        throw .cancelled
      case .timedOut:
        if limitedByDeadline {
          throw .timeout(seconds: options.deadline.seconds, attempts: attempt, host: host, deadline: true)
        }
        failure = .timeout
      case .failed(let reason, let timedOut):
        if timedOut, limitedByDeadline {
          throw .timeout(seconds: options.deadline.seconds, attempts: attempt, host: host, deadline: true)
        }
        failure = timedOut ? .timeout : .transport(redact(reason))
      case .tooLarge(let declared):
        let size = declared.map { "\($0) bytes" } ?? "more than \(Self.maxReplyBytes) bytes"
        throw .malformedResponse(
          "the reply from \(host) is \(size), over the limit of \(Self.maxReplyBytes) (an answer of at most 4,096 tokens is far smaller); not parsed")
      case .reply(let reply):
        if (200..<300).contains(reply.status) {
          return reply
        }
        if (300..<400).contains(reply.status) {
          let target = reply.headers["location"].flatMap { Self.locationHost($0, from: url) }.map(redact)
          throw .redirected(status: reply.status, to: target, host: host)
        }
        let excerpt = bodyExcerpt(reply.body)
        guard RetryPolicy.isRetryable(status: reply.status) else {
          throw .http(status: reply.status, bodyExcerpt: excerpt, host: host)
        }
        failure = .status(reply.status, excerpt, RetryPolicy.serverDelay(headers: reply.headers))
      }

      let giveUp = exhausted(failure, attempts: attempt, host: host)
      guard attempt < options.retry.maxAttempts else { throw giveUp }
      let wait: Duration
      if case .status(_, _, let serverDelay?) = failure {
        wait = serverDelay
      } else {
        wait = options.retry.backoff(afterAttempt: attempt)
      }
      guard clock.now.advanced(by: wait) < deadline else { throw giveUp }
      do {
        try await Task.sleep(for: wait)
      } catch {
        throw .cancelled
      }
    }
  }

  private enum Failure {
    case status(Int, String, Duration?)
    case timeout
    case transport(String)
  }

  private func exhausted(_ failure: Failure, attempts: Int, host: String) -> LLMError {
    switch failure {
    case .status(let status, let excerpt, _):
      .retriesExhausted(lastStatus: status, attempts: attempts, host: host, bodyExcerpt: excerpt)
    case .timeout:
      .timeout(seconds: options.requestTimeout.seconds, attempts: attempts, host: host, deadline: false)
    case .transport(let reason):
      .transport(reason, attempts: attempts, host: host)
    }
  }

  enum Outcome: Sendable {
    case reply(HTTPReply)
    /// A 2xx reply over ``HTTPTransport/maxReplyBytes``: its declared size (Content-Length)
    /// when it said one, else nil (it was cut off when the count passed the limit).
    case tooLarge(Int?)
    case failed(String, timedOut: Bool)
    case timedOut
    case cancelled
  }

  /// One attempt: the URLSession task raced against a timer and the caller's cancellation.
  /// The task is never cancelled.
  ///
  /// The body is read chunk by chunk (``ReplyCollector``), counted as it arrives: a 2xx reply
  /// answers ``Outcome/tooLarge(_:)`` as soon as it declares or reaches more than
  /// ``maxReplyBytes``, an error reply answers with its first ``maxErrorBytes``; the rest of
  /// either is dropped as it arrives, never held, while the abandoned task runs out.
  func send(_ request: URLRequest, timeout: Duration) async -> Outcome {
    let gate = OneShot<Outcome>()
    let timer = Task {
      do {
        try await Task.sleep(for: timeout)
      } catch {
        return
      }
      gate.resume(.timedOut)
    }
    defer { timer.cancel() }
    let task = session.dataTask(with: request)
    owner.delegate.register(
      ReplyCollector(gate: gate, maxReplyBytes: Self.maxReplyBytes, maxErrorBytes: Self.maxErrorBytes), for: task)
    task.resume()
    return await withTaskCancellationHandler {
      await gate.value()
    } onCancel: {
      gate.resume(.cancelled)
    }
  }

  /// What the server said, short and without secrets: `type: message` from a JSON error body
  /// (`{"error": {"type", "message"}}`, as Anthropic and OpenAI send), else the body's text,
  /// whitespace collapsed, at most 300 characters.
  func bodyExcerpt(_ body: Data) -> String {
    let body = body.prefix(Self.maxErrorBytes)
    var text: String
    if let json = try? JSONValue.parse(body), let error = json["error"] {
      if let message = error["message"]?.stringValue {
        let type = error["type"]?.stringValue ?? error["code"]?.stringValue
        text = type.map { "\($0): \(message)" } ?? message
      } else if let message = error.stringValue {
        text = message
      } else {
        text = String(decoding: body, as: UTF8.self)
      }
    } else {
      text = String(decoding: body, as: UTF8.self)
    }
    text = redact(text)
    text = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    if text.count > 300 { text = String(text.prefix(300)) + "…" }
    return text
  }

  /// `text` without the keys: in any letter case, and no part of one of 8 or more characters
  /// (``SecretScrubber/scrubKeys(_:)``).
  func redact(_ text: String) -> String {
    SecretScrubber(secrets: secrets).scrubKeys(text)
  }

  /// `host` or `host:port`: never user info, path or query.
  static func hostDescription(_ url: URL) -> String {
    let host = url.host ?? "the LLM server"
    return url.port.map { "\(host):\($0)" } ?? host
  }

  /// The host a redirect's Location names (relative to `base`), as `hostDescription` gives
  /// it; nil when it names none.
  static func locationHost(_ location: String, from base: URL) -> String? {
    guard let target = URL(string: location, relativeTo: base)?.absoluteURL, target.host != nil else { return nil }
    return hostDescription(target)
  }
}

/// The session's delegate: refuses every HTTP redirect, so that a request (and its API key)
/// goes to the configured server only (the 3xx reply itself is the answer), and hands each
/// task's response and body chunks to that task's ``ReplyCollector``.
final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
  private let lock = NSLock()
  private var collectors: [Int: ReplyCollector] = [:]

  /// Call before resuming `task`.
  func register(_ collector: ReplyCollector, for task: URLSessionTask) {
    lock.lock()
    collectors[task.taskIdentifier] = collector
    lock.unlock()
  }

  private func collector(_ task: URLSessionTask, remove: Bool = false) -> ReplyCollector? {
    lock.lock()
    defer { lock.unlock() }
    return remove ? collectors.removeValue(forKey: task.taskIdentifier) : collectors[task.taskIdentifier]
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }

  func urlSession(
    _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
  ) {
    collector(dataTask)?.received(response)
    completionHandler(.allow)
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    collector(dataTask)?.received(data, response: dataTask.response)
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
    collector(task, remove: true)?.completed(error: error, response: task.response)
  }
}

/// One attempt's reply, as it arrives: keeps at most the limit of its kind (2xx or error) and
/// answers the attempt's gate as soon as the answer is known.
final class ReplyCollector: @unchecked Sendable {
  private let lock = NSLock()
  private let gate: OneShot<HTTPTransport.Outcome>
  private let maxReplyBytes: Int
  private let maxErrorBytes: Int
  private var status: Int?
  private var headers: [String: String] = [:]
  private var body = Data()
  /// The answer went (too large, or an error reply's excerpt is full): later bytes are dropped.
  private var answered = false

  init(gate: OneShot<HTTPTransport.Outcome>, maxReplyBytes: Int, maxErrorBytes: Int) {
    self.gate = gate
    self.maxReplyBytes = maxReplyBytes
    self.maxErrorBytes = maxErrorBytes
  }

  func received(_ response: URLResponse) {
    lock.lock()
    let outcome = start(response)
    lock.unlock()
    if let outcome { gate.resume(outcome) }
  }

  func received(_ data: Data, response: URLResponse?) {
    lock.lock()
    var outcome: HTTPTransport.Outcome?
    if status == nil, let response { outcome = start(response) }
    if outcome == nil, !answered, let status {
      let limit = (200..<300).contains(status) ? maxReplyBytes : maxErrorBytes
      if body.count + data.count <= limit {
        body.append(data)
      } else if (200..<300).contains(status) {
        answered = true
        body = Data()
        outcome = .tooLarge(nil)
      } else {
        answered = true
        body.append(data.prefix(limit - body.count))
        outcome = .reply(HTTPReply(status: status, headers: headers, body: body))
      }
    }
    lock.unlock()
    if let outcome { gate.resume(outcome) }
  }

  func completed(error: (any Error)?, response: URLResponse?) {
    if let error {
      let timedOut = (error as? URLError)?.code == .timedOut
      gate.resume(.failed(error.localizedDescription, timedOut: timedOut))
      return
    }
    lock.lock()
    var outcome: HTTPTransport.Outcome?
    if status == nil, let response { outcome = start(response) }
    if outcome == nil {
      if let status {
        outcome = .reply(HTTPReply(status: status, headers: headers, body: body))
      } else {
        outcome = .failed("the reply is not HTTP", timedOut: false)
      }
    }
    lock.unlock()
    if let outcome { gate.resume(outcome) }
  }

  /// Records the status and headers (once); a 2xx reply that declares more than the limit is
  /// answered at once. Called with the lock held.
  private func start(_ response: URLResponse) -> HTTPTransport.Outcome? {
    guard status == nil, let http = response as? HTTPURLResponse else { return nil }
    status = http.statusCode
    for (name, value) in http.allHeaderFields {
      if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
    }
    if (200..<300).contains(http.statusCode), let declared = headers["content-length"].flatMap({ Int($0) }),
      declared > maxReplyBytes
    {
      answered = true
      return .tooLarge(declared)
    }
    return nil
  }
}

/// Owns a provider's URLSession and invalidates it when the last copy of the provider goes,
/// letting tasks still running (abandoned attempts) finish first.
final class SessionOwner: Sendable {
  let session: URLSession
  let delegate: SessionDelegate
  init(_ session: URLSession, delegate: SessionDelegate) {
    self.session = session
    self.delegate = delegate
  }
  deinit { session.finishTasksAndInvalidate() }
}

/// A value delivered once: the first `resume` wins, later ones are ignored; `value()` waits for
/// it (or returns it at once if it already came).
final class OneShot<Value: Sendable>: @unchecked Sendable {
  private enum State {
    case empty
    case waiting(CheckedContinuation<Value, Never>)
    case ready(Value)
    case delivered
  }

  private let lock = NSLock()
  private var state = State.empty

  func resume(_ value: Value) {
    lock.lock()
    switch state {
    case .empty:
      state = .ready(value)
      lock.unlock()
    case .waiting(let continuation):
      state = .delivered
      lock.unlock()
      continuation.resume(returning: value)
    case .ready, .delivered:
      lock.unlock()
    }
  }

  func value() async -> Value {
    await withCheckedContinuation { continuation in
      lock.lock()
      switch state {
      case .empty:
        state = .waiting(continuation)
        lock.unlock()
      case .ready(let value):
        state = .delivered
        lock.unlock()
        continuation.resume(returning: value)
      case .waiting, .delivered:
        lock.unlock()
        preconditionFailure("OneShot.value() awaited twice")
      }
    }
  }
}

extension Duration {
  /// The duration in seconds, fractions included.
  var seconds: Double {
    let parts = components
    return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
  }
}
