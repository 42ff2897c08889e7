// RetryPolicy: which statuses retry, the backoff, and Retry-After in its three forms.
import Foundation
import Insights
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
  @Test("408, 429, 5xx and 529 are retried; other statuses are not")
  func retryableStatuses() {
    #expect([408, 429, 500, 502, 503, 504, 529, 599].allSatisfy(RetryPolicy.isRetryable(status:)))
    #expect(![200, 400, 401, 403, 404, 409, 413, 422, 600].contains(where: RetryPolicy.isRetryable(status:)))
  }

  @Test("exponential backoff from the base delay, capped, spread by jitter")
  func backoff() {
    let policy = RetryPolicy(maxAttempts: 8, baseDelay: .seconds(1), maxDelay: .seconds(30), jitter: 0)
    #expect((1...7).map { policy.backoff(afterAttempt: $0, unit: 0.7) } == [1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
    let jittered = RetryPolicy(baseDelay: .seconds(1), jitter: 0.2)
    #expect(jittered.backoff(afterAttempt: 2, unit: 1) == .seconds(2.4))
    #expect(jittered.backoff(afterAttempt: 2, unit: -1) == .seconds(1.6))
    #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
  }

  @Test("Retry-After as seconds, as an HTTP date (three formats), and retry-after-ms first")
  func serverDelay() throws {
    let now = try #require(RetryPolicy.parseDateForTests("Sun, 06 Nov 1994 08:49:37 GMT"))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "1"], now: now) == .seconds(1))
    #expect(RetryPolicy.serverDelay(headers: ["retry-after": " 2.5 "], now: now) == .seconds(2.5))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "Sun, 06 Nov 1994 08:49:42 GMT"], now: now) == .seconds(5))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "Sunday, 06-Nov-94 08:49:47 GMT"], now: now) == .seconds(10))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "Sun Nov  6 08:49:57 1994"], now: now) == .seconds(20))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "Sun, 06 Nov 1994 08:00:00 GMT"], now: now) == .zero)
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "1", "retry-after-ms": "250"], now: now) == .milliseconds(250))
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "soon"], now: now) == nil)
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "-3"], now: now) == nil)
    #expect(RetryPolicy.serverDelay(headers: ["Retry-After": "inf"], now: now) == nil)
    #expect(RetryPolicy.serverDelay(headers: [:], now: now) == nil)
  }
}

extension RetryPolicy {
  static func parseDateForTests(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
    return formatter.date(from: text)
  }
}
