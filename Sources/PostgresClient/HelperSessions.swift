// The extra sessions of parallel work (ingest --jobs, seed scale --sessions, refresh --jobs):
// threads that each open their own connection and run the same work as the calling thread.
import Dispatch
import Foundation

/// Starts `count` threads (none when `open` is nil), each running `work` on its own
/// connection from `open`, closed when the work returns; a thread's error goes to `failed`.
/// Wait on the group returned.
public func startHelperSessions(
  _ count: Int, open: (@Sendable () throws -> Connection)?, failed: @escaping @Sendable (any Error) -> Void,
  work: @escaping @Sendable (Connection) throws -> Void
) -> DispatchGroup {
  let group = DispatchGroup()
  guard let open else { return group }
  for _ in 0..<max(0, count) {
    group.enter()
    Thread.detachNewThread {
      defer { group.leave() }
      do {
        let session = try open()
        defer { session.close() }
        try work(session)
      } catch {
        failed(error)
      }
    }
  }
  return group
}
