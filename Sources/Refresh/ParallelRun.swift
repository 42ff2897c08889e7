// `audiencectl refresh --jobs N`: the steps of private.refresh_plan in its groups, one group
// after the other, the steps of a group at once in N sessions. Each step is the same
// procedure as in a sequential run (private.run_refresh_step: logged, committed, a failing
// step logged and the run going on); the first session holds the run's locks
// (private.begin_refresh) and runs steps too.
import Foundation
import PostgresClient

struct ParallelRun: Sendable {
  var runId: Int
  var jobs: Int
  var openSession: @Sendable () throws -> Connection

  /// One step of the plan.
  struct Step: Sendable {
    var group: [Int]
    var name: String
    var sql: String
  }

  /// Runs every step; throws the error of a session that lost its connection or had its
  /// statement cancelled (the other sessions finish their step, no step starts after it).
  func run(_ connection: Connection, waitSeconds: Int, viewsMaxAge: String) throws {
    try connection.execute("select private.begin_refresh(\(runId)::bigint, \(waitSeconds)::int)")
    defer { _ = try? connection.execute("select private.end_refresh()") }
    // Within a group, the steps that took longest in their last logged run start first.
    let steps = try connection.query(
      """
      select p.phase, p.level, p.step, p.sql
      from private.refresh_plan(\(unsafeSQL: viewsMaxAge)) as p
      left join (select distinct on (l.step) l.step, l.duration_ms
                 from private.refresh_log as l
                 where l.id > (select pg_catalog.max(m.id) - 2000 from private.refresh_log as m) and l.duration_ms is not null
                 order by l.step, l.id desc) as d on d.step = p.step
      order by p.phase, p.level, d.duration_ms desc nulls first, p.step
      """
    ).rows.map { row in
      Step(group: [try row.decode("phase"), try row.decode("level")], name: try row.decode("step"), sql: try row.decode("sql"))
    }
    let queue = StepQueue(steps)
    let runId = runId
    let helpers = startHelperSessions(
      jobs - 1,
      open: { [openSession] in
        let session = try openSession()
        try Self.prepare(session)
        return session
      },
      failed: { queue.fail(nil, $0) }
    ) { session in
      Self.work(queue, runId: runId, on: session)
    }
    Self.work(queue, runId: runId, on: connection)
    helpers.wait()
    if let (step, error) = queue.failure {
      if let error = error as? PostgresError, error.isConnectionLoss {
        throw Refresher.interrupted(runId: runId, step: step, error: error, cause: "the server connection was lost")
      }
      if let error = error as? PostgresError, error.code == .queryCanceled {
        throw Refresher.interrupted(
          runId: runId, step: step, error: error, cause: "the statement was cancelled (pg_cancel_backend, or a timeout)")
      }
      throw error
    }
  }

  /// A helper session set up as the first one is: its own session (no transaction pooler),
  /// stopped on the server when this process dies, no statement_timeout.
  static func prepare(_ session: Connection) throws {
    try session.requireOwnSession(for: "refresh")
    try session.abortWhenClientGone()
    try session.execute("set statement_timeout = 0")
  }

  /// Runs the steps the queue hands out until it has none left or a step's session failed.
  static func work(_ queue: StepQueue, runId: Int, on session: Connection) {
    while let step = queue.next() {
      do {
        try session.execute("call private.run_refresh_step(\(runId)::bigint, \(step.name), \(step.sql))")
        queue.finished()
      } catch {
        queue.fail(step.name, error)
        return
      }
    }
  }
}

/// The steps of a run, handed out group by group: a group's steps once every step of the
/// group before it has finished. After a failure, none.
final class StepQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private var waiting: [ParallelRun.Step]
  private var running = 0
  private var group: [Int]?
  private var firstFailure: (step: String?, error: any Error)?

  /// The first failure (nil: none).
  var failure: (step: String?, error: any Error)? {
    condition.lock()
    defer { condition.unlock() }
    return firstFailure
  }

  init(_ steps: [ParallelRun.Step]) { waiting = steps }

  func next() -> ParallelRun.Step? {
    condition.lock()
    defer { condition.unlock() }
    while firstFailure == nil, let step = waiting.first {
      if step.group == group || running == 0 {
        group = step.group
        waiting.removeFirst()
        running += 1
        return step
      }
      condition.wait()
    }
    return nil
  }

  func finished() {
    condition.lock()
    running -= 1
    condition.broadcast()
    condition.unlock()
  }

  /// A step (nil: a session before its first step) that ended its session's work.
  func fail(_ step: String?, _ error: any Error) {
    condition.lock()
    if firstFailure == nil { firstFailure = (step, error) }
    if step != nil { running -= 1 }
    condition.broadcast()
    condition.unlock()
  }
}
