// `audiencectl bench usage-ingest`: model requests through `audiencectl ingest --kind
// model-requests` (COPY + usage.ingest_staged) and through public.log_model_requests
// (batches of at most 1,000 requests of one organization), beside the floor: a plain COPY
// of the same rows, already typed and priced, into usage.model_requests. The rows are
// `seed scale --model-requests N` over `orgs` organizations (seed 1), written out once as
// NDJSON and as COPY text, in request id order (organizations and months mixed, as a
// platform's log arrives); each path then loads them into the emptied table of the same
// fresh database, the paths interleaved run after run (the machine is noisy).
import Foundation
import Loading
import Migrations
import PostgresClient

public struct UsageIngestBenchmarkReport: Sendable, Codable {
  public var requests: Int
  public var organizations: Int
  public var runs: Int
  /// Seconds of every run of each path: copyFloor, ingest, logModelRequests.
  public var samples: [String: [Double]]
  /// CPU seconds of the server session (user + system, from /proc/self/stat: a local
  /// cluster on Linux, superuser) of every run of the one-session paths, same keys; empty
  /// when not readable. Less noisy than wall time on a shared machine.
  public var cpuSamples: [String: [Double]]
  /// Medians.
  public var copyFloorSeconds: Double
  public var ingestSeconds: Double
  public var logModelRequestsSeconds: Double
  /// Batches sent to log_model_requests (one organization each, at most 1,000 requests).
  public var batches: Int
  /// Sessions of `ingest --jobs N` (the command's default is 2) and of the floor of N plain
  /// COPYs at once, each of an equal share of the rows (samples ingestParallel,
  /// copyFloorParallel; not measured when 1).
  public var jobs: Int
  public var ingestParallelSeconds: Double?
  public var copyFloorParallelSeconds: Double?
  /// The machine's load average (1 minute) before the first and after the last run.
  public var loadBefore: Double?
  public var loadAfter: Double?

  public var rendered: String {
    func line(_ label: String, _ key: String, _ median: Double) -> String {
      var text = label.padding(toLength: 44, withPad: " ", startingAt: 0)
        + String(format: "%8.2f s %9.0f requests/s", median, Double(requests) / max(median, 1e-9))
      if key != "copyFloor" { text += String(format: "  %.2fx the floor", median / max(copyFloorSeconds, 1e-9)) }
      if runs > 1, let values = samples[key], let low = values.min(), let high = values.max() {
        text += String(format: "  (runs %.2f-%.2f s)", low, high)
      }
      if let cpu = Self.median(cpuSamples[key]), let floor = Self.median(cpuSamples["copyFloor"]) {
        text += String(format: "; server CPU %.2f s", cpu)
        if key != "copyFloor" { text += String(format: " (%.2fx)", cpu / max(floor, 1e-9)) }
      }
      return text
    }
    var parallel = ""
    if let ingest = ingestParallelSeconds, let copy = copyFloorParallelSeconds {
      parallel = "\n  " + line("audiencectl ingest ... --jobs \(jobs)", "ingestParallel", ingest)
        + String(format: "; %.2fx %d COPYs at once", ingest / max(copy, 1e-9), jobs)
        + "\n  " + line("plain COPY, \(jobs) sessions at once", "copyFloorParallel", copy)
    }
    let load = [loadBefore, loadAfter].compactMap { $0 }.map { String(format: "%.1f", $0) }.joined(separator: " -> ")
    return """
      bench usage-ingest: \(requests) model requests of \(organizations) organizations, \(runs == 1 ? "one run" : "medians of \(runs) runs") per path, one session, load average \(load)
        \(line("plain COPY into usage.model_requests", "copyFloor", copyFloorSeconds))  (the floor)
        \(line("audiencectl ingest --kind model-requests", "ingest", ingestSeconds))  (target: within 1.5x)
        \(line("public.log_model_requests (\(batches) batches)", "logModelRequests", logModelRequestsSeconds))\(parallel)
      """
  }

  static func median(_ samples: [Double]?) -> Double? {
    let values = (samples ?? []).sorted()
    guard !values.isEmpty else { return nil }
    return values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
  }
}

public struct UsageIngestBenchmark: Sendable {
  public var project: Project
  public var target: ConnectionTarget
  public var requests: Int
  public var organizations: Int
  public var runs: Int
  public var jobs: Int

