// bench: measured figures for BENCHMARKS.md (never asserted in tests).
import ArgumentParser
import Benchmarks
import Foundation
import LocalCluster
import PostgresClient

extension AudienceCtl {
  struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Measure performance; record the figures in BENCHMARKS.md.", subcommands: [MigrateBench.self, IngestBench.self, AudienceBench.self, DashboardsBench.self, InsightsBench.self, InteractionsBench.self, UsageBench.self, UsageIngestBench.self, ReportBench.self, RefreshBench.self])

    struct ReportBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "p50/p95 of the whole report (RPCs + rendering) for the organization with the most events in the last 30 days.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Timed runs (after one warm-up).") var runs = 10
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        let report = try reportingErrors { try ReportBenchmark(runs: runs).run(connection.open()) }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct RefreshBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "The whole refresh step by step: from empty, after one day of new events and after one minute (in the same session, then in a new one as the scheduled job runs), beside the floor (one sorted scan of the same events) and issue 11's targets.",
        discussion: "Each scenario runs in a transaction that is rolled back (rerunnable); before the later ones, a real refresh brings everything current (kept).")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "A refresh step to leave out of the from-empty scenario (repeatable; e.g. private.refresh_audience_rollups, about an hour from empty at 10M events); the report names it.")
      var leaveOutFromEmpty: [String] = []
      @Flag(help: "Leave the from-empty scenario out (e.g. at 10M events, where the database's first refresh, logged in private.refresh_log, measured it).")
      var skipFromEmpty = false
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        let report = try reportingErrors {
          try RefreshBenchmark(leaveOutFromEmpty: leaveOutFromEmpty, skipFromEmpty: skipFromEmpty).run(connection.open())
        }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct MigrateBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Time migrate on an empty database against psql -1 -f of the same files, and status on an up-to-date one.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Runs of each measurement.") var runs = 7
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        let target = try reportingErrors {
          try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let report = try reportingErrors {
          try MigrateBenchmark(project: connection.projectValue, target: target, runs: runs, executable: executable).run()
        }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct IngestBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "events/s through log_events (batches of 1,000), ingest (COPY) and a plain COPY floor; seed scale events/s. Seed scale runs with one session, and with --clients sessions when above 1.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Events per ingestion path.") var events = 200_000
      @Option(help: "Events for the seed scale measurement.") var seedEvents = 2_000_000
      @Option(help: "Also measure log_events, ingest (--jobs), plain COPY and seed scale with this many sessions in parallel (1: one session only).") var clients = 1
      @Option(help: "Runs of each log_events, ingest and COPY measurement, each into a fresh database: the median is reported, with the range (seed scale runs once).") var runs = 1
      @Flag(help: "Print JSON.") var json = false

      func validate() throws {
        guard clients >= 1, runs >= 1 else { throw ValidationError("--clients and --runs must be at least 1.") }
      }

      func run() throws {
        let target = try reportingErrors {
          try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
        }
        let report = try loadingErrors {
          try IngestBenchmark(
            project: connection.projectValue, target: target, events: events, seedEvents: seedEvents, clients: clients, runs: runs
          ).run()
        }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct UsageIngestBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "usage-ingest",
        abstract: "Model requests through ingest --kind model-requests and through log_model_requests (batches of 1,000 of one organization) beside a plain COPY of the same rows (the floor), in one fresh database, the paths interleaved run after run.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Model requests (seed scale --model-requests, seed 1).") var requests = 200_000
      @Option(help: "Organizations they belong to.") var orgs = 1_000
      @Option(help: "Runs of each path: the median is reported, with the range.") var runs = 1
      @Option(help: "Also measure ingest --jobs N (the command's default: 2) beside N plain COPYs at once (1: not measured).") var jobs = 2
      @Flag(help: "Print JSON.") var json = false

      func validate() throws {
        guard requests >= 1, orgs >= 1, runs >= 1, jobs >= 1 else { throw ValidationError("--requests, --orgs, --runs and --jobs must be at least 1.") }
      }

      func run() throws {
        let target = try reportingErrors {
          try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
        }
        let report = try loadingErrors {
          try UsageIngestBenchmark(
            project: connection.projectValue, target: target, requests: requests, organizations: orgs, runs: runs, jobs: jobs
          ).run()
        }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct AudienceBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "audience",
        abstract: "p50/p95 of the audience RPCs for the largest organization (load seed scale first), the rollup readers again with the last 24 hours not yet refreshed, then the refresh run, update_customers (the customers rollup) incremental, its floor and full, and fetch_segment_export of ~10,000 customers.",
        discussion: "Maintenance changes are made in transactions that are rolled back; the refresh run itself is kept.")
      @OptionGroup var options: RPCBenchOptions

      func run() throws {
        try options.measure(.audience) { db, subject in (try MaintenanceBenchmark().audience(db, subject: subject), []) }
      }
    }

    struct DashboardsBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "dashboards",
        abstract: "p50/p95 of the dashboard RPCs for the largest organization, and the daily rollups applied after one day of new events against a rebuild from empty.",
        discussion: "The day of new events and the rebuild live in transactions that are rolled back.")
      @OptionGroup var options: RPCBenchOptions

      func run() throws {
        try options.measure(.dashboards) { db, _ in try MaintenanceBenchmark().dashboards(db) }
      }
    }

    struct UsageBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "p50/p95 of the usage RPCs for the organization with the most model requests (load seed scale --model-requests N first), with the rollups current and with one more hour not yet in them; then the rollup steps for that hour and a full rebuild.",
        discussion: "The hour of new requests and the rebuilds live in a transaction that is rolled back; bringing the rollups current is kept.")
      @OptionGroup var options: RPCBenchOptions

      func run() throws {
        let db = try reportingErrors { try options.connection.open() }
        let report = try reportingErrors { try UsageBenchmark(runs: options.runs).run(db, maintenance: !options.skipMaintenance) }
        try options.print(report)
      }
    }

    struct InteractionsBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "interactions",
        abstract: "p50/p95 of issue 15's RPCs (mashup fields, search analytics, entity funnel and interactions, user and profile dashboards, attribution by model) for the largest organization.",
        discussion: "Their rollups are maintained by refresh (the rollup engine); run refresh first to time the refreshed case.")
      @OptionGroup var options: RPCBenchOptions

      func run() throws {
        try options.measure(.interactions) { _, _ in ([], []) }
      }
    }

    struct InsightsBench: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "insights",
        abstract: "metric_snapshot, detect_candidates and get_insights_summary for the largest organization, and one generation with the template provider (which stores its insights).")
      @OptionGroup var options: RPCBenchOptions

      func run() async throws {
        let db = try reportingErrors { try options.connection.open() }
        let subject = try reportingErrors { try BenchmarkSubject.largest(db) }
        var report = try reportingErrors { try RPCBenchmark(group: .insights, runs: options.runs).run(db, subject: subject) }
        if !options.skipMaintenance {
          do {
            report.maintenance = try await MaintenanceBenchmark().insights(db, subject: subject)
          } catch {
            printError("error: \(error)")
            throw ExitCode.failure
          }
        }
        try options.print(report)
      }
    }
  }
}

/// The options every RPC benchmark takes.
struct RPCBenchOptions: ParsableArguments {
  @OptionGroup var connection: ConnectionOptions
  @Option(help: "Timed runs of each call (after one warm-up).") var runs = 20
  @Flag(help: "Time the RPCs only, not the maintenance steps.") var skipMaintenance = false
  @Flag(help: "Print JSON.") var json = false

  /// Times the group's RPCs for the largest organization, then (unless skipped) its
  /// maintenance steps; prints the report and fails when a call or a step failed.
  func measure(
    _ group: RPCBenchmark.Group,
    maintenance: (Connection, BenchmarkSubject) throws -> (steps: [MaintenanceTiming], notes: [String])
  ) throws {
    let db = try reportingErrors { try connection.open() }
    let report = try reportingErrors {
      let subject = try BenchmarkSubject.largest(db)
      var report = try RPCBenchmark(group: group, runs: runs).run(db, subject: subject)
      if !skipMaintenance { (report.maintenance, report.notes) = try maintenance(db, subject) }
      return report
    }
    try print(report)
  }

  func print(_ report: RPCBenchmarkReport) throws {
    if json { try printJSON(report) } else { Swift.print(report.rendered) }
    if report.failed { throw ExitCode.failure }
  }
}
