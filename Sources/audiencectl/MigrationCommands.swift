// migrate, status, validate, baseline, repair.
import ArgumentParser
import Foundation
import Migrations

extension AudienceCtl {
  struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations, then changed functions and views.")
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the exact plan (files, transaction boundaries, timeouts) and write nothing.") var dryRun = false
    @Option(help: "Apply versioned files up to and including this version only.") var target: Int?
    @Flag(help: "Apply a pending version lower than the highest applied one.") var allowOutOfOrder = false
    @Option(help: "Seconds to wait for another run's migration lock.") var lockWait: Double = 60
    @Option(help: "lock_timeout in seconds for every statement; a file that hits it is retried.") var lockTimeout: Double = 5
    @Option(help: "statement_timeout in seconds (0: none).") var statementTimeout: Double = 0
    @Option(help: "Retries of a file that hit lock_timeout, with backoff.") var lockRetries: Int = 3
    @Option(help: "Seconds before the first lock retry; doubles each time.") var retryDelay: Double = 1
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
      guard lockWait >= 0, lockTimeout > 0, statementTimeout >= 0, lockRetries >= 0, retryDelay >= 0 else {
        throw ValidationError("timeouts must be positive and --lock-retries at least 0")
      }
    }

    func run() throws {
      var options = MigrateOptions()
      options.dryRun = dryRun
      options.target = target
      options.allowOutOfOrder = allowOutOfOrder
      options.lockWait = lockWait
      options.lockTimeout = lockTimeout
      options.statementTimeout = statementTimeout
      options.lockRetries = lockRetries
      options.retryDelay = retryDelay
      let report = try reportingErrors {
        try Migrator(project: connection.projectValue, options: options).migrate(connection.open())
      }
      if json { try printJSON(report) } else { print(report.rendered) }
    }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each file: applied, pending, changed, drifted, missing.")
    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
      let report = try reportingErrors { try Migrator(project: connection.projectValue).status(connection.open()) }
      if json { try printJSON(report) } else { print(report.rendered) }
    }
  }

  struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Exit non-zero (3) when an applied file was edited, removed or left part-applied.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
      let report = try reportingErrors { try Migrator(project: connection.projectValue).validate(connection.open()) }
      let drift = report.drift
      if drift.isEmpty {
        print("valid: no drift (\(report.files.count) files, \(report.pending.count) pending)")
        return
      }
      for file in drift { printError("drift: \(file.phrase)") }
      throw ExitCode(ExitStatus.drift.rawValue)
    }
  }

  struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Mark versions up to N as applied in an existing database without history.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The highest version already present in the database.") var version: Int

    func run() throws {
      print(try reportingErrors { try Migrator(project: connection.projectValue).baseline(connection.open(), version: version) })
    }
  }

  struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accept an applied file's new checksum (logged with a reason).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The file, relative to the project, e.g. migrations/0003_create_profiles.sql.") var acceptChecksum: String
    @Option(help: "Why the edit is accepted (stored in audiencectl.events).") var reason: String

    func run() throws {
      print(
        try reportingErrors {
          try Migrator(project: connection.projectValue).repair(connection.open(), acceptChecksumOf: acceptChecksum, reason: reason)
        })
    }
  }
}
