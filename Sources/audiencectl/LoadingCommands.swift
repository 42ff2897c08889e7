// ingest and seed: loading events and demo / scale data.
import ArgumentParser
import Foundation
import LocalCluster
import Loading
import PostgresClient

/// A one-line progress bar on stderr, redrawn in place when stderr is a terminal.
func progressLine(_ text: String, final: Bool = false) {
  if isatty(2) == 1 {
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + (final ? "\n" : "")).utf8))
  } else if final {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }
}

func bar(_ fraction: Double, width: Int = 30) -> String {
  let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
  return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
}

func loadingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try reportingErrors(body)
  } catch let error as LoadingError {
    printError(error.description)
    throw ExitCode.failure
  }
}

extension AudienceCtl {
  struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Bulk-load NDJSON events (or model requests) through COPY, validated like log_events (log_model_requests); idempotent on rerun.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "An NDJSON file, one event (or model request) per line, or - for standard input.") var file: String
    @Option(help: "What the lines are: events, or model-requests (log_model_requests' request objects, each with org_id).")
    var kind = "events"
    @Option(help: "Where rejected lines are written with their reasons (default: FILE.rejects.ndjson, or rejects.ndjson for stdin).")
    var rejects: String?
    @Option(help: "Lines per COPY chunk.") var chunk = 50_000
    @Option(help: "Sessions storing chunks at once (each chunk commits on its own).") var jobs = 2
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
      guard chunk > 0, jobs > 0 else { throw ValidationError("--chunk and --jobs must be positive") }
      guard Ingester.Kind(rawValue: kind) != nil else { throw ValidationError("--kind must be events or model-requests") }
    }

    func run() throws {
      let handle: FileHandle
      var total: Int?
      if file == "-" {
        handle = FileHandle.standardInput
      } else {
        guard let opened = FileHandle(forReadingAtPath: file) else {
          printError("error: cannot open \(file)")
          throw ExitCode.failure
        }
        handle = opened
        total = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
      }
      let rejectsPath = rejects ?? (file == "-" ? "rejects.ndjson" : file + ".rejects.ndjson")
      let report = try loadingErrors {
        let target = try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
        return try Ingester(chunkLines: chunk, jobs: jobs, kind: Ingester.Kind(rawValue: kind) ?? .events).ingest(
          handle, totalBytes: total, rejectsPath: rejectsPath, connection: Connection(target),
          openSession: { try Connection(target) }
        ) { p in
          let fraction = p.totalBytes.map { Double(p.bytesRead) / Double(max($0, 1)) } ?? 0
          progressLine("\(bar(fraction)) \(p.lines) lines, \(p.rejected) rejected, \(Int(p.eventsPerSecond)) events/s")
        }
      }
      progressLine("", final: false)
      if json { try printJSON(report) } else { print(report.rendered) }
    }
  }

  struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Load demo data (known answers, seed/README.md) or synthetic data at scale.",
      subcommands: [Demo.self, Scale.self])

    struct Demo: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Load the demo organizations; running it twice changes nothing.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Reference time the demo data is relative to (ISO 8601; default: now).") var reference: String?

      func run() throws {
        var when = Date()
        if let reference {
          guard let parsed = ISO8601DateFormatter().date(from: reference) else {
            throw ValidationError("--reference must be an ISO 8601 time such as 2026-11-21T12:00:00Z")
          }
          when = parsed
        }
        let rows = try loadingErrors { try Seeder(project: connection.projectValue).demo(connection.open(), reference: when) }
        print("demo data relative to \(when.postgresText):")
        for row in rows { print("  \(row.organization.padding(toLength: 24, withPad: " ", startingAt: 0)) \(row.object.padding(toLength: 24, withPad: " ", startingAt: 0)) \(row.rows)") }
      }
    }

    struct Scale: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Generate deterministic synthetic data inside PostgreSQL.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "Organizations (a few large, many small).") var orgs = 100
      @Option(help: "Events in total.") var events = 1_000_000
      @Option(help: "Random seed: the same seed gives the same data.") var seed = 1
      @Option(help: "Events per generation call (progress granularity).") var chunk = 250_000
      // Two by default: on 2 cores, 2M events took 14-17 s from two sessions against 20-23 s
      // from one (generation and index builds run in parallel; the data is the same).
      @Option(help: "Sessions generating chunks and building indexes in parallel (the data is the same).") var sessions = 2
      @Option(help: "Model requests (schema usage) in total, after the events; 0: none.") var modelRequests = 0

      func validate() throws {
        guard orgs > 0, events >= 0, modelRequests >= 0, events + modelRequests > 0, chunk > 0, sessions > 0 else {
          throw ValidationError("--orgs, --chunk and --sessions must be positive, --events and --model-requests not negative, and one of them positive")
        }
      }

      func run() throws {
        if events > 0 { try generateEvents() }
        if modelRequests > 0 {
          let result = try loadingErrors {
            let target = try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
            return try Seeder(project: connection.projectValue).scaleModelRequests(
              Connection(target), orgs: orgs, requests: modelRequests, seed: seed, chunk: chunk
            ) { done in
              progressLine("\(bar(Double(done) / Double(modelRequests))) \(done)/\(modelRequests) model requests")
            }
          }
          progressLine("", final: false)
          print("generated \(result.stored) model requests over \(orgs) organizations in \(String(format: "%.2f", result.seconds)) s: \(Int(Double(result.stored) / max(result.seconds, 0.001))) requests/s (seed \(seed))")
        }
      }

      func generateEvents() throws {
        let result = try loadingErrors {
          let target = try ConnectionResolver.target(for: connection.source, projectDirectory: connection.projectValue.root)
          return try Seeder(project: connection.projectValue).scale(
            Connection(target), orgs: orgs, events: events, seed: seed, chunk: chunk,
            sessions: sessions, openSession: { try Connection(target) }
          ) { p in
            progressLine("\(bar(Double(p.events) / Double(p.totalEvents))) \(p.events)/\(p.totalEvents) events, \(Int(p.eventsPerSecond)) events/s")
          }
        }
        progressLine("", final: false)
        print("generated \(result.events) events over \(orgs) organizations in \(String(format: "%.2f", result.seconds)) s: \(Int(result.eventsPerSecond)) events/s (seed \(seed))")
        print(
          "  generation \(String(format: "%.2f", result.generationSeconds)) s (\(Int(result.generationEventsPerSecond)) events/s, \(result.sessions) session\(result.sessions == 1 ? "" : "s")), index builds \(String(format: "%.2f", result.indexSeconds)) s, ANALYZE \(String(format: "%.2f", result.analyzeSeconds)) s")
      }
    }
  }
}
