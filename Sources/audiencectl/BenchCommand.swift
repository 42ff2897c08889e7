// bench: measured figures for BENCHMARKS.md (never asserted in tests).
import ArgumentParser
import Benchmarks
import Foundation
import LocalCluster

extension AudienceCtl {
  struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Measure performance; record the figures in BENCHMARKS.md.", subcommands: [MigrateBench.self, IngestBench.self, RPCBench.self])

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
        abstract: "events/s through log_events (batches of 1,000), ingest (COPY) and a plain COPY floor; seed scale events/s.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Events per ingestion path.") var events = 200_000
      @Option(help: "Events for the seed scale measurement.") var seedEvents = 2_000_000
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        let target = try reportingErrors {
          try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
        }
        let report = try loadingErrors {
          try IngestBenchmark(project: connection.projectValue, target: target, events: events, seedEvents: seedEvents).run()
        }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }

    struct RPCBench: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "rpcs",
        abstract: "p50/p95 of the audience, dashboard or insight RPCs for the largest organization (load seed scale first).")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "audience, dashboards or insights.") var group: String
      @Option(help: "Timed runs of each call (after one warm-up).") var runs = 20
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        guard let chosen = RPCBenchmark.Group(rawValue: group) else {
          throw ValidationError("--group must be audience, dashboards or insights")
        }
        let report = try reportingErrors { try RPCBenchmark(group: chosen, runs: runs).run(connection.open()) }
        if json { try printJSON(report) } else { print(report.rendered) }
      }
    }
  }
}
