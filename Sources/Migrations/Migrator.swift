// Applies versioned files once, in order, each in its own transaction (or statement by
// statement for no-transaction files, resumable), then changed repeatables in one
// transaction; all under a session advisory lock so concurrent runs apply each file once.
import Foundation
import PostgresClient

/// How `migrate` behaves.
public struct MigrateOptions: Sendable, Equatable {
  public var dryRun = false
  /// Apply versioned files up to and including this version only.
  public var target: Int?
  public var allowOutOfOrder = false
  /// Seconds to wait for the migration lock held by another run.
  public var lockWait: Double = 60
  /// `lock_timeout` for every statement, in seconds.
  public var lockTimeout: Double = 5
  /// `statement_timeout` in seconds; 0 means none.
  public var statementTimeout: Double = 0
  /// How often a file that hit a lock timeout (55P03) is retried.
  public var lockRetries = 3
  /// First backoff between lock retries, in seconds (doubles each time).
  public var retryDelay: Double = 1
  public init() {}
}

/// An error from migrate, status, validate, baseline or repair, with the exit status it maps to.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
  public var status: ExitStatus
  public var message: String
  public var hint: String?
  public var postgres: PostgresError?
  /// What was applied before the failure.
  public var applied: [String]

  public init(_ status: ExitStatus, _ message: String, hint: String? = nil, postgres: PostgresError? = nil, applied: [String] = []) {
    self.status = status
    self.message = message
    self.hint = hint
    self.postgres = postgres
    self.applied = applied
  }

  public var description: String {
    var lines: [String] = []
    if !applied.isEmpty { lines.append("applied before the failure: \(applied.joined(separator: ", "))") }
    lines.append("error: \(message)")
    if let postgres {
      lines.append(postgres.description)
    }
    if let hint { lines.append("hint: \(hint)") }
    return lines.joined(separator: "\n")
  }
}

/// One step of a migrate run (planned or done).
public struct MigrationStep: Sendable, Equatable, Codable {
  public enum Transaction: String, Sendable, Codable {
    /// BEGIN; the file; its history row; COMMIT.
    case own
    /// Each statement in autocommit, progress recorded after each.
    case none
    /// All changed repeatables of the run in one transaction.
    case sharedRepeatable = "shared_repeatable"
  }
  public var kind: FileKind
  public var version: Int?
  public var path: String
  public var transaction: Transaction
  public var statements: Int?
  public var resumeFrom: Int?
  public var reason: String
  public var durationMs: Int?
  public var notices: [String]
  /// Tries it took (more than one after lock timeouts).
  public var attempts = 1
}

/// What `migrate` did or, in a dry run, would do.
public struct MigrationReport: Sendable, Equatable, Codable {
  public var dryRun: Bool
  public var steps: [MigrationStep]
  public var upToDate: Int
  public var lockWaitMs: Int
  public var lockTimeout: Double
  public var statementTimeout: Double
  /// Retries allowed per file after a lock timeout (--lock-retries).
  public var lockRetries: Int
  public var notes: [String]

