// `audiencectl seed demo|scale`: installs the generators in seed/*.sql (schema `seed`)
// and calls them. Demo data is designed so the right answers are known (seed/README.md);
// scale data is generated inside PostgreSQL, set-based, in chunks for a progress bar
// (optionally from several sessions at once).
import Dispatch
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
  /// Of `seconds`, once done: generating and storing the rows (every session), building
  /// the indexes (seed.scale_build_indexes from every session, then seed.scale_finish),
  /// and ANALYZE.
  public var generationSeconds: Double = 0
  public var indexSeconds: Double = 0
  public var analyzeSeconds: Double = 0
  /// Sessions that generated the chunks.
  public var sessions: Int = 1
  public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
  /// events/s of the generation alone (rows stored, before index builds and ANALYZE).
  public var generationEventsPerSecond: Double { generationSeconds > 0 ? Double(events) / generationSeconds : 0 }
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
      // A killed seed stops on the server within a second (this transaction only).
      try connection.abortWhenClientGone(local: true)
      return try connection.query("select org_slug, object, rows from seed.load_demo(\(reference))").rows.map {
        SeedRow(organization: try $0.decode("org_slug"), object: try $0.decode("object"), rows: try $0.decode("rows"))
      }
    }
  }

  /// Generates `events` synthetic events over `orgs` organizations, deterministically from `seed`.
  /// With `sessions` > 1 and `openSession`, that many connections (this one and
  /// `sessions` - 1 opened by `openSession`, each on its own thread) generate the chunks
  /// in parallel, then build the indexes of different months in parallel; the data is the
  /// same. `progress` is called on the calling thread.
  public func scale(
    _ connection: Connection, orgs: Int, events: Int, seed: Int, chunk: Int = 250_000,
    sessions: Int = 1, openSession: (@Sendable () throws -> Connection)? = nil,
    progress: (ScaleProgress) -> Void = { _ in }
  ) throws -> ScaleProgress {
    // Sessions run the chunks in autocommit: one session each, so a killed seed stops on the
    // server within a second (client_connection_check_interval for the session).
    try connection.requireOwnSession(for: "seed scale")
    try connection.abortWhenClientGone()
    try installGenerators(connection)
    try connection.execute("select seed.scale_orgs(\(orgs)::int, \(seed)::int)")
    let started = ContinuousClock.now
    // Bulk load when the months of the seed are still empty (seed/README.md): chunks go
    // into month tables with only the partial indexes; every session then builds the
    // other indexes (seed.scale_build_indexes), and seed.scale_finish() attaches them.
    try connection.execute("select seed.scale_begin()")
    let chunks = ChunkDispenser(events: events, chunk: chunk)
    let helpers = openSession == nil ? 0 : max(0, sessions - 1)
    let workers = startHelperSessions(helpers, open: openSession, failed: { chunks.fail($0) }) { session in
      try session.abortWhenClientGone()
      while let (first, count) = chunks.next() {
        try session.execute("select seed.scale_events(\(orgs)::int, \(seed)::int, \(first)::bigint, \(count)::bigint)")
        chunks.finished(count)
      }
      if chunks.waitUntilStored() {
        while try session.scalar("select seed.scale_build_indexes()", as: String.self) != nil {}
      }
    }
    var result = ScaleProgress(events: 0, totalEvents: events, seconds: 0, sessions: helpers + 1)
    do {
      while let (first, count) = chunks.next() {
        try connection.execute("select seed.scale_events(\(orgs)::int, \(seed)::int, \(first)::bigint, \(count)::bigint)")
        chunks.finished(count)
        result.events = chunks.done
        result.seconds = started.duration(to: .now).secondsValue
        progress(result)
      }
      // Once every chunk is stored (by every session), each session builds the indexes of
      // one month table after another (different months at once); seed.scale_finish then
      // only attaches them.
      if chunks.waitUntilStored() {
        result.generationSeconds = started.duration(to: .now).secondsValue
        while try connection.scalar("select seed.scale_build_indexes()", as: String.self) != nil {}
      }
      workers.wait()
      if let error = chunks.error { throw error }
    } catch {
      // Never leave the months out of analytics.events: attach what was loaded. A rerun
      // stores the missing chunks (idempotent).
      chunks.fail(error)
      workers.wait()
      _ = try? connection.execute("select seed.scale_finish()")
      throw error
    }
    result.events = chunks.done
    try connection.execute("select seed.scale_finish()")
    result.indexSeconds = started.duration(to: .now).secondsValue - result.generationSeconds
    try connection.execute("analyze analytics.events")
    result.seconds = started.duration(to: .now).secondsValue
    result.analyzeSeconds = result.seconds - result.generationSeconds - result.indexSeconds
    return result
  }
}

/// Hands out the chunks of a scale seed to the sessions generating them, and keeps the
/// count of events done and the first error (after which no chunk is handed out).
private final class ChunkDispenser: @unchecked Sendable {
  private let lock = NSCondition()
  private let events: Int
  private let chunk: Int
  private var nextFirst = 0
  private var doneEvents = 0
  private var firstError: (any Error)?

  init(events: Int, chunk: Int) {
    self.events = events
    self.chunk = max(1, chunk)
  }

  /// The next chunk (first event, count), or nil when all are handed out or one failed.
  func next() -> (Int, Int)? {
    lock.lock()
    defer { lock.unlock() }
    guard firstError == nil, nextFirst < events else { return nil }
    let first = nextFirst
    let count = min(chunk, events - first)
    nextFirst += count
    return (first, count)
  }

  func finished(_ count: Int) {
    lock.lock()
    defer { lock.unlock() }
    doneEvents += count
    lock.broadcast()
  }

  func fail(_ error: any Error) {
    lock.lock()
    defer { lock.unlock() }
    if firstError == nil { firstError = error }
    lock.broadcast()
  }

  /// Waits until every chunk is stored (true) or one failed (false).
  func waitUntilStored() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    while firstError == nil && doneEvents < events { lock.wait() }
    return firstError == nil
  }

  var done: Int {
    lock.lock()
    defer { lock.unlock() }
    return doneEvents
  }

  var error: (any Error)? {
    lock.lock()
    defer { lock.unlock() }
    return firstError
  }
}
