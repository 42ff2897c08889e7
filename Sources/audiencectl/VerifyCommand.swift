// verify: migration state, structural checks and pgTAP contracts.
import ArgumentParser
import Migrations
import Verification

extension VerifyFormat: ExpressibleByArgument {}

extension AudienceCtl {
  struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check migration state, structure (RLS, definer functions, grants, indexes) and run the RPC contracts.",
      discussion: "Each contract file runs inside a transaction that is rolled back: safe against production.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "human, json, tap or junit.") var format: VerifyFormat = .human
    @Option(help: "Run only contract files whose path contains this text.") var only: String?
    @Flag(help: "Skip the pgTAP contracts (structure and migration state only).") var skipContracts = false

    func run() throws {
      let report = try reportingErrors {
        try Verifier(project: connection.projectValue, contractFilter: only, skipContracts: skipContracts).verify(connection.open())
      }
      print(report.rendered(as: format))
      if !report.passed { throw ExitCode(ExitStatus.failure.rawValue) }
    }
  }
}
