// `audiencectl refresh --jobs N`: the steps of private.refresh_plan in its groups, one group
// after the other, the steps of a group at once in N sessions. Each step is the same
// procedure as in a sequential run (private.run_refresh_step: logged, committed, a failing
// step logged and the run going on); the first session holds the run's locks
// (private.begin_refresh) and runs steps too; the others join the run
// (private.join_refresh), so a step runs only while the first session holds the refresh lock.
// A session that cannot be opened (a pooler with every server session taken) leaves the run
// to the others: the run is not cut short for it, and the report says how many ran it.
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
  /// Returns what the report notes: the sessions that could not be opened.
  func run(_ connection: Connection, waitSeconds: Int, viewsMaxAge: String) throws -> [String] {
    try connection.execute("select private.begin_refresh(\(runId)::bigint, \(waitSeconds)::int)")
    defer { _ = try? connection.execute("select private.end_refresh(\(runId)::bigint)") }
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
    let unopened = Unopened()
    let helpers = startHelperSessions(
      jobs - 1,
      open: { [openSession] in
        let session = try openSession()
        do {
          try Self.prepare(session, runId: runId)
        } catch {
          session.close()
          throw error
        }
        return session
      },
      failed: { unopened.add($0) }
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
    let errors = unopened.errors
    guard let first = errors.first else { return [] }
    let reason = (first as? RefreshError)?.message ?? (first as? PostgresError)?.firstLine ?? String(describing: first)
    return ["\(errors.count) of the \(jobs - 1) extra sessions of --jobs \(jobs) could not be opened (\(reason)): "
      + "the run used \(jobs - errors.count) session\(jobs - errors.count == 1 ? "" : "s")"]
  }

  /// A helper session set up as the first one is: a server session of its own within 5 s
  /// (a session pooler with every session taken lets the connection log in, then keeps its
  /// first statement waiting: so the opener sends none, e.g. no DateStyle), no transaction
  /// pooler, stopped on the server when this process dies, no statement_timeout, the
  /// DateStyle of Connection; then it joins the run.
  static func prepare(_ session: Connection, runId: Int) throws {
    guard try session.query(unsafeText: "set datestyle to 'ISO, MDY'", within: 5) != nil else {
      throw RefreshError(message: "no server session within 5 s", hint: nil, lockTimeout: false)
    }
    try session.requireOwnSession(for: "refresh")
    try session.abortWhenClientGone()
    try session.execute("set statement_timeout = 0")
    try session.execute("select private.join_refresh(\(runId)::bigint)")
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
  private var firstFailure: (step: String, error: any Error)?

  /// The first failure (nil: none).
  var failure: (step: String, error: any Error)? {
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

  /// A step that ended its session's work (a session that could not be opened is no
  /// failure of the run: ParallelRun notes it).
  func fail(_ step: String, _ error: any Error) {
    condition.lock()
    if firstFailure == nil { firstFailure = (step, error) }
    running -= 1
    condition.broadcast()
    condition.unlock()
  }
}

/// The errors of the sessions that could not be opened.
final class Unopened: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [any Error] = []
  var errors: [any Error] { lock.withLock { list } }
  func add(_ error: any Error) { lock.withLock { list.append(error) } }
}
