// segment export: the CLI path of a segment export (audit row committed before any row leaves).
import ArgumentParser
import Foundation
import Loading

extension AudienceCtl {
  struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Segment exports.", subcommands: [Export.self])

    struct Export: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Export a segment's customers as CSV: the audit row is committed first, then the rows are fetched.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "The segment's id (public.create_segment).") var segment: String
      @Option(help: "Why the export is made (3 to 500 characters; kept in audience.segment_exports).") var purpose: String
      @Flag(help: "Include contact details (e-mail, phone of active subscriptions).") var pii = false
      @Option(help: "Write the CSV to this file (mode 0600) instead of standard output.") var out: String?

      func run() throws {
        guard let id = UUID(uuidString: segment) else { throw ValidationError("--segment must be a uuid") }
        let result = try reportingErrors {
          try SegmentExporter().export(connection.open(), segment: id, includePII: pii, purpose: purpose)
        }
        if let out {
          do {
            try PrivateFile.write(Data(result.csv.utf8), toPath: out)
          } catch {
            printError("\(error) (export \(result.exportID) is audited)")
            throw ExitCode.failure
          }
          printError("export \(result.exportID): \(result.rows.count) customers written to \(out)")
        } else {
          FileHandle.standardOutput.write(Data(result.csv.utf8))
          printError("export \(result.exportID): \(result.rows.count) customers")
        }
      }
    }
  }
}