  public init(project: Project, target: ConnectionTarget, requests: Int, organizations: Int, runs: Int, jobs: Int = 2) {
    self.project = project
    self.target = target
    self.requests = max(1, requests)
    self.organizations = max(1, organizations)
    self.runs = max(1, runs)
    self.jobs = max(1, jobs)
  }

  /// The columns a plain COPY writes (everything but id and received_at, which default).
  static let columns =
    "org_id, request_id, occurred_at, user_id, team, project, feature, provider, model, model_requested, was_routed, router_confidence, baseline_provider, baseline_model, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, latency_ms, time_to_first_token_ms, status, error_type, rating, feedback_flag, price_id, cost, baseline_price_id, baseline_cost, metadata"

  /// A stored request as the JSON object a platform sends (with "org_id" for the file).
  static let requestJSON = """
    jsonb_strip_nulls(jsonb_build_object('org_id', org_id, 'request_id', request_id,
      'occurred_at', to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'user_id', user_id,
      'team', team, 'project', project, 'feature', feature, 'provider', provider, 'model', model,
      'model_requested', model_requested, 'was_routed', was_routed, 'router_confidence', router_confidence,
      'baseline_provider', baseline_provider, 'baseline_model', baseline_model, 'input_tokens', input_tokens,
      'output_tokens', output_tokens, 'latency_ms', latency_ms, 'status', status, 'rating', rating))
    """