  public var rendered: String {
    var lines: [String] = []
    let timeouts =
      "lock_timeout \(Self.seconds(lockTimeout)), statement_timeout \(statementTimeout > 0 ? Self.seconds(statementTimeout) : "none")"
    if dryRun {
      lines.append("Dry run: nothing will be written. Plan (\(timeouts)):")
      if steps.isEmpty { lines.append("  nothing to apply; \(upToDate) files up to date") }
      var repeatableOpened = false
      for step in steps {
        switch step.transaction {
        case .own:
          lines.append("  BEGIN; \(step.path) (version \(step.version!)); history row; COMMIT")
        case .none:
          let resume = step.resumeFrom.map { ", resuming at statement \($0 + 1)" } ?? ""
          lines.append("  no transaction: \(step.path) (version \(step.version!)), \(step.statements ?? 0) statements, each in autocommit\(resume)")
        case .sharedRepeatable:
          if !repeatableOpened {
            lines.append("  BEGIN; -- repeatables, one transaction")
            repeatableOpened = true
          }
          lines.append("    \(step.path) (\(step.reason))")
        }
      }
      if repeatableOpened { lines.append("  COMMIT") }
    } else {
      if steps.isEmpty {
        lines.append("Nothing to apply: \(upToDate) files up to date.")
      } else {
        for step in steps {
          let what = step.version.map { "version \($0)" } ?? step.reason
          lines.append("applied \(step.path) (\(what)) in \(step.durationMs ?? 0) ms")
          if step.attempts > 1 {
            lines.append(
              "  retried after lock_timeout \(Self.seconds(lockTimeout)) (55P03): applied on attempt \(step.attempts) of \(lockRetries + 1)")
          }
          for notice in step.notices { lines.append("  \(notice)") }
        }
        lines.append("\(steps.count) applied, \(upToDate) already up to date (\(timeouts)).")
      }
    }
    lines.append(contentsOf: notes)
    return lines.joined(separator: "\n")
  }

  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value))s" : "\(value)s"
  }
}

/// The migration engine.
public struct Migrator: Sendable {
  public var project: Project
  public var options: MigrateOptions

  /// The session advisory lock key every migrate run takes ("audctl" + 1).
  public static let lockKey: Int64 = 0x6175_6463_746C_0001

  public init(project: Project, options: MigrateOptions = MigrateOptions()) {
    self.project = project
    self.options = options
  }

  /// Every file's standing against the history. Reads only.
  public func status(_ connection: Connection) throws -> StatusReport {
    let versioned = try project.versionedFiles()
    let repeatable = try project.repeatableFiles()
    let exists = try History.exists(connection)
    return StatusReport.make(
      versioned: versioned, repeatable: repeatable, history: try History.load(connection), historyExists: exists)
  }

