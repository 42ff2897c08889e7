// A query run on a connection of its own in a background thread, for the tests of what
// waits for what (a step that must wait for another transaction's lock).
import Foundation
import PostgresClient
import TestSupport

final class ThreadResult: @unchecked Sendable {
  private let lock = NSLock()
  private var value: Result<Int, any Error>?
  func set(_ result: Result<Int, any Error>) { lock.lock(); value = result; lock.unlock() }
  func get() -> Result<Int, any Error>? { lock.lock(); defer { lock.unlock() }; return value }
}

struct BackgroundQuery: Sendable {
  let result = ThreadResult()
  let done = DispatchSemaphore(value: 0)

  /// Starts `sql` (one integer, -1 when NULL) on a new connection to `db`.
  init(_ db: TestDatabase, _ sql: SQL) {
    let result = self.result
    let done = self.done
    Thread.detachNewThread {
      result.set(Result { try db.connect().scalar(sql, as: Int.self) ?? -1 })
      done.signal()
    }
  }

  /// Whether, within five seconds, some session waits for a lock while running a query that
  /// contains `fragment`.
  static func lockWaitSeen(_ connection: Connection, queryContaining fragment: String) throws -> Bool {
    for _ in 0..<50 {
      Thread.sleep(forTimeInterval: 0.1)
      if try connection.scalar(
        "select exists (select 1 from pg_stat_activity where wait_event_type = 'Lock' and strpos(query, \(fragment)) > 0)",
        as: Bool.self) == true
      {
        return true
      }
    }
    return false
  }

  /// The query's integer once it finished (nil after 30 s).
  func value() throws -> Int? {
    guard done.wait(timeout: .now() + 30) == .success else { return nil }
    return try result.get()?.get()
  }
}
