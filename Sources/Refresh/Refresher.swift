// `audiencectl refresh` and `schedule install`: the refresh itself is the SQL procedure
// private.run_refresh (steps committed and logged one by one), so the nightly pg_cron job
// and this command do exactly the same thing; Swift calls it and reads its log.
import Foundation
import PostgresClient

/// One logged refresh step.
public struct RefreshStep: Sendable, Equatable, Codable {
  public var step: String
  public var durationMs: Int?
  public var error: String?
}

/// What a refresh run did.
public struct RefreshReport: Sendable, Equatable, Codable {
  public var runId: Int
  public var steps: [RefreshStep]
  public var durationMs: Int
  /// What the run did differently from what was asked (e.g. fewer sessions than --jobs).
  public var notes: [String] = []
  public var failed: Bool { steps.contains { $0.error != nil || $0.durationMs == nil } }

  public var rendered: String {
    var lines = ["refresh run \(runId):"]
    let width = max(24, steps.map(\.step.count).max() ?? 0)
    for step in steps {
      let name = step.step.padding(toLength: width, withPad: " ", startingAt: 0)
      if let error = step.error {
        lines.append("  FAIL \(name) \(step.durationMs ?? 0) ms  \(error)")
      } else {
        lines.append("  ok   \(name) \(step.durationMs.map { "\($0) ms" } ?? "did not finish")")
      }
    }
    lines += notes.map { "  note: \($0)" }
    let failures = steps.filter { $0.error != nil }.count
    lines.append(
      failed
        ? "refresh FAILED: \(failures) of \(steps.count) steps failed (see private.refresh_log, run \(runId))"
        : "refreshed \(steps.count) steps in \(durationMs) ms")
    return lines.joined(separator: "\n")
  }
}

/// A refresh that could not run at all.
public struct RefreshError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var hint: String?
  public var lockTimeout: Bool
  public var description: String { "error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "") }
}

public struct Refresher: Sendable {
  public init() {}

  /// Runs private.run_refresh on `connection` (which must not be inside a transaction).
  /// `viewsMaxAgeMinutes`: run_refresh's p_views_max_age (the cohorts view refreshed only
  /// when that old or a local week began since); nil refreshes every view.
  /// With `jobs` > 1 and `openSession`, the same steps in the same groups
  /// (private.refresh_plan), the steps of a group at once in `jobs` sessions (this one and
  /// `jobs` - 1 opened by `openSession`); `only` runs its one step in this session.
  public func refresh(
    _ connection: Connection, only: String?, waitSeconds: Int, viewsMaxAgeMinutes: Int? = nil, jobs: Int = 1,
    openSession: (@Sendable () throws -> Connection)? = nil
  ) throws -> RefreshReport {
    let started = ContinuousClock.now
    try connection.requireOwnSession(for: "refresh")
    guard try connection.scalar("select pg_catalog.to_regproc('private.run_refresh') is not null", as: Bool.self) == true else {
      throw RefreshError(
        message: "this database has no private.run_refresh procedure", hint: "run audiencectl migrate first", lockTimeout: false)
    }
    // A killed refresh stops on the server within a second, like migrate.
    try connection.abortWhenClientGone()
    defer { _ = try? connection.execute("reset client_connection_check_interval") }
    // Like migrate, no statement_timeout of the role, the database or PGOPTIONS: the run is
    // one CALL, so a timeout meant for API statements cut the whole run (15 s stopped a
    // refresh whose longest step took 3.6 s). Locks are bounded by --wait.
    try connection.execute("set statement_timeout = 0")
    defer { _ = try? connection.execute("reset statement_timeout") }
    let runId = try connection.scalar("select pg_catalog.nextval('private.refresh_run_id')::bigint", as: Int.self) ?? 0
    let maxAge = viewsMaxAgeMinutes.map { "interval '\($0) minutes'" } ?? "null"
    var notes: [String] = []
    do {
      _ = connection.takeNotices()
      if jobs > 1, only == nil, let openSession,
        try connection.scalar("select pg_catalog.to_regproc('private.refresh_plan') is not null", as: Bool.self) == true
      {
        notes = try ParallelRun(runId: runId, jobs: jobs, openSession: openSession)
          .run(connection, waitSeconds: waitSeconds, viewsMaxAge: maxAge)
      } else {
        try connection.execute("call private.run_refresh(\(runId)::bigint, \(only), \(waitSeconds)::int, \(unsafeSQL: maxAge))")
      }
      _ = connection.takeNotices()
    } catch let error as PostgresError where error.isConnectionLoss {
      throw Self.interrupted(runId: runId, error: error, notices: connection.takeNotices())
    } catch let error as PostgresError where error.code == .queryCanceled {
      throw Self.interrupted(runId: runId, error: error, notices: connection.takeNotices(), cause: "the statement was cancelled (pg_cancel_backend, or a timeout)")
    } catch let error as PostgresError where error.code == .lockNotAvailable {
      throw RefreshError(message: error.message, hint: error.hint, lockTimeout: true)
    } catch let error as PostgresError where error.code == .invalidParameterValue {
      throw RefreshError(message: error.message, hint: error.hint, lockTimeout: false)
    }
    let steps = try connection.query(
      "select step, duration_ms, error from private.refresh_log where run_id = \(runId) order by id"
    ).rows.map { row in
      RefreshStep(
        step: try row.decode("step"), durationMs: try row.decode("duration_ms", as: Int?.self),
        error: try row.decode("error", as: String?.self))
    }
    return RefreshReport(runId: runId, steps: steps, durationMs: started.duration(to: .now).milliseconds, notes: notes)
  }
}