  /// Applies what is pending. Safe to run twice and from two machines at once.
  public func migrate(_ connection: Connection) throws -> MigrationReport {
    let versioned = try project.versionedFiles()
    let repeatable = try project.repeatableFiles()
    try connection.requireOwnSession(for: "migrate")
    try configureSession(connection)

    var lockWaitMs = 0
    if !options.dryRun {
      let started = ContinuousClock.now
      guard try connection.acquireAdvisoryLock(Self.lockKey, timeout: options.lockWait) else {
        throw MigrationError(
          .lockTimeout, "another audiencectl migrate, or a refresh (which holds the migration lock in share mode for its whole run), held the migration lock for more than \(Int(options.lockWait)) s",
          hint: "wait for it to finish, or raise --lock-wait; pg_locks shows the holder (locktype advisory)")
      }
      lockWaitMs = started.duration(to: .now).milliseconds
    }
    defer { if !options.dryRun { try? connection.releaseAdvisoryLock(Self.lockKey) } }

    let historyExisted = try History.exists(connection)
    if !historyExisted {
      let objects = try userObjects(connection)
      if !objects.isEmpty {
        throw MigrationError(
          .failure,
          "the database is not empty (\(objects.joined(separator: ", "))\(objects.count == 5 ? ", ..." : "")) but has no migration history",
          hint: "run `audiencectl baseline --version N` to mark versions up to N as already applied, then migrate")
      }
      if !options.dryRun { try History.ensure(connection) }
    }
    let history = try History.load(connection)
    let status = StatusReport.make(versioned: versioned, repeatable: repeatable, history: history, historyExists: historyExisted)

    let drift = status.files.filter { $0.isDrift && !$0.outOfOrder }
    let resumable = drift.filter { file in
      (file.state == .failed || file.state == .inProgress) && file.checksum == file.appliedChecksum
    }
    let blocking = drift.filter { file in !resumable.contains(file) }
    if !blocking.isEmpty {
      throw MigrationError(
        .drift,
        "refusing to migrate: " + blocking.map(\.phrase).joined(separator: "; "),
        hint: "applied migrations are immutable: restore the file and add a new versioned file; "
          + "if the edit is intended (e.g. a comment), run `audiencectl repair --accept-checksum FILE --reason TEXT`")
    }
    let outOfOrder = status.files.filter(\.outOfOrder).filter { options.target == nil || $0.version! <= options.target! }
    if !outOfOrder.isEmpty && !options.allowOutOfOrder {
      throw MigrationError(
        .failure,
        "refusing to apply out of order: " + outOfOrder.map(\.path).joined(separator: ", ")
          + " (below the highest applied version \(history.compactMap(\.version).max() ?? 0))",
        hint: "renumber the file above the highest applied version, or pass --allow-out-of-order")
    }

    var steps: [MigrationStep] = []
    let byPath = Dictionary(uniqueKeysWithValues: (versioned + repeatable).map { ($0.path, $0) })
    let highest = versioned.compactMap(\.version).max() ?? 0
    var notes: [String] = []
    for file in status.files where file.kind == .versioned && [.pending, .failed, .inProgress].contains(file.state) {
      if let target = options.target, file.version! > target { continue }
      let sql = byPath[file.path]!
      let done = history.first { $0.version == file.version }?.statementsDone
      if sql.noTransaction {
        let statements = try split(sql)
        steps.append(
          MigrationStep(
            kind: .versioned, version: sql.version, path: sql.path, transaction: .none, statements: statements.count,
            resumeFrom: (done ?? 0) > 0 ? done : nil, reason: "pending", durationMs: nil, notices: []))
      } else {
        steps.append(
          MigrationStep(
            kind: .versioned, version: sql.version, path: sql.path, transaction: .own, statements: nil,
            resumeFrom: nil, reason: "pending", durationMs: nil, notices: []))
      }
    }
    if let target = options.target, target < highest {
      notes.append("--target \(target) is below the newest version \(highest): repeatable files were not applied.")
    } else {
      for file in status.files where file.kind == .repeatable && (file.state == .pending || file.state == .changed) {
        steps.append(
          MigrationStep(
            kind: .repeatable, version: nil, path: file.path, transaction: .sharedRepeatable, statements: nil,
            resumeFrom: nil, reason: file.state == .pending ? "new" : "changed", durationMs: nil, notices: []))
      }
    }
    var report = MigrationReport(
      dryRun: options.dryRun, steps: steps, upToDate: status.files.filter { $0.state == .applied || $0.state == .baselined }.count,
      lockWaitMs: lockWaitMs, lockTimeout: options.lockTimeout, statementTimeout: options.statementTimeout,
      lockRetries: options.lockRetries, notes: notes)
    if options.dryRun { return report }

    var done: [String] = []
    var index = 0
    while index < steps.count {
      let step = steps[index]
      do {
        switch step.transaction {
        case .own:
          steps[index] = try applyTransactional(byPath[step.path]!, step: step, connection)
          done.append(step.path)
          index += 1
        case .none:
          steps[index] = try applyNoTransaction(byPath[step.path]!, step: step, connection)
          done.append(step.path)
          index += 1
        case .sharedRepeatable:
          let batch = Array(steps[index...])
          let applied = try applyRepeatables(batch.map { byPath[$0.path]! }, steps: batch, connection)
          steps.replaceSubrange(index..., with: applied)
          done.append(contentsOf: batch.map(\.path))
          index = steps.count
        }
      } catch var error as MigrationError {
        error.applied = done
        throw error
      }
    }
    report.steps = steps
    // The partitions ahead, after every file is applied: retried after a lock timeout like a
    // file, and a failure still names what this run applied.
    do {
      let (created, _) = try withLockRetries("analytics.ensure_partitions(3)") { try runMaintenance(connection) }
      if let created { report.notes.append(created) }
    } catch var error as MigrationError {
      error.applied = steps.map(\.path)
      error.hint = (error.hint ?? "") + "; every file is applied: rerun migrate (it only creates the partitions)"
      throw error
    } catch let error as PostgresError {
      throw MigrationError(
        .failure, "analytics.ensure_partitions(3) failed after every file was applied", hint: "rerun migrate (it only creates the partitions)",
        postgres: error, applied: steps.map(\.path))
    }
    return report
  }

