// refresh and schedule install.
import ArgumentParser
import Foundation
import LocalCluster
import Migrations
import PostgresClient
import Refresh

extension AudienceCtl {
  struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "refresh",
      abstract: "Ensure partitions, refresh materialized views (dependency order, concurrently), update customers and rollups.",
      discussion: "Each step is committed and logged in private.refresh_log. Overlapping runs do not stack; a running migrate is waited for.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this step (a materialized view schema.name, or a maintenance function name).") var only: String?
    @Option(help: "Seconds to wait for a refresh already running (0: exit at once with status 4).") var wait = 0
    @Option(help: "Refresh the cohorts view only when it is this old (e.g. 60m, 1h) or a local week began since; default: always.")
    var viewsMaxAge: String?
    @Option(help: "Sessions running the steps of a group at once (steps that do not depend on each other; 1: one after the other, as the scheduled job).")
    var jobs = 1
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
      guard (1...32).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 32 (sessions at once)") }
      if let viewsMaxAge, RefreshPeriod.minutes(viewsMaxAge) == nil {
        throw ValidationError("--views-max-age \(viewsMaxAge): give whole minutes or hours, e.g. 60m or 1h")
      }
    }

    func run() throws {
      let report: RefreshReport
      do {
        report = try reportingErrors {
          let target = try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
          return try Refresher().refresh(
            Connection(target), only: only, waitSeconds: wait, viewsMaxAgeMinutes: viewsMaxAge.flatMap(RefreshPeriod.minutes),
            jobs: jobs, openSession: { try Connection(target, connectTimeout: 5, setDateStyle: false) })
        }
      } catch let error as RefreshError {
        printError(error.description)
        throw ExitCode(error.lockTimeout ? ExitStatus.lockTimeout.rawValue : ExitStatus.failure.rawValue)
      }
      if json { try printJSON(report) } else { print(report.rendered) }
      if report.failed { throw ExitCode(ExitStatus.failure.rawValue) }
    }
  }

  struct Schedule: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Schedule the refresh (nightly, or every few minutes).", subcommands: [Install.self])

    struct Install: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Register the refresh with pg_cron when available, or print the crontab line to use.",
        discussion: """
          Nightly by default (--schedule, a cron expression). With --every (1m, 5m, 1h...) the refresh runs that often \
          and a run waits at most half the period for one still running. One job either way: installing again replaces it.
          """)
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Cron schedule (server time for pg_cron).") var schedule = "15 3 * * *"
      @Option(help: "Run the refresh every N minutes or hours instead (1m, 5m, 1h...: a divisor of an hour or a day).") var every: String?
      @Flag(help: "Print the crontab line even when pg_cron is available.") var crontab = false

      func validate() throws {
        if let every, RefreshPeriod(every) == nil {
          throw ValidationError("--every \(every): give whole minutes that divide an hour (1m, 2m, 5m, 10m, 15m, 30m) or hours that divide a day (1h, 2h, 6h, 12h)")
        }
      }

      func run() throws {
        let period = every.flatMap(RefreshPeriod.init)
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let root = connection.projectValue.root.path
        var command = "cd \(quoteShell(root)) && \(quoteShell(executable)) refresh --json >> \(quoteShell(root + "/refresh.log")) 2>&1"
        if let url = connection.url, redactPassword(in: url) == url {
          command = "cd \(quoteShell(root)) && \(quoteShell(executable)) refresh --url \(quoteShell(url)) --json >> \(quoteShell(root + "/refresh.log")) 2>&1"
        }
        // With --every, the crontab's run also waits at most half the period for one still running.
        // Below an hour, the cohorts view only hourly (and at a local week start).
        let refreshCommand = period.map { period in
          let maxAge = period.viewsMaxAgeMinutes.map { " --views-max-age \($0)m" } ?? ""
          return command.replacingOccurrences(of: " --json >> ", with: " --wait \(period.waitSeconds)\(maxAge) --json >> ")
        } ?? command
        let outcome = try reportingErrors {
          try Scheduler().install(
            connection.open(), schedule: period?.cron ?? schedule, waitSeconds: period?.waitSeconds ?? 600,
            viewsMaxAgeMinutes: period?.viewsMaxAgeMinutes, crontabCommand: refreshCommand, forceCrontab: crontab)
        }
        switch outcome {
        case .pgCron(let jobId, let schedule, let sql):
          print("pg_cron job \(Scheduler.jobName) (id \(jobId)) runs `\(sql)` at \(schedule).")
        case .crontab(let line, let reason):
          print("pg_cron is not used (\(reason)). Add this line to the crontab (crontab -e); set DATABASE_URL there if the database needs a password:")
          print(line)
        }
        // Daily insight generation at 06:00 UTC; the worker processes queued and requested runs.
        let work = command.replacingOccurrences(of: " refresh ", with: " insights work ")
          .replacingOccurrences(of: "/refresh.log", with: "/insights.log")
        let insights = try reportingErrors {
          try Scheduler().installInsights(connection.open(), crontabCommand: work.replacingOccurrences(of: " insights work ", with: " insights work --due "), forceCrontab: crontab)
        }
        switch insights {
        case .pgCron(let jobId, let schedule, let sql):
          print("pg_cron job \(Scheduler.insightsJobName) (id \(jobId)) runs `\(sql)` at \(schedule) (UTC).")
        case .crontab(let line, _):
          print("CRON_TZ=UTC")
          print(line)
        }
        print("Process requested and queued insight runs every 5 minutes (crontab):")
        print("*/5 * * * * \(work)")
      }
    }
  }
}

func quoteShell(_ text: String) -> String {
  text.allSatisfy { $0.isLetter || $0.isNumber || "/._-:=".contains($0) } ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
