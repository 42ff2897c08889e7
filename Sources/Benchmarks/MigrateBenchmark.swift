// `audiencectl bench migrate`: applying every file to an empty database, beside the floor
// of `psql -1 -f` on the same files concatenated; and the wall time of `audiencectl status`.
import Foundation
import LocalCluster
import Migrations
import PostgresClient

/// Timings in milliseconds over several runs.
public struct Timings: Sendable, Equatable, Codable {
  public var samples: [Double]
  public init(_ samples: [Double]) { self.samples = samples.sorted() }
  public var median: Double { samples.isEmpty ? 0 : samples[samples.count / 2] }
  public var p95: Double { samples.isEmpty ? 0 : samples[Swift.min(samples.count - 1, Int((Double(samples.count) * 0.95).rounded(.up)) - 1)] }
  public var min: Double { samples.first ?? 0 }
}

public struct MigrateBenchmarkReport: Sendable, Codable {
  public var files: Int
  public var runs: Int
  public var audiencectlMigrate: Timings
  public var psqlFloor: Timings
  public var status: Timings
  public var ratio: Double { psqlFloor.median > 0 ? audiencectlMigrate.median / psqlFloor.median : 0 }
  public var serverVersion: Int

  public var rendered: String {
    func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
    return """
      bench migrate: \(files) files, \(runs) runs each, PostgreSQL \(serverVersion / 10000).\(serverVersion % 100)
        audiencectl migrate (empty database)   median \(ms(audiencectlMigrate.median))  min \(ms(audiencectlMigrate.min))
        psql -1 -f (same files, concatenated)  median \(ms(psqlFloor.median))  min \(ms(psqlFloor.min))
        ratio (median)                         \(String(format: "%.2fx", ratio))  (target: within 1.5x)
        audiencectl status (up to date, wall)  median \(ms(status.median))  p95 \(ms(status.p95))  (target: under 100 ms)
      """
  }
}

public struct MigrateBenchmark: Sendable {
  public var project: Project
  public var target: ConnectionTarget
  public var runs: Int
  /// The audiencectl binary, for timing `status` as a user runs it.
  public var executable: String

  public init(project: Project, target: ConnectionTarget, runs: Int, executable: String) {
    self.project = project
    self.target = target
    self.runs = runs
    self.executable = executable
  }

  public func run() throws -> MigrateBenchmarkReport {
    let admin = try Connection(target)
    let files = try project.versionedFiles() + project.repeatableFiles()
    if let file = files.first(where: \.noTransaction) {
      throw MigrationError(.failure, "\(file.path) runs outside a transaction: psql -1 cannot be the floor for it")
    }
    let script = files.map(\.text).joined(separator: "\n;\n")
    let scriptPath = FileManager.default.temporaryDirectory.appendingPathComponent("bench-migrate-\(UUID().uuidString).sql").path
    try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
    defer { unlink(scriptPath) }
    let psql = try LocalCluster.binDirectory().appendingPathComponent("psql").path

    var ours: [Double] = []
    var floor: [Double] = []
    var status: [Double] = []
    for run in 0..<runs {
      // Alternate which goes first so neither always meets a warmer cache.
      for order in (run % 2 == 0 ? [0, 1] : [1, 0]) {
        let name = "bench_migrate_\(UUID().uuidString.prefix(8).lowercased())"
        try admin.execute("create database \(identifier: name)")
        defer { _ = try? admin.execute("drop database if exists \(identifier: name) with (force)") }
        let dbTarget = target.withDatabase(name)
        if order == 0 {
          let started = ContinuousClock.now
          let connection = try Connection(dbTarget)
          _ = try Migrator(project: project).migrate(connection)
          connection.close()
          ours.append(started.duration(to: .now).secondsValue * 1000)
          guard case .url(let url) = dbTarget else { continue }
          for _ in 0..<3 {
            let started = ContinuousClock.now
            let out = try Shell.run(executable, ["status", "--url", url, "--project", project.root.path])
            guard out.status == 0 else { throw MigrationError(.failure, "audiencectl status failed: \(out.text)") }
            status.append(started.duration(to: .now).secondsValue * 1000)
          }
        } else {
          guard case .url(let url) = dbTarget else { continue }
          let started = ContinuousClock.now
          let out = try Shell.run(psql, ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", scriptPath, "-d", url])
          guard out.status == 0 else { throw MigrationError(.failure, "psql failed on the concatenated files: \(out.text)") }
          floor.append(started.duration(to: .now).secondsValue * 1000)
        }
      }
    }
    return MigrateBenchmarkReport(
      files: files.count, runs: runs, audiencectlMigrate: Timings(ours), psqlFloor: Timings(floor), status: Timings(status),
      serverVersion: admin.serverVersion)
  }
}