  /// Fails (by returning drift) when any applied file was edited, removed or left part-applied.
  public func validate(_ connection: Connection) throws -> StatusReport {
    try status(connection)
  }

  /// Marks versions up to `version` as applied in a database that already has the schema.
  public func baseline(_ connection: Connection, version: Int) throws -> String {
    try connection.requireOwnSession(for: "baseline")
    guard try connection.acquireAdvisoryLock(Self.lockKey, timeout: options.lockWait) else {
      throw MigrationError(.lockTimeout, "the migration lock is held by another run")
    }
    defer { try? connection.releaseAdvisoryLock(Self.lockKey) }
    try History.ensure(connection)
    let history = try History.load(connection)
    if !history.isEmpty {
      throw MigrationError(
        .failure, "the database already has migration history (\(history.count) rows): baseline is for a database without one")
    }
    try connection.transaction {
      try connection.execute(
        """
        insert into audiencectl.schema_history
          (kind, version, path, description, checksum, checksum_algorithm, state, applied_by_host, tool_version)
        values ('versioned', \(version), '<baseline>', 'baseline', '', \(ToolInfo.checksumAlgorithm), 'baselined',
                \(History.host), \(ToolInfo.version))
        """)
      try History.logEvent(
        connection, event: "baselined", kind: .versioned, version: version, path: nil, checksum: nil,
        detail: "versions up to \(version) taken as applied")
    }
    return "Baselined at version \(version): versioned files up to \(version) will not be run."
  }