extension Refresher {
  /// The error of a run cut off by a lost connection: the step that was running (from the
  /// notice run_refresh sends as each step starts) and what a rerun does.
  static func interrupted(
    runId: Int, error: PostgresError, notices: [Notice], cause: String = "the server connection was lost"
  ) -> RefreshError {
    let prefix = "refresh run \(runId) step "
    let step = notices.last { $0.message.hasPrefix(prefix) && $0.message.hasSuffix(": started") }.map {
      String($0.message.dropFirst(prefix.count).dropLast(": started".count))
    }
    return interrupted(runId: runId, step: step, error: error, cause: cause)
  }

  /// The same, for the step known to have been running (`step`; nil: before the first one).
  static func interrupted(runId: Int, step: String?, error: PostgresError, cause: String) -> RefreshError {
    let what = step.map { "while step \($0) was running" } ?? "before its first step"
    return RefreshError(
      message: "refresh run \(runId) stopped \(what): \(cause) (\(error.code.rawValue): \(error.firstLine))",
      hint: (step.map { "\($0) was rolled back; the steps before it stay committed. " } ?? "")
        + "Rerun audiencectl refresh when the server is back: it marks the interrupted step in private.refresh_log "
        + "and runs every step again (each is safe to repeat).",
      lockTimeout: false)
  }
}

extension Duration {
  var milliseconds: Int {
    let (seconds, attoseconds) = components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }
}

/// What `schedule install` did.
public enum ScheduleOutcome: Sendable, Equatable {
  /// Registered (or updated) the pg_cron job with this id.
  case pgCron(jobId: Int, schedule: String, command: String)
  /// pg_cron is not usable here: the crontab line to use instead, and why.
  case crontab(line: String, reason: String)
}

/// How often `schedule install --every` runs the refresh: whole minutes that divide an
/// hour (`1m`, `2m`, `5m`, `10m`, `15m`, `30m`...) or whole hours that divide a day (`1h`,
/// `2h`, `6h`, `12h`...). A run waits at most half the period for one still running.
public struct RefreshPeriod: Sendable, Equatable, CustomStringConvertible {
  public let minutes: Int

  /// Parses `<N>m` or `<N>h`; nil for anything else (including periods that do not divide
  /// an hour or a day evenly, which cron cannot express as a fixed interval).
  public init?(_ text: String) {
    switch Self.parse(text) {
    case let (n, "m")? where 60 % n == 0: minutes = n
    case let (n, "h")? where 24 % n == 0: minutes = n * 60
    default: return nil
    }
  }

  /// The minutes of any `<N>m` or `<N>h` (N > 0), e.g. for `refresh --views-max-age`; nil otherwise.
  public static func minutes(_ text: String) -> Int? {
    switch parse(text) {
    case let (n, "m")?: n
    case let (n, "h")?: n * 60
    default: nil
    }
  }

  static func parse(_ text: String) -> (Int, Character)? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    guard let unit = trimmed.last, let n = Int(trimmed.dropLast()), n > 0 else { return nil }
    return (n, unit)
  }

  /// The cron schedule: every minute `* * * * *`, every N minutes `*/N * * * *`, hourly
  /// `0 * * * *`, every N hours `0 */N * * *`.
  public var cron: String {
    switch minutes {
    case 1: "* * * * *"
    case ..<60: "*/\(minutes) * * * *"
    case 60: "0 * * * *"
    default: "0 */\(minutes / 60) * * *"
    }
  }

  /// Seconds a run waits for a refresh still running before it gives up (55P03): half the period.
  public var waitSeconds: Int { minutes * 30 }

  /// The maximum age of the cohorts view for a job this frequent (run_refresh's
  /// p_views_max_age): 60 minutes below an hour (recomputing every organization's cohorts
  /// takes 8-20 s at 10M events), nil (every run) from an hour up.
  public var viewsMaxAgeMinutes: Int? { minutes < 60 ? 60 : nil }

  public var description: String { minutes < 60 ? "\(minutes)m" : "\(minutes / 60)h" }
}

