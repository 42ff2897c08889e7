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
      @Option(name: .customLong("as"), help: "Act as this user (auth.users id): their role in the organization is checked and the audit row names them.")
      var actingAs: String?

      func run() throws {
        guard let id = UUID(uuidString: segment) else { throw ValidationError("--segment must be a uuid") }
        let result = try reportingErrors {
          try SegmentExporter().export(connection.open(), segment: id, includePII: pii, purpose: purpose, actingAs: try actingUser(actingAs))
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

/// The `--as` user id of the export commands, or nil.
func actingUser(_ value: String?) throws -> UUID? {
  guard let value else { return nil }
  guard let id = UUID(uuidString: value) else { throw ValidationError("--as must be a user id (uuid)") }
  return id
}
