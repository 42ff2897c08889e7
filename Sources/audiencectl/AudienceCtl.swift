// The audiencectl executable: argument parsing and printing only; every command calls one
// library entry point.
import ArgumentParser
import Foundation
import LocalCluster
import Migrations
import PostgresClient
import Refresh
import Verification

@main
struct AudienceCtl: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "audiencectl",
    abstract: "Apply, check and operate the audience-db PostgreSQL schema.",
    discussion: """
      Connects with --url, then DATABASE_URL, then libpq's PG* variables / service file / .pgpass; \
      with none of them it starts (or reuses) a private cluster under .audiencectl/ in the project.
      Exit codes: 0 success, 1 failure, 3 drift, 4 lock timeout, 64 usage.
      """,
    version: ToolInfo.version,
    subcommands: [
      Migrate.self, Status.self, Validate.self, Baseline.self, Repair.self, Verify.self, DB.self, Ingest.self, Seed.self,
      RefreshCommand.self, Schedule.self, InsightsCommand.self, Segment.self, Export.self,
      Bench.self, ReportCommand.self,
    ]
  )
}

/// Where to connect and which project to use; shared by every database command.
struct ConnectionOptions: ParsableArguments {
  @Option(name: .long, help: "PostgreSQL URL or conninfo (default: DATABASE_URL, PG* variables, then the private cluster).")
  var url: String?

  @Option(name: .long, help: "Project directory (default: the nearest folder at or above the current one with migrations/).")
  var project: String?

  var projectValue: Project {
    if let project { return Project(root: URL(fileURLWithPath: project)) }
    return Project.find(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
  }

  var source: ConnectionSource {
    ConnectionResolver.source(url: url, environment: ProcessInfo.processInfo.environment, projectDirectory: projectValue.root)
  }

  func open() throws -> Connection {
    try Connection(ConnectionResolver.target(for: source, projectDirectory: projectValue.root))
  }
}

/// Prints a library error to stderr and exits with its documented status.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as MigrationError {
    printError(error.description)
    throw ExitCode(error.status.rawValue)
  } catch let error as PostgresError {
    printError(error.description)
    throw ExitCode(error.code == .lockNotAvailable ? ExitStatus.lockTimeout.rawValue : ExitStatus.failure.rawValue)
  } catch let error as ProjectError {
    printError("error: \(error)")
    throw ExitCode(ExitStatus.failure.rawValue)
  } catch let error as ClusterError {
    printError(error.description)
    throw ExitCode(ExitStatus.failure.rawValue)
  } catch let error as RefreshError {
    printError(error.description)
    throw ExitCode(error.lockTimeout ? ExitStatus.lockTimeout.rawValue : ExitStatus.failure.rawValue)
  } catch let error as SessionPoolingError {
    printError(error.description)
    throw ExitCode(ExitStatus.failure.rawValue)
  }
}

func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  encoder.dateEncodingStrategy = .iso8601
  print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
