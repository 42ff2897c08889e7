// `audiencectl bench ingest`: events/s through public.log_events in batches of 1,000,
// through `ingest` (COPY + validation), beside the floor of a plain COPY of the same rows
// into analytics.events; and `seed scale` events/s. Each path loads into a fresh database.
import Foundation
import Loading
import Migrations
import PostgresClient

public struct IngestBenchmarkReport: Sendable, Codable {
  public var events: Int
  public var logEventsPerSecond: Double
  public var ingestPerSecond: Double
  public var copyFloorPerSecond: Double
  public var seedScalePerSecond: Double
  public var seedScaleEvents: Int

  public var rendered: String {
    func rate(_ value: Double) -> String { String(format: "%9.0f events/s", value) }
    return """
      bench ingest: \(events) events per path, fresh database each
        public.log_events, batches of 1,000    \(rate(logEventsPerSecond))  (target: at least 50,000)
        audiencectl ingest (COPY + validation) \(rate(ingestPerSecond))  \(String(format: "%.2fx", copyFloorPerSecond / max(ingestPerSecond, 1))) slower than the floor (target: within 2x)
        plain COPY into analytics.events       \(rate(copyFloorPerSecond))  (the floor)
        seed scale (\(seedScaleEvents) events)          \(rate(seedScalePerSecond))  (target: at least 500,000)
      """
  }
}

public struct IngestBenchmark: Sendable {
  public var project: Project
  public var target: ConnectionTarget
  public var events: Int
  public var seedEvents: Int
  static let org = "b0b0b0b0-0000-4000-8000-000000000001"

  public init(project: Project, target: ConnectionTarget, events: Int, seedEvents: Int) {
    self.project = project
    self.target = target
    self.events = events
    self.seedEvents = seedEvents
  }

  /// Event n, as the NDJSON a client sends: a mix of types, cities and devices.
  static func eventJSON(_ n: Int, prefix: String) -> String {
    let types = ["page_view", "link_click", "play", "profile_view", "like", "purchase"]
    let cities = [("Berlin", "DE"), ("Hamburg", "DE"), ("Warsaw", "PL"), ("London", "GB"), ("Paris", "FR")]
    let devices = ["mobile", "desktop", "tablet"]
    let (city, country) = cities[n % cities.count]
    let type = types[n % types.count]
    let day = 1 + n % 28
    let second = n % 86_400
    let time = String(format: "2026-10-%02dT%02d:%02d:%02dZ", day, second / 3600, second / 60 % 60, second % 60)
    let revenue = type == "purchase" ? #","revenue_cents":2500,"currency":"EUR""# : ""
    return #"{"org_id":"\#(org)","event_type":"\#(type)","occurred_at":"\#(time)","visitor_id":"v\#(n % 5000)","session_id":"s\#(n / 4)","client_event_id":"\#(prefix)\#(n)","properties":{"city":"\#(city)","country":"\#(country)","device_type":"\#(devices[n % 3])","utm_source":"instagram","platform":"spotify"\#(revenue)}}"#
  }

  public func run() throws -> IngestBenchmarkReport {
    let admin = try Connection(target)
    func freshDatabase() throws -> (String, Connection) {
      let name = "bench_ingest_\(UUID().uuidString.prefix(8).lowercased())"
      try admin.execute("create database \(identifier: name)")
      let connection = try Connection(target.withDatabase(name))
      _ = try Migrator(project: project).migrate(connection)
      try connection.execute(
        "insert into app.organizations (id, slug, name, kind, timezone) values (\(UUID(uuidString: Self.org)!), 'bench', 'Bench', 'artist', 'Europe/Berlin')")
      try connection.execute("select analytics.ensure_partitions(3, 3)")
      return (name, connection)
    }
    func drop(_ name: String, _ connection: Connection) {
      connection.close()
      _ = try? admin.execute("drop database if exists \(identifier: name) with (force)")
    }
    let lines = (0..<events).map { Self.eventJSON($0, prefix: "e") }

    // log_events, batches of 1,000.
    var (name, connection) = try freshDatabase()
    var started = ContinuousClock.now
    for batch in stride(from: 0, to: lines.count, by: 1000) {
      let array = "[" + lines[batch..<min(batch + 1000, lines.count)].joined(separator: ",") + "]"
      try connection.execute("select public.log_events(\(array)::jsonb)")
    }
    let logRate = Double(events) / started.duration(to: .now).secondsValue
    try expectCount(connection, events, "log_events")
    drop(name, connection)

    // ingest: the same path as `audiencectl ingest`, from a file.
    (name, connection) = try freshDatabase()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-ingest-\(UUID().uuidString).ndjson").path
    try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))
    defer { unlink(file) }
    guard let handle = FileHandle(forReadingAtPath: file) else { throw LoadingError("cannot read \(file)") }
    let report = try Ingester().ingest(handle, totalBytes: nil, rejectsPath: file + ".rejects", connection: connection)
    let ingestRate = Double(events) / report.progress.seconds
    try expectCount(connection, events, "ingest")
    drop(name, connection)

    // The floor: the same rows, already typed, in one plain COPY.
    (name, connection) = try freshDatabase()
    let rows = try connection.query(
      "select pg_catalog.count(*) from pg_catalog.generate_series(1, 1)")  // warm the connection
    _ = rows
    var text: [UInt8] = []
    text.reserveCapacity(events * 160)
    for n in 0..<events {
      let types = ["page_view", "link_click", "play", "profile_view", "like", "purchase"]
      let cities = [("Berlin", "DE"), ("Hamburg", "DE"), ("Warsaw", "PL"), ("London", "GB"), ("Paris", "FR")]
      let (city, country) = cities[n % cities.count]
      let second = n % 86_400
      let time = String(format: "2026-10-%02d %02d:%02d:%02d+00", 1 + n % 28, second / 3600, second / 60 % 60, second % 60)
      let line =
        "\(Self.org)\t\(time)\t\(types[n % types.count])\tv\(n % 5000)\ts\(n / 4)\tf\(n)\t{}\t\(city)\t\(country)\t\(["mobile", "desktop", "tablet"][n % 3])\tinstagram\tspotify\n"
      text += Array(line.utf8)
    }
    started = ContinuousClock.now
    try connection.copyIn(
      "copy analytics.events (org_id, occurred_at, event_type, visitor_id, session_id, client_event_id, properties, city, country, device_type, utm_source, platform) from stdin",
      chunks: stride(from: 0, to: text.count, by: 1 << 20).lazy.map { Array(text[$0..<min($0 + (1 << 20), text.count)]) })
    let copyRate = Double(events) / started.duration(to: .now).secondsValue
    try expectCount(connection, events, "COPY")
    drop(name, connection)

    // seed scale.
    (name, connection) = try freshDatabase()
    let scale = try Seeder(project: project).scale(connection, orgs: 100, events: seedEvents, seed: 1)
    drop(name, connection)

    return IngestBenchmarkReport(
      events: events, logEventsPerSecond: logRate, ingestPerSecond: ingestRate, copyFloorPerSecond: copyRate,
      seedScalePerSecond: scale.eventsPerSecond, seedScaleEvents: seedEvents)
  }

  private func expectCount(_ connection: Connection, _ expected: Int, _ path: String) throws {
    let stored = try connection.scalar("select count(*)::bigint from analytics.events", as: Int.self) ?? 0
    guard stored == expected else { throw LoadingError("\(path) stored \(stored) events, expected \(expected)") }
  }
}

extension Duration {
  var secondsValue: Double {
    let (s, atto) = components
    return Double(s) + Double(atto) / 1e18
  }
}
