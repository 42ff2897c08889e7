// migrate, refresh and ingest through a real pgbouncer started on a loopback port in front
// of the test server: refused before doing anything in transaction pooling (nothing left on
// the pooled sessions), correct in session pooling.
import Foundation
import LocalCluster
import PostgresClient
import TestSupport
import Testing

/// A pgbouncer process in front of the test server, stopped on deinit.
final class PgBouncer: @unchecked Sendable {
  static let binary = "/usr/sbin/pgbouncer"
  let directory: URL
  let port: Int
  let pid: Int32

  /// Starts pgbouncer with `pool_mode` and `poolSize` server sessions per database, for every
  /// database of the test server (as `postgres` when we are root: pgbouncer refuses root).
  init(poolMode: String, poolSize: Int = 4) throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgbouncer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let admin = try Connection(.url(TestEnvironment.adminURL))
    defer { admin.close() }
    let row = try #require(
      try admin.query(
        """
        select pg_catalog.inet_server_addr()::text as address, pg_catalog.current_setting('port') as port,
               pg_catalog.split_part(pg_catalog.current_setting('unix_socket_directories'), ',', 1) as socket, current_user as role
        """
      ).first)
    let host = try row.decode("address", as: String?.self).map { $0.components(separatedBy: "/")[0] } ?? (try row.decode("socket", as: String.self))
    var server = "host=\(host) port=\(try row.decode("port", as: String.self)) user=\(try row.decode("role", as: String.self))"
    if let password = URLComponents(string: TestEnvironment.adminURL)?.password { server += " password=\(password)" }
    port = try Self.freePort()
    let path = directory.path
    try Data(
      """
      [databases]
      * = \(server)
      [pgbouncer]
      listen_addr = 127.0.0.1
      listen_port = \(port)
      unix_socket_dir =
      auth_type = any
      pool_mode = \(poolMode)
      default_pool_size = \(poolSize)
      max_client_conn = 200
      logfile = \(path)/pgbouncer.log
      pidfile = \(path)/pgbouncer.pid

      """.utf8
    ).write(to: directory.appendingPathComponent("pgbouncer.ini"))
    let root = geteuid() == 0
    if root { _ = try Shell.run("chown", ["-R", "postgres", path]) }
    let ini = "\(path)/pgbouncer.ini"
    let started = try root ? Shell.run("runuser", ["-u", "postgres", "--", Self.binary, "-d", ini]) : Shell.run(Self.binary, ["-d", ini])
    // -d: the parent exits at once; the daemon writes its pid file when it listens.
    _ = eventually(timeout: 10) { FileManager.default.fileExists(atPath: "\(path)/pgbouncer.pid") }
    Thread.sleep(forTimeInterval: 0.1)
    guard started.status == 0,
      let text = try? String(contentsOfFile: "\(path)/pgbouncer.pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    else {
      throw PostgresError(code: .clientError, message: "pgbouncer did not start: \(started.text) \((try? String(contentsOfFile: "\(path)/pgbouncer.log", encoding: .utf8)) ?? "")")
    }
    self.pid = pid
  }

  /// A URL of `database` through this pgbouncer.
  func url(_ database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

  /// A loopback port nobody listens on now.
  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw PostgresError(code: .clientError, message: "no free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  deinit {
    // SIGKILL: pgbouncer inherits the test runner's thread signal mask, which blocks SIGTERM.
    kill(pid, SIGKILL)
    _ = eventually(timeout: 5) { kill(pid, 0) != 0 }
    try? FileManager.default.removeItem(at: directory)
  }
}

@Suite("poolers", .serialized)
struct PoolerTests {
  static let refusal =
    "error: audiencectl COMMAND cannot run through a transaction pooler: the connection does not keep one server session "
    + "(pgbouncer pool_mode = transaction or statement, Supabase's pooler on port 6543), so its advisory lock and session "
    + "settings would act on sessions other clients share; nothing was done"
  static let hint =
    "hint: connect directly to PostgreSQL or through a session pooler (pgbouncer pool_mode = session, Supabase's direct "
    + "connection or session pooler on port 5432): --url postgresql://USER@DB-HOST:5432/DB or DATABASE_URL"