  public func run() throws -> UsageIngestBenchmarkReport {
    let admin = try Connection(target)
    defer { admin.close() }
    let name = "bench_usage_ingest_\(UUID().uuidString.prefix(8).lowercased())"
    try admin.execute("create database \(identifier: name)")
    defer { _ = try? admin.execute("drop database if exists \(identifier: name) with (force)") }
    let database = target.withDatabase(name)
    let connection = try Connection(database)
    defer { connection.close() }
    _ = try Migrator(project: project).migrate(connection)
    _ = try Seeder(project: project).scaleModelRequests(connection, orgs: organizations, requests: requests, seed: 1)

    // The same rows as NDJSON (a file, for ingest), as batches per organization and as COPY text.
    var ndjson: [UInt8] = []
    _ = try connection.copyOut(
      SQL(unsafeSQL: "copy (select \(Self.requestJSON)::text from usage.model_requests order by request_id) to stdout")
    ) { ndjson += $0 }
    var floorRows: [UInt8] = []
    _ = try connection.copyOut(
      SQL(unsafeSQL: "copy (select \(Self.columns) from usage.model_requests order by request_id) to stdout")
    ) { floorRows += $0 }
    let batches = try connection.query(
      SQL(unsafeSQL: """
        select org_id::text as org, '[' || string_agg(j, ',' order by request_id) || ']' as batch
        from (select org_id, request_id, \(Self.requestJSON)::text as j,
                     (row_number() over (partition by org_id order by request_id) - 1) / 1000 as part
              from usage.model_requests) as r
        group by org_id, part order by min(request_id)
        """)
    ).rows.map { (org: try $0.decode("org", as: String.self), batch: try $0.decode("batch", as: String.self)) }
    let expected = try totals(connection)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("bench-usage-ingest-\(UUID().uuidString).ndjson").path
    try Data(ndjson).write(to: URL(fileURLWithPath: file))
    defer { unlink(file) }
    ndjson = []
    let pieces = stride(from: 0, to: floorRows.count, by: 1 << 20).map { Array(floorRows[$0..<min($0 + (1 << 20), floorRows.count)]) }
    // For the parallel floor: row n goes to share n % jobs.
    var shares = [[UInt8]](repeating: [], count: jobs)
    if jobs > 1 {
      var row = 0
      var start = 0
      for (i, byte) in floorRows.enumerated() where byte == UInt8(ascii: "\n") {
        shares[row % jobs] += floorRows[start...i]
        start = i + 1
        row += 1
      }
    }
    floorRows = []

    var samples: [String: [Double]] = [:]
    var cpuSamples: [String: [Double]] = [:]
    /// Empties the table (and checkpoints, so that no path pays for another's writes), runs
    /// `body`, checks that the same requests and costs were stored; records the seconds
    /// (and the server session's CPU seconds) under `key`.
    func timed(_ key: String, cpu measureCPU: Bool = true, _ body: () throws -> Void) throws {
      try connection.execute("truncate usage.model_requests")
      try connection.execute("checkpoint")
      let cpu = measureCPU ? Self.serverCPU(connection) : nil
      let started = ContinuousClock.now
      try body()
      samples[key, default: []].append(started.duration(to: .now).secondsValue)
      if let cpu, let now = Self.serverCPU(connection) { cpuSamples[key, default: []].append(now - cpu) }
      let stored = try totals(connection)
      guard stored == expected else { throw LoadingError("\(key) stored \(stored), expected \(expected)") }
    }

    let loadBefore = Self.loadAverage()
    for _ in 0..<runs {
      try timed("copyFloor") {
        _ = try connection.copyIn(SQL(unsafeSQL: "copy usage.model_requests (\(Self.columns)) from stdin"), chunks: pieces)
      }
      try timed("ingest") {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw LoadingError("cannot read \(file)") }
        defer { try? handle.close() }
        let report = try Ingester(kind: .modelRequests).ingest(
          handle, totalBytes: nil, rejectsPath: file + ".rejects", connection: connection)
        guard report.progress.rejected == 0 else { throw LoadingError("ingest rejected \(report.progress.rejected) lines") }
      }
      try timed("logModelRequests") {
        for batch in batches {
          try connection.execute("select public.log_model_requests(\(batch.org)::uuid, \(batch.batch)::jsonb)")
        }
      }
      if jobs > 1 {
        // Wall time only: the work is spread over several server sessions.
        try timed("ingestParallel", cpu: false) {
          guard let handle = FileHandle(forReadingAtPath: file) else { throw LoadingError("cannot read \(file)") }
          defer { try? handle.close() }
          let report = try Ingester(jobs: jobs, kind: .modelRequests).ingest(
            handle, totalBytes: nil, rejectsPath: file + ".rejects", connection: connection, openSession: { try Connection(database) })
          guard report.progress.rejected == 0 else { throw LoadingError("ingest rejected \(report.progress.rejected) lines") }
        }
        try timed("copyFloorParallel", cpu: false) {
          let columns = Self.columns
          let parts = shares
          _ = try IngestBenchmark.inParallel(clients: jobs, target: database) { session, client in
            _ = try session.copyIn(SQL(unsafeSQL: "copy usage.model_requests (\(columns)) from stdin"), chunks: [parts[client]])
          }
        }
      }
    }
    func median(_ key: String) -> Double { UsageIngestBenchmarkReport.median(samples[key]) ?? 0 }
    return UsageIngestBenchmarkReport(
      requests: requests, organizations: organizations, runs: runs, samples: samples, cpuSamples: cpuSamples,
      copyFloorSeconds: median("copyFloor"), ingestSeconds: median("ingest"),
      logModelRequestsSeconds: median("logModelRequests"), batches: batches.count, jobs: jobs,
      ingestParallelSeconds: jobs > 1 ? median("ingestParallel") : nil,
      copyFloorParallelSeconds: jobs > 1 ? median("copyFloorParallel") : nil,
      loadBefore: loadBefore, loadAfter: Self.loadAverage())
  }

  /// Requests, priced requests and the cost totals stored (a check that every path stored
  /// the same rows with the same prices).
  private func totals(_ connection: Connection) throws -> String {
    try connection.scalar(
      """
      select concat_ws(' ', count(*), count(price_id), count(baseline_price_id), sum(cost), sum(baseline_cost),
                       sum(input_tokens), count(distinct org_id))
      from usage.model_requests
      """, as: String.self) ?? ""
  }

  /// The CPU seconds (user + system) the server process of `connection` has used so far:
  /// /proc/self/stat read by the server (a superuser on a Linux host); nil otherwise.
  static func serverCPU(_ connection: Connection) -> Double? {
    guard let stat = try? connection.scalar("select pg_catalog.pg_read_file('/proc/self/stat')", as: String.self) else { return nil }
    // Fields after the command name (which is in parentheses): state is field 3; utime, stime 14, 15.
    guard let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / 100   // clock ticks (USER_HZ, 100 on Linux)
  }

  /// The 1-minute load average (Linux), if readable.
  static func loadAverage() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
    return text.split(separator: " ").first.flatMap { Double($0) }
  }
}
