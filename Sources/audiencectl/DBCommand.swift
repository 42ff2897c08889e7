// db start | stop | status | url: the private cluster under .audiencectl/.
import ArgumentParser
import Foundation
import LocalCluster
import Migrations

extension AudienceCtl {
  struct DB: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "db", abstract: "Manage the private PostgreSQL cluster under .audiencectl/.",
      subcommands: [Start.self, Stop.self, Status.self, URLCommand.self])

    struct ProjectOption: ParsableArguments {
      @Option(help: "Project directory (default: the nearest folder with migrations/).") var project: String?
      var cluster: LocalCluster {
        let root =
          project.map { URL(fileURLWithPath: $0) }
          ?? Project.find(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).root
        return LocalCluster(projectDirectory: root)
      }
    }

    struct Start: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Create (first time) and start the cluster; reuse it when running.")
      @OptionGroup var options: ProjectOption
      func run() throws {
        let report = try reportingErrors { try options.cluster.start() }
        let what = report.created ? "created and started" : report.started ? "started" : "already running"
        print("private cluster \(what): \(report.url)")
      }
    }

    struct Stop: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Stop the cluster.")
      @OptionGroup var options: ProjectOption
      func run() throws {
        let stopped = try reportingErrors { try options.cluster.stop() }
        print(stopped ? "private cluster stopped" : "private cluster was not running")
      }
    }

    struct Status: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "Say whether the cluster exists and runs.")
      @OptionGroup var options: ProjectOption
      func run() throws {
        let cluster = options.cluster
        switch try reportingErrors({ try cluster.state() }) {
        case .notCreated: print("not created (\(cluster.directory.path))")
        case .stopped: print("stopped (\(cluster.dataDirectory.path))")
        case .running(let pid): print("running, pid \(pid): \(cluster.url)")
        }
      }
    }

    struct URLCommand: ParsableCommand {
      static let configuration = CommandConfiguration(commandName: "url", abstract: "Print a URL that psql accepts.")
      @OptionGroup var options: ProjectOption
      @Option(help: "The database to name in the URL.") var database = "audience"
      func run() { print(options.cluster.url(database: database)) }
    }
  }
}