  /// Checks a refusal's three lines.
  func expectRefused(_ result: CLIResult, _ command: String) {
    #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 3, "\(result.stderr)")
    #expect(lines.first == Self.refusal.replacingOccurrences(of: "COMMAND", with: command))
    #expect(
      lines.dropFirst().first?.wholeMatch(
        of: /detail: (two client connections shared server process \d+|two transactions of one connection ran in server processes \d+ and \d+|with every server session taken, this connection waited for one too|while a second connection held a transaction open, this one waited for a server session: the two share one)/)
        != nil, "\(result.stderr)")
    #expect(lines.last == Self.hint)
  }

  /// What each server session of the pool holds ("lock_timeout statement_timeout
  /// check_interval advisory_locks temporary_tables"): `poolSize` clients keep a transaction
  /// open at once, so together they see every session pgbouncer has (distinct processes).
  func pooledSessions(_ bouncer: PgBouncer, _ database: String, poolSize: Int = 4) throws -> [String] {
    let clients = try (0..<poolSize).map { _ in try Connection(.url(bouncer.url(database))) }
    defer { clients.forEach { $0.close() } }
    var seen: [String] = []
    var pids: Set<Int> = []
    for client in clients {
      try client.execute("begin")
      let row = try #require(
        try client.query(
          """
          select pg_catalog.pg_backend_pid() as pid,
                 pg_catalog.concat_ws(' ', pg_catalog.current_setting('lock_timeout'), pg_catalog.current_setting('statement_timeout'),
                   pg_catalog.current_setting('client_connection_check_interval'),
                   (select count(*) from pg_catalog.pg_locks where locktype = 'advisory' and pid = pg_catalog.pg_backend_pid()),
                   (select count(*) from pg_catalog.pg_class where relpersistence = 't')) as state
          """
        ).first)
      pids.insert(try row.decode("pid"))
      seen.append(try row.decode("state"))
    }
    for client in clients { try client.execute("commit") }
    #expect(pids.count == poolSize)
    return seen
  }

  @Test("transaction pooling: 4 concurrent migrates, then refreshes and ingests, all refuse before doing anything; nothing stays on the pooled sessions; a direct migrate then works")
  func transactionPooling() async throws {
    let bouncer = try PgBouncer(poolMode: "transaction")
    let db = try TestDatabase()
    let root = TestEnvironment.packageRoot.path
    let migrates = try (0..<4).map { _ in try CLIProcess(["migrate", "--url", bouncer.url(db.name), "--project", root]) }
    for process in migrates { expectRefused(try await process.finish(), "migrate") }
    let direct = try db.connect()
    #expect(try direct.scalar("select pg_catalog.to_regnamespace('audiencectl') is null", as: Bool.self) == true)
    #expect(try pooledSessions(bouncer, db.name) == Array(repeating: "0 0 0 0 0", count: 4))

    let migrate = try await audiencectlAsync(["migrate", "--url", db.url, "--project", root])
    #expect(migrate.status == 0, "\(migrate.stderr)")
    #expect(migrate.stdout.contains(" already up to date (lock_timeout 5s, statement_timeout none)."))

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pooler-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("events.ndjson").path
    try Data("{not json}\n".utf8).write(to: URL(fileURLWithPath: file))
    let runs = try [
      CLIProcess(["refresh", "--url", bouncer.url(db.name), "--project", root]),
      CLIProcess(["refresh", "--url", bouncer.url(db.name), "--project", root]),
      CLIProcess(["ingest", file, "--url", bouncer.url(db.name), "--project", root]),
      CLIProcess(["ingest", file, "--url", bouncer.url(db.name), "--project", root]),
    ]
    for (index, process) in runs.enumerated() { expectRefused(try await process.finish(), index < 2 ? "refresh" : "ingest") }
    #expect(try direct.scalar("select count(*)::int from private.refresh_log", as: Int.self) == 0)
    #expect(!FileManager.default.fileExists(atPath: file + ".rejects.ndjson"))
    #expect(try pooledSessions(bouncer, db.name) == Array(repeating: "0 0 0 0 0", count: 4))
    #expect(
      try direct.scalar(
        "select count(*)::int from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
        as: Int.self) == 0)  // pg_locks is cluster-wide: other tests' databases hold advisory locks of their own

    let again = try await audiencectlAsync(["migrate", "--url", db.url, "--project", root, "--lock-wait", "5"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.hasPrefix("Nothing to apply: "))
  }

  @Test("transaction pooling with one server session: refresh and migrate refuse within seconds (the check's second connection holds the only session)")
  func transactionPoolingOneSession() async throws {
    let bouncer = try PgBouncer(poolMode: "transaction", poolSize: 1)
    let db = try TestDatabase()
    let root = TestEnvironment.packageRoot.path
    let started = Date()
    for command in ["refresh", "migrate"] {
      let result = try await audiencectlAsync([command, "--url", bouncer.url(db.name), "--project", root])
      expectRefused(result, command)
      #expect(result.stderr.contains("detail: while a second connection held a transaction open, this one waited for a server session: the two share one"), "\(result.stderr)")
    }
    #expect(Date().timeIntervalSince(started) < 60)
    let direct = try db.connect()
    #expect(try direct.scalar("select pg_catalog.to_regnamespace('audiencectl') is null", as: Bool.self) == true)
  }

  @Test("session pooling with one server session: refresh --jobs 2 runs every step in its one session and says the other could not be opened")
  func sessionPoolingOneSessionJobs() async throws {
    let bouncer = try PgBouncer(poolMode: "session", poolSize: 1)
    let db = try migratedDatabase()
    defer { db.drop() }
    let result = try await audiencectlAsync(
      ["refresh", "--url", bouncer.url(db.name), "--project", TestEnvironment.packageRoot.path, "--jobs", "2"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains(
        "  note: 1 of the 1 extra sessions of --jobs 2 could not be opened (no server session within 5 s): the run used 1 session\n"),
      "\(result.stdout)")
    let direct = try db.connect()
    let planned = try direct.scalar("select count(*)::int from private.refresh_plan()", as: Int.self) ?? -1
    let logged = try direct.query(
      """
      select count(*)::int as steps, count(*) filter (where finished_at is not null and error is null)::int as ok
      from private.refresh_log where run_id = (select max(run_id) from private.refresh_log)
      """
    ).rows.map { [try $0.decode("steps", as: Int.self), try $0.decode("ok", as: Int.self)] }
    #expect(logged == [[planned, planned]])
  }

  @Test("session pooling (4 sessions): 4 concurrent migrates all succeed, each file applied once; refresh works")
  func sessionPooling() async throws {
    let bouncer = try PgBouncer(poolMode: "session")
    let db = try TestDatabase()
    let root = TestEnvironment.packageRoot.path
    let runs = try (0..<4).map { _ in try CLIProcess(["migrate", "--url", bouncer.url(db.name), "--project", root]) }
    var results: [CLIResult] = []
    for process in runs { results.append(try await process.finish()) }
    for result in results { #expect(result.status == 0, "\(result.stderr)") }
    #expect(results.filter { $0.stdout.hasPrefix("Nothing to apply: ") }.count == 3)
    let direct = try db.connect()
    let files = try direct.scalar("select count(*)::int from audiencectl.schema_history", as: Int.self) ?? 0
    #expect(files > 100)
    #expect(try direct.scalar("select count(*)::int from audiencectl.events where event = 'applied'", as: Int.self) == files)
    let refresh = try await audiencectlAsync(["refresh", "--url", bouncer.url(db.name), "--project", root])
    #expect(refresh.status == 0, "\(refresh.stderr)")
  }

  @Test("session pooling (1 session): a generation run tied to a client's session is failed at once when the client goes, though pgbouncer keeps the server session (its reset releases the lock)")
  func sessionPoolingOrphanedRun() async throws {
    let db = try TestDatabase()
    let root = TestEnvironment.packageRoot.path
    let migrate = try await audiencectlAsync(["migrate", "--url", db.url, "--project", root])
    #expect(migrate.status == 0, "\(migrate.stderr)")
    let seed = try await audiencectlAsync(["seed", "demo", "--url", db.url, "--project", root])
    #expect(seed.status == 0, "\(seed.stderr)")
    let bouncer = try PgBouncer(poolMode: "session", poolSize: 1)
    let direct = try db.connect()
    defer { direct.close() }
    let org = try #require(try direct.scalar("select id from app.organizations where slug = 'demo-nachtfalter'", as: UUID.self))
    func status(_ run: UUID) throws -> String? {
      try direct.scalar("select status::text || coalesce(': ' || error, '') from insights.generation_runs where id = \(run)", as: String.self)
    }

    // What `insights generate` does, through the pooler.
    let client = try Connection(.url(bouncer.url(db.name)))
    let serverPID = try #require(try client.scalar("select pg_catalog.pg_backend_pid()", as: Int.self))
    let run = try #require(try client.scalar("select insights.hold_run(insights.start_run(\(org), true))", as: UUID.self))
    _ = try direct.scalar("select insights.fail_abandoned_runs(30)", as: Int.self)
    #expect(try status(run) == "processing")

    // The client goes; the next client gets the same server session, and the run is failed.
    client.close()
    let next = try Connection(.url(bouncer.url(db.name)))
    defer { next.close() }
    #expect(try next.scalar("select pg_catalog.pg_backend_pid()", as: Int.self) == serverPID)
    _ = try next.scalar("select insights.fail_abandoned_runs(30)", as: Int.self)
    #expect(
      try status(run)
        == "failed: abandoned: the session processing it ended before it finished (its process stopped or lost the connection)")
  }
}
