// export usage: an organization's model requests, streamed through COPY (audit row committed
// before any row leaves). export archive: the partitions retention moved to schema archive,
// each to a CSV file with a manifest, dropped from the database only once written.
import ArgumentParser
import Foundation
import Loading

extension AudienceCtl {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Audited exports streamed through COPY.", subcommands: [Usage.self, Archive.self])

    struct Usage: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Export an organization's model requests (or daily totals) as CSV or NDJSON: the audit row is committed first, then the rows are streamed.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "The organization's id.") var org: String
      @Option(help: "First local day (YYYY-MM-DD), included.") var from: String
      @Option(help: "Day after the last local day (YYYY-MM-DD), excluded.") var to: String
      @Option(help: "csv or json (NDJSON: one object per line).") var format: String
      @Option(help: "request (one row per model request) or day (one row per local day).") var grain = "request"
      @Option(help: "Write to this file instead of standard output.") var out: String?
      @Option(name: .customLong("as"), help: "Act as this user (auth.users id): their role in the organization is checked and the audit row names them.")
      var actingAs: String?
      @Flag(help: "After the rows, the organization's stored anomalies of the period and its recommendations (open, or created in the period), in the same format: NDJSON objects with \"record\": \"anomaly\" or \"recommendation\"; CSV: a second table after one empty line.")
      var includeInsights = false

      func run() throws {
        guard let orgID = UUID(uuidString: org) else { throw ValidationError("--org must be a uuid") }
        guard let format = UsageExporter.Format(rawValue: format) else { throw ValidationError("--format must be csv or json") }
        guard let grain = UsageExporter.Grain(rawValue: grain) else { throw ValidationError("--grain must be request or day") }
        let result = try loadingErrors {
          try UsageExporter().export(
            connection.open(), org: orgID, from: from, to: to, grain: grain, format: format,
            output: out.map { .file($0) } ?? .standardOutput, includeInsights: includeInsights, actingAs: try actingUser(actingAs))
        }
        let what = grain == .request ? "requests" : "days"
        printError(
          "usage export \(result.exportID): \(result.rows) \(what)" + (includeInsights ? " and \(result.insights) insights" : "")
            + (out.map { " written to \($0)" } ?? ""))
      }
    }

    struct Archive: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Write the tables of schema archive (event partitions moved there by retention) to CSV files with a manifest each; with --drop, drop each table once its file is complete.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "The directory to write <name>.csv and <name>.manifest.json into (created when missing).") var out: String
      @Option(help: "Only this archived table (e.g. events_p2026_01); default: every table of schema archive.") var table: String?
      @Flag(help: "Drop each table from the database after its file and manifest are written and its row count checked.") var drop = false

      func run() throws {
        let results = try loadingErrors {
          try ArchiveExporter().export(connection.open(), table: table, directory: out, drop: drop)
        }
        if results.isEmpty { printError("schema archive holds no table: nothing to export") }
        for r in results {
          printError("\(r.table): \(r.rows) rows, \(r.bytes) bytes, sha256 \(r.sha256) written to \(r.file)"
                     + (r.dropped ? " (dropped from the database)" : ""))
        }
      }
    }
  }
}