  /// Accepts the current checksum of an applied file (an intended edit such as a comment), logged with a reason.
  public func repair(_ connection: Connection, acceptChecksumOf path: String, reason: String) throws -> String {
    guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw MigrationError(.usage, "--reason must say why the edit is accepted")
    }
    let files = try project.versionedFiles() + project.repeatableFiles()
    guard let file = files.first(where: { $0.path == path }) else {
      throw MigrationError(.failure, "\(path) is not a migration, function or view file of this project")
    }
    try connection.requireOwnSession(for: "repair")
    guard try connection.acquireAdvisoryLock(Self.lockKey, timeout: options.lockWait) else {
      throw MigrationError(.lockTimeout, "the migration lock is held by another run")
    }
    defer { try? connection.releaseAdvisoryLock(Self.lockKey) }
    guard try History.exists(connection) else { throw MigrationError(.failure, "there is no migration history to repair") }
    return try connection.transaction {
      let old = try connection.scalar(
        "select checksum from audiencectl.schema_history where path = \(path) and state <> 'baselined' for update",
        as: String.self)
      guard let old else { throw MigrationError(.failure, "\(path) has never been applied: nothing to repair") }
      if old == file.checksum { return "\(path): the recorded checksum already matches; nothing changed." }
      try connection.execute(
        "update audiencectl.schema_history set checksum = \(file.checksum), checksum_algorithm = \(ToolInfo.checksumAlgorithm) where path = \(path)")
      try History.logEvent(
        connection, event: "repaired", kind: file.kind, version: file.version, path: path, checksum: file.checksum,
        detail: "accepted checksum (was \(old)): \(reason)")
      return "\(path): accepted checksum \(file.checksum.prefix(12))... (was \(old.prefix(12))...), logged with the reason."
    }
  }

  // MARK: Applying

  private func configureSession(_ connection: Connection) throws {
    try connection.execute("set lock_timeout = \(unsafeSQL: "'\(Int(options.lockTimeout * 1000))ms'")")
    try connection.execute("set statement_timeout = \(unsafeSQL: "'\(Int(options.statementTimeout * 1000))ms'")")
    // A killed client's transaction is aborted within a second, releasing its locks.
    try connection.abortWhenClientGone()
  }

  private func split(_ file: SQLFile) throws -> [SQLStatement] {
    do {
      return try SQLLexer.split(file.text)
    } catch {
      throw MigrationError(.failure, "\(file.path):\(error.line):\(error.column): \(error.description)")
    }
  }

  /// Transaction control inside a file would end the tool's transaction early.
  private func refuseTransactionControl(_ file: SQLFile) throws {
    if let statement = try split(file).first(where: \.isTransactionControl) {
      throw MigrationError(
        .failure,
        "\(file.path):\(statement.line):\(statement.column): \(statement.firstKeywords.joined(separator: " ").uppercased()) is not allowed here: audiencectl runs this file inside its own transaction",
        hint: "remove it, or make the file's first line `-- audiencectl:no-transaction` to run it statement by statement")
    }
  }

  /// Retries `body` when it fails with lock_not_available (55P03), backing off. Returns the
  /// value and the number of attempts.
  private func withLockRetries<T>(_ what: String, _ body: () throws -> T) throws -> (T, Int) {
    var attempt = 0
    while true {
      do {
        return (try body(), attempt + 1)
      } catch let error as PostgresError where error.code == .lockNotAvailable {
        attempt += 1
        if attempt > options.lockRetries {
          throw MigrationError(
            .lockTimeout,
            "\(what): could not get a lock within lock_timeout \(MigrationReport.seconds(options.lockTimeout)), \(options.lockRetries) retries",
            hint: "another session holds a conflicting lock (see pg_locks / pg_stat_activity); retry later or raise --lock-timeout",
            postgres: error)
        }
        Thread.sleep(forTimeInterval: options.retryDelay * pow(2, Double(attempt - 1)))
      }
    }
  }

  private func applyTransactional(_ file: SQLFile, step: MigrationStep, _ connection: Connection) throws -> MigrationStep {
    try refuseTransactionControl(file)
    var step = step
    let started = ContinuousClock.now
    do {
      let (notices, attempts) = try withLockRetries(file.path) {
        try connection.transaction {
          let result = try connection.runScript(file.text, path: file.path)
          let ms = started.duration(to: .now).milliseconds
          try History.recordVersioned(connection, file: file, state: "applied", statementsDone: 0, executionMs: ms, error: nil)
          try History.logEvent(
            connection, event: "applied", kind: .versioned, version: file.version, path: file.path, checksum: file.checksum,
            detail: nil)
          return result.notices
        }
      }
      step.durationMs = started.duration(to: .now).milliseconds
      step.notices = notices.map(\.description)
      step.attempts = attempts
      return step
    } catch let error as PostgresError {
      try? History.logEvent(
        connection, event: "failed", kind: .versioned, version: file.version, path: file.path, checksum: file.checksum,
        detail: error.summary)
      throw MigrationError(
        .failure, "\(file.path) failed and was rolled back; nothing of it remains", postgres: error)
    } catch let error as MigrationError {
      try? History.logEvent(
        connection, event: "failed", kind: .versioned, version: file.version, path: file.path, checksum: file.checksum,
        detail: error.message)
      throw error
    }
  }

  private func applyNoTransaction(_ file: SQLFile, step: MigrationStep, _ connection: Connection) throws -> MigrationStep {
    var step = step
    let statements = try split(file)
    let started = ContinuousClock.now
    var done = step.resumeFrom ?? 0
    var notices: [String] = []
    try History.recordVersioned(connection, file: file, state: "in_progress", statementsDone: done, executionMs: nil, error: nil)
    while done < statements.count {
      let statement = statements[done]
      do {
        notices += try dropInvalidIndex(createdBy: statement.text, connection)
        let (result, attempts) = try withLockRetries("\(file.path):\(statement.line)") {
          try connection.runScript(statement.text, path: file.path)
        }
        notices += result.notices.map(\.description)
        step.attempts = max(step.attempts, attempts)
        // A query whose only column is named audiencectl_statement generates statements
        // (e.g. one CREATE INDEX CONCURRENTLY per partition): each row is run in order, on
        // its own, outside a transaction, as psql's \gexec does.
        for generated in Self.generatedStatements(result) {
          notices += try dropInvalidIndex(createdBy: generated, connection)
          let (ran, tries) = try withLockRetries("\(file.path):\(statement.line): \(generated.prefix(80))") {
            try connection.runScript(generated)
          }
          notices += ran.notices.map(\.description)
          step.attempts = max(step.attempts, tries)
        }
      } catch var error as PostgresError {
        error.location = Self.absolute(error.location, statement: statement, path: file.path)
        let invalid = (try? invalidIndexes(connection)) ?? []
        try? History.recordVersioned(
          connection, file: file, state: "failed", statementsDone: done, executionMs: nil, error: error.summary)
        try? History.logEvent(
          connection, event: "failed", kind: .versioned, version: file.version, path: file.path, checksum: file.checksum,
          detail: "statement \(done + 1): \(error.summary)")
        var hint =
          (done == 0 ? "no statement of it is applied" : "statements 1-\(done) of \(statements.count) are applied")
          + "; fix the cause and rerun migrate to resume at statement \(done + 1)"
        if !invalid.isEmpty {
          hint += "; INVALID index left behind: \(invalid.joined(separator: ", ")) (the rerun drops it, concurrently, before creating it again)"
        }
        throw MigrationError(.failure, "\(file.path) stopped at statement \(done + 1) of \(statements.count)", hint: hint, postgres: error)
      } catch var error as MigrationError {
        try? History.recordVersioned(
          connection, file: file, state: "failed", statementsDone: done, executionMs: nil, error: error.message)
        error.hint = (error.hint ?? "") + "; rerun migrate to resume at statement \(done + 1)"
        throw error
      }
      done += 1
      try History.recordVersioned(connection, file: file, state: "in_progress", statementsDone: done, executionMs: nil, error: nil)
    }
    let ms = started.duration(to: .now).milliseconds
    try History.recordVersioned(connection, file: file, state: "applied", statementsDone: done, executionMs: ms, error: nil)
    try History.logEvent(
      connection, event: "applied", kind: .versioned, version: file.version, path: file.path, checksum: file.checksum,
      detail: step.resumeFrom.map { "resumed at statement \($0 + 1)" })
    step.durationMs = ms
    step.notices = notices
    return step
  }

  /// The statements a no-transaction file's query generated: the non-NULL values of its
  /// last result when that result has exactly one column, named `audiencectl_statement`.
  static func generatedStatements(_ result: ScriptResult) -> [String] {
    guard let last = result.results.last, last.columns.map(\.name) == ["audiencectl_statement"] else { return [] }
    return last.cells.compactMap { $0.first ?? nil }
  }

  /// A statement's error position is relative to the statement; make it relative to the file.
  static func absolute(_ location: PostgresError.Location?, statement: SQLStatement, path: String) -> PostgresError.Location {
    guard let location else { return .init(file: path, line: statement.line, column: statement.column) }
    let line = statement.line + location.line - 1
    let column = location.line == 1 ? statement.column + location.column - 1 : location.column
    return .init(file: path, line: line, column: column)
  }

  private func applyRepeatables(_ files: [SQLFile], steps: [MigrationStep], _ connection: Connection) throws -> [MigrationStep] {
    for file in files { try refuseTransactionControl(file) }
    var current = files[0]
    do {
      let (applied, attempts) = try withLockRetries("repeatable files") {
        try connection.transaction {
          var applied: [MigrationStep] = []
          for (file, step) in zip(files, steps) {
            current = file
            let started = ContinuousClock.now
            let result = try connection.runScript(file.text, path: file.path)
            let ms = started.duration(to: .now).milliseconds
            try History.recordRepeatable(connection, file: file, executionMs: ms)
            try History.logEvent(
              connection, event: "applied", kind: .repeatable, version: nil, path: file.path, checksum: file.checksum,
              detail: step.reason)
            var step = step
            step.durationMs = ms
            step.notices = result.notices.map(\.description)
            applied.append(step)
          }
          return applied
        }
      }
      return applied.map { step in
        var step = step
        step.attempts = attempts
        return step
      }
    } catch let error as PostgresError {
      try? History.logEvent(
        connection, event: "failed", kind: .repeatable, version: nil, path: current.path, checksum: current.checksum,
        detail: error.summary)
      throw MigrationError(
        .failure,
        "\(current.path) failed: all \(files.count) repeatable files of this run were rolled back", postgres: error)
    }
  }

  // MARK: Inspection

  /// Up to five user objects outside system schemas and extensions.
  private func userObjects(_ connection: Connection) throws -> [String] {
    let result = try connection.query(
      """
      select n.nspname || '.' || c.relname as name
        from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
         and n.nspname not in ('pg_catalog', 'information_schema', 'audiencectl')
         and n.nspname !~ '^pg_(toast|temp)'
         and not exists (select 1 from pg_catalog.pg_depend d where d.objid = c.oid and d.deptype = 'e')
      union all
      select n.nspname || '.' || p.proname || '()'
        from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
       where n.nspname not in ('pg_catalog', 'information_schema', 'audiencectl')
         and not exists (select 1 from pg_catalog.pg_depend d where d.objid = p.oid and d.deptype = 'e')
      order by 1 limit 5
      """)
    return try result.rows.map { try $0.decode("name") }
  }

  /// Indexes left INVALID, e.g. by a failed CREATE INDEX CONCURRENTLY.
  /// Before a CREATE INDEX CONCURRENTLY of a no-transaction file runs (again): an INVALID
  /// index of that name on that table, left by an earlier attempt that failed or was killed,
  /// is dropped concurrently, so that the rerun does not stop at "already exists" (or, with
  /// IF NOT EXISTS, keep an index that never became valid). Returns a notice per index dropped.
  func dropInvalidIndex(createdBy statement: String, _ connection: Connection) throws -> [String] {
    guard let match = statement.firstMatch(of: Self.createIndexConcurrently) else { return [] }
    let name = String(match.output.1).replacingOccurrences(of: "\"", with: "")
    let table = String(match.output.2)
    guard let invalid = try connection.scalar(
      """
      select i.indexrelid::pg_catalog.regclass::text
        from pg_catalog.pg_index as i join pg_catalog.pg_class as c on c.oid = i.indexrelid
       where not i.indisvalid and c.relname = \(name)
         and i.indrelid = pg_catalog.to_regclass(\(table))
      """, as: String.self)
    else { return [] }
    try connection.execute(SQL(unsafeSQL: "drop index concurrently if exists \(invalid)"))
    return ["dropped INVALID index \(invalid), left by an earlier attempt, before creating it again"]
  }

  /// `create [unique] index concurrently [if not exists] <name> on [only] <table>`: the name
  /// (unqualified, as PostgreSQL takes it) and the table as written.
  static var createIndexConcurrently: Regex<(Substring, Substring, Substring)> {
    /(?i)^\s*create\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("?[A-Za-z_][A-Za-z0-9_$]*"?)\s+on\s+(?:only\s+)?([A-Za-z0-9_$."]+)/
  }

  func invalidIndexes(_ connection: Connection) throws -> [String] {
    try connection.query(
      """
      select i.indexrelid::pg_catalog.regclass::text as name from pg_catalog.pg_index i where not i.indisvalid order by 1
      """
    ).rows.map { try $0.decode("name") }
  }

  /// Keeps time-based partitions ahead after every migrate (when the schema defines the function).
  private func runMaintenance(_ connection: Connection) throws -> String? {
    guard try connection.scalar("select pg_catalog.to_regproc('analytics.ensure_partitions') is not null", as: Bool.self) == true
    else { return nil }
    let created = try connection.scalar("select analytics.ensure_partitions(3)::bigint", as: Int.self) ?? 0
    return "analytics.ensure_partitions(3): \(created) partitions created."
  }
}

extension Duration {
  /// Whole milliseconds.
  public var milliseconds: Int {
    let (seconds, attoseconds) = components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
  }
}