public struct Scheduler: Sendable {
  public static let jobName = "audience-db-refresh"
  /// The nightly job's command: a run waits up to 10 minutes for one still running.
  public static let command = command(waitSeconds: 600)
  /// The refresh job's command for a run that waits at most `waitSeconds` for one still running.
  /// With `viewsMaxAgeMinutes`, run_refresh's p_views_max_age as well.
  public static func command(waitSeconds: Int, viewsMaxAgeMinutes: Int? = nil) -> String {
    "call private.run_refresh(null, null, \(waitSeconds)" + (viewsMaxAgeMinutes.map { ", interval '\($0) minutes'" } ?? "") + ")"
  }
  /// The daily insight generation: queue the organizations due, expire stale insights
  /// (`audiencectl insights work` then processes the queued runs).
  public static let insightsJobName = "audience-db-insights"
  public static let insightsSchedule = "0 6 * * *"
  public static let insightsCommand = "select insights.enqueue_due(100), insights.expire_stale()"
  public init() {}

  /// Registers the daily insight generation (06:00 UTC: pg_cron runs in UTC unless
  /// cron.timezone says otherwise) when pg_cron is usable, else returns the crontab line.
  public func installInsights(_ connection: Connection, crontabCommand: String, forceCrontab: Bool) throws -> ScheduleOutcome {
    let reason = forceCrontab ? "--crontab was given" : try pgCronUnavailableReason(connection)
    if let reason {
      return .crontab(line: "\(Self.insightsSchedule) \(crontabCommand)", reason: reason)
    }
    try createPgCron(connection)
    let jobId = try connection.scalar(
      "select cron.schedule(\(Self.insightsJobName), \(Self.insightsSchedule), \(Self.insightsCommand))::bigint", as: Int.self) ?? 0
    return .pgCron(jobId: jobId, schedule: Self.insightsSchedule, command: Self.insightsCommand)
  }

  /// Creates pg_cron when missing. Not in schema public (the API schema): pg_cron's objects
  /// live in schema cron; its extension schema is pg_catalog, as on Supabase.
  func createPgCron(_ connection: Connection) throws {
    try connection.execute("create extension if not exists pg_cron with schema pg_catalog")
  }

  /// Why pg_cron cannot be used on this database, or nil when it can.
  public func pgCronUnavailableReason(_ connection: Connection) throws -> String? {
    let row = try connection.query(
      """
      select exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron') as available,
             pg_catalog.current_setting('shared_preload_libraries') ~ '(^|[ ,])pg_cron($|[ ,])' as preloaded,
             coalesce(pg_catalog.current_setting('cron.database_name', true), 'postgres') as cron_database,
             pg_catalog.current_database() as current
      """
    ).first!
    if !(try row.decode("available", as: Bool.self)) { return "the pg_cron extension is not installed on this server" }
    if !(try row.decode("preloaded", as: Bool.self)) { return "pg_cron is not in shared_preload_libraries" }
    let cronDatabase: String = try row.decode("cron_database")
    let current: String = try row.decode("current")
    if cronDatabase != current { return "pg_cron runs in database \(cronDatabase) (cron.database_name), not \(current)" }
    return nil
  }

  /// Registers the refresh with pg_cron when it is usable, else returns the crontab line.
  /// One job (audience-db-refresh): a reinstall replaces its schedule and command
  /// (cron.schedule upserts by name). Its run waits at most `waitSeconds` for a refresh
  /// still running (10 minutes for the nightly default; half the period with `--every`).
  public func install(
    _ connection: Connection, schedule: String, waitSeconds: Int = 600, viewsMaxAgeMinutes: Int? = nil, crontabCommand: String,
    forceCrontab: Bool
  ) throws -> ScheduleOutcome {
    let reason = forceCrontab ? "--crontab was given" : try pgCronUnavailableReason(connection)
    if let reason {
      return .crontab(line: "\(schedule) \(crontabCommand)", reason: reason)
    }
    try createPgCron(connection)
    let command = Self.command(waitSeconds: waitSeconds, viewsMaxAgeMinutes: viewsMaxAgeMinutes)
    let jobId =
      try connection.scalar("select cron.schedule(\(Self.jobName), \(schedule), \(command))::bigint", as: Int.self) ?? 0
    return .pgCron(jobId: jobId, schedule: schedule, command: command)
  }
}
