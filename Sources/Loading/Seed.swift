// `audiencectl seed demo|scale`: installs the generators in seed/*.sql (schema `seed`)
// and calls them. Demo data is designed so the right answers are known (seed/README.md);
// scale data is generated inside PostgreSQL, set-based, in chunks for a progress bar.
import Foundation
import Migrations
import PostgresClient

public struct SeedRow: Sendable, Equatable, Codable {
  public var organization: String
  public var object: String
  public var rows: Int
}

public struct ScaleProgress: Sendable, Equatable, Codable {
  public var events: Int
  public var totalEvents: Int
  public var seconds: Double
  public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
}

public struct Seeder: Sendable {
  public var project: Project
  public init(project: Project) {
    self.project = project
  }

  /// Runs every seed/*.sql file (they define schema `seed` and its functions) in one transaction.
  public func installGenerators(_ connection: Connection) throws {
    let dir = project.root.appendingPathComponent("seed")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".sql") }.sorted()
    guard !names.isEmpty else { throw LoadingError("no seed/*.sql files in \(project.root.path)") }
    try connection.transaction {
      for name in names {
        let path = "seed/\(name)"
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else {
          throw LoadingError("cannot read \(path)")
        }
        try connection.runScript(SQLFile.normalize(String(decoding: data, as: UTF8.self)), path: path)
      }
    }
  }

  /// Loads the demo organizations relative to `reference`; idempotent.
  public func demo(_ connection: Connection, reference: Date) throws -> [SeedRow] {
    try installGenerators(connection)
    return try connection.transaction {
      try connection.query("select org_slug, object, rows from seed.load_demo(\(reference))").rows.map {
        SeedRow(organization: try $0.decode("org_slug"), object: try $0.decode("object"), rows: try $0.decode("rows"))
      }
    }
  }

  /// Generates `events` synthetic events over `orgs` organizations, deterministically from `seed`.
  public func scale(
    _ connection: Connection, orgs: Int, events: Int, seed: Int, chunk: Int = 250_000,
    progress: (ScaleProgress) -> Void = { _ in }
  ) throws -> ScaleProgress {
    try installGenerators(connection)
    try connection.execute("select seed.scale_orgs(\(orgs)::int, \(seed)::int)")
    let started = ContinuousClock.now
    // Bulk load when the months of the seed are still empty (seed/README.md): chunks go
    // into index-less month tables, whose indexes seed.scale_finish() builds at the end.
    try connection.execute("select seed.scale_begin()")
    var done = 0
    do {
      while done < events {
        let count = min(chunk, events - done)
        try connection.execute("select seed.scale_events(\(orgs)::int, \(seed)::int, \(done)::bigint, \(count)::bigint)")
        done += count
        progress(ScaleProgress(events: done, totalEvents: events, seconds: started.duration(to: .now).secondsValue))
      }
    } catch {
      // Never leave the months out of analytics.events: attach what was loaded. A rerun
      // stores the missing chunks (idempotent).
      _ = try? connection.execute("select seed.scale_finish()")
      throw error
    }
    try connection.execute("select seed.scale_finish()")
    try connection.execute("analyze analytics.events")
    return ScaleProgress(events: done, totalEvents: events, seconds: started.duration(to: .now).secondsValue)
  }
}
