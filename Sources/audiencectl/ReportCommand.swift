// report: one self-contained HTML file of an organization's numbers (Sources/Report).
import ArgumentParser
import Migrations
import Foundation
import PostgresClient
import Report

extension AudienceCtl {
  struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "report",
      abstract: "Write an organization's numbers as one self-contained HTML file (inline CSS and SVG, no script).",
      discussion: """
        Every number comes from the project's RPCs, called as service_role for the organization. \
        Sections: \(ReportSection.allCases.map(\.rawValue).joined(separator: ", ")) (default: all). \
        The AI-platform sections (costs, budgets, breakdown) say why they are empty when the usage module is absent.
        """)
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The organization id (uuid).") var org: String
    @Option(help: "First local day, YYYY-MM-DD (default: 30 days before --to).") var from: String?
    @Option(help: "Local day after the last one, YYYY-MM-DD (default: today in the organization's time zone).") var to: String?
    @Option(help: "Output file (default: report-<slug>-<from>-<to>.html; - for standard output).") var out: String?
    @Option(help: "Comma-separated sections (default: all).") var sections: String?
    @Option(help: "Comma-separated funnel steps (event types); default by organization kind.") var funnel: String?
    @Flag(help: "Print each RPC's time to standard error.") var timings = false

    func run() throws {
      guard let id = UUID(uuidString: org) else { throw ValidationError("--org must be an organization id (uuid)") }
      let chosen: [ReportSection]
      do {
        chosen = try sections.map(ReportRequest.parseSections) ?? ReportSection.allCases
      } catch let error as ReportError {
        printError(error.description)
        throw ExitCode(ExitStatus.usage.rawValue)
      }
      let steps = funnel.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
      let request = ReportRequest(orgID: id, from: from, to: to, sections: chosen, funnelSteps: steps)
      let report: RenderedReport
      do {
        report = try reportingErrors { try Report.make(request, connection: connection.open()) }
      } catch let error as ReportError {
        printError(error.description)
        throw ExitCode.failure
      }
      let path = out ?? "report-\(report.data.organization.slug)-\(report.data.from)-\(report.data.to).html"
      if path == "-" {
        FileHandle.standardOutput.write(Data(report.html.utf8))
      } else {
        do {
          try Data(report.html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
          printError("error: cannot write \(path): \(error.localizedDescription)")
          throw ExitCode.failure
        }
        print(
          "wrote \(path) (\(report.html.utf8.count) bytes): \(chosen.count) sections of \(report.data.organization.slug), "
            + "\(report.data.from) to \(report.data.to); RPCs \(String(format: "%.0f", report.fetchMilliseconds)) ms, "
            + "rendering \(String(format: "%.0f", report.renderMilliseconds)) ms")
      }
      if timings {
        for timing in report.data.timings { printError(String(format: "%8.1f ms  %@", timing.milliseconds, timing.call)) }
      }
    }
  }
}
