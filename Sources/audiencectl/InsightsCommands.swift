// insights generate | list: SQL measures, the provider phrases, nothing unvalidated is stored.
import ArgumentParser
import Foundation
import Insights
import Migrations
import PostgresClient

extension AudienceCtl {
  struct InsightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "insights", abstract: "Generate and list AI insights.", subcommands: [Generate.self, Work.self, List.self])

    struct Generate: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Detect insight candidates in SQL, have the provider phrase and rank them, store the validated ones.",
        discussion: """
          Provider: --provider or AUDIENCE_LLM_PROVIDER (template, the offline default; anthropic; openai). \
          AUDIENCE_LLM_BASE_URL, AUDIENCE_LLM_MODEL, ANTHROPIC_API_KEY / OPENAI_API_KEY configure the others; keys are never printed.
          """)
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "One organization (a manual run: at most one an hour).") var org: String?
      @Flag(help: "The scheduled batch: organizations with enough data and no run in 20 hours, then expire stale insights.") var all = false
      @Option(help: "With --all: at most this many organizations.") var limit = 100
      @Option(help: "template, anthropic or openai.") var provider: String?
      @Flag(help: "Show what would be stored; write nothing.") var dryRun = false
      @Flag(help: "Print JSON.") var json = false

      func validate() throws {
        guard (org != nil) != all else { throw ValidationError("pass either --org ID or --all") }
        if let org, UUID(uuidString: org) == nil { throw ValidationError("--org must be an organization id (uuid)") }
      }

      func run() async throws {
        let configuration: ProviderConfiguration
        do {
          configuration = try ProviderConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, override: provider)
        } catch {
          printError("error: \(error)")
          throw ExitCode(ExitStatus.usage.rawValue)
        }
        let generator = InsightGenerator(phraser: try InsightPhraser(provider: configuration.makeProvider()))
        let db = try reportingErrors { try connection.open() }
        do {
          if all {
            let (reports, expired) = try await generator.generateAll(connection: db, limit: limit, dryRun: dryRun)
            if json { try printJSON(reports) } else {
              for report in reports { print(report.rendered) }
              print("\(reports.count) organizations, \(reports.filter { $0.error != nil }.count) failed, \(expired) stale insights expired")
            }
            if reports.contains(where: { $0.error != nil }) { throw ExitCode.failure }
          } else {
            let report = try await generator.generate(org: UUID(uuidString: org!)!, connection: db, manual: true, dryRun: dryRun)
            if json { try printJSON(report) } else { print(report.rendered) }
            if report.error != nil { throw ExitCode.failure }
          }
        } catch let error as GenerationError {
          printError(error.description)
          throw ExitCode.failure
        } catch let error as PostgresError {
          printError(error.description)
          throw ExitCode.failure
        }
      }
    }

    struct Work: AsyncParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Process pending generation runs (requested with public.request_insight_generation, or queued by --due).",
        discussion: """
          First fails runs left processing for more than 30 minutes. With --due (the daily schedule, 06:00 UTC): \
          queues a run for every organization due and expires stale insights. Provider as for generate.
          """)
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "At most this many runs.") var limit = 100
      @Flag(help: "First queue the organizations due and expire stale insights.") var due = false
      @Option(help: "template, anthropic or openai.") var provider: String?
      @Flag(help: "Print JSON.") var json = false

      func run() async throws {
        let configuration: ProviderConfiguration
        do {
          configuration = try ProviderConfiguration.fromEnvironment(ProcessInfo.processInfo.environment, override: provider)
        } catch {
          printError("error: \(error)")
          throw ExitCode(ExitStatus.usage.rawValue)
        }
        let generator = InsightGenerator(phraser: try InsightPhraser(provider: configuration.makeProvider()))
        let db = try reportingErrors { try connection.open() }
        let report: InsightGenerator.WorkReport
        do {
          report = try await generator.work(connection: db, limit: limit, due: due)
        } catch let error as PostgresError {
          printError(error.description)
          throw ExitCode.failure
        }
        if json { try printJSON(report) } else {
          for run in report.runs { print(run.rendered) }
          print("\(report.runs.count) runs processed, \(report.runs.filter { $0.error != nil }.count) failed, \(report.abandoned) abandoned runs failed, \(report.enqueued) queued, \(report.expired) stale insights expired")
        }
        if report.runs.contains(where: { $0.error != nil }) { throw ExitCode.failure }
      }
    }

    struct List: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "List an organization's insights, newest first.")
      @OptionGroup var connection: ConnectionOptions
      @Option(help: "The organization id.") var org: String
      @Option(help: "active, dismissed, acted_on or expired.") var status = "active"
      @Flag(help: "Print JSON.") var json = false

      func run() throws {
        guard let id = UUID(uuidString: org) else { throw ValidationError("--org must be an organization id (uuid)") }
        let rows = try reportingErrors {
          try connection.open().query(
            """
            select priority::text, insight_type::text, subject_key, title, description, confidence::text, expires_at::text
              from insights.ai_insights where org_id = \(id) and status::text = \(status)
             order by created_at desc, priority
            """
          ).rows
        }
        if json {
          try printJSON(rows.map { row in Dictionary(uniqueKeysWithValues: zip(row.columns.map(\.name), row.cells.map { $0 ?? "" })) })
          return
        }
        if rows.isEmpty { print("no \(status) insights for \(id)") }
        for row in rows {
          print("[\(row["priority"] ?? "")] \(row["insight_type"] ?? "") \(row["subject_key"] ?? "") (confidence \(row["confidence"] ?? ""), expires \(row["expires_at"] ?? ""))")
          print("  \(row["title"] ?? "")")
          print("  \(row["description"] ?? "")")
        }
      }
    }
  }
}
