// The embedded default: a private PostgreSQL cluster under `.audiencectl/` in the project
// directory, created with initdb on first use, started with pg_ctl, reused while running,
// listening only on a unix socket in that folder. As root, the server runs as `postgres`;
// when that user cannot reach the project (a folder under /root, a `mktemp -d` folder), the
// cluster lives in /var/tmp/audiencectl-<hash of the project path> instead.
import Foundation
import PostgresClient

#if canImport(Glibc)
  import Glibc
#endif

/// What went wrong while managing the private cluster.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var hint: String?
  public var output: String?
  public init(_ message: String, hint: String? = nil, output: String? = nil) {
    self.message = message
    self.hint = hint
    self.output = output
  }
  public var description: String {
    var text = "error: \(message)"
    if let hint { text += "\nhint: \(hint)" }
    if let output, !output.isEmpty { text += "\n" + output.split(separator: "\n").suffix(15).joined(separator: "\n") }
    return text
  }
}

/// A private PostgreSQL cluster owned by one project directory.
public struct LocalCluster: Sendable {
  public enum State: Sendable, Equatable {
    case notCreated
    case stopped
    case running(pid: Int)
  }

  /// What `start()` did.
  public struct StartReport: Sendable, Equatable {
    public var created: Bool
    public var started: Bool
    public var url: String
  }

  /// `<project>/.audiencectl`, or `/var/tmp/audiencectl-<hash>` (see `location`).
  public let directory: URL
  public let port: Int
  public let database: String
  public let superuser = "postgres"

  public init(projectDirectory: URL, port: Int = 5432, database: String = "audience") {
    self.directory = Self.location(projectDirectory: projectDirectory)
    self.port = port
    self.database = database
  }

  /// Where a project's cluster lives: `<project>/.audiencectl`, unless we run as root, no
  /// cluster was created there, and the `postgres` user cannot reach it (a folder on the way
  /// is not searchable by others, e.g. /root or a `mktemp -d` folder); then
  /// `/var/tmp/audiencectl-<16 hex digits of the FNV-1a hash of the project's real path>`:
  /// one per project, the same for every command (`db url`, `db stop`, `migrate`).
  public static func location(projectDirectory: URL) -> URL {
    let inProject = projectDirectory.appendingPathComponent(".audiencectl", isDirectory: true).standardizedFileURL
    guard geteuid() == 0,
      !FileManager.default.fileExists(atPath: inProject.appendingPathComponent("data/PG_VERSION").path),
      unreachableParent(of: inProject) != nil
    else { return inProject }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in projectDirectory.standardizedFileURL.resolvingSymlinksInPath().path.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return URL(fileURLWithPath: "/var/tmp/audiencectl-" + String(format: "%016llx", hash), isDirectory: true)
  }

  /// The first folder above `directory` that others (the `postgres` user) cannot search, if any.
  static func unreachableParent(of directory: URL) -> String? {
    var parent = directory.deletingLastPathComponent()
    while parent.path != "/" {
      guard let attributes = try? FileManager.default.attributesOfItem(atPath: parent.path) else { return nil }
      if ((attributes[.posixPermissions] as? Int) ?? 0) & 0o001 == 0 { return parent.path }
      parent = parent.deletingLastPathComponent()
    }
    return nil
  }

  public var dataDirectory: URL { directory.appendingPathComponent("data") }
  public var socketDirectory: URL { directory.appendingPathComponent("run") }
  public var logFile: URL { directory.appendingPathComponent("log/postgres.log") }

  /// A URL that psql and libpq accept: the unix socket in the project folder, no TCP.
  public var url: String { url(database: database) }

  public func url(database: String) -> String {
    "postgresql:///\(database)?host=\(socketDirectory.path)&port=\(port)&user=\(superuser)"
  }

  private var runsAsRoot: Bool { geteuid() == 0 }

  /// The directory holding initdb, pg_ctl and postgres: `pg_config --bindir`, else the
  /// highest `/usr/lib/postgresql/*/bin`.
  public static func binDirectory() throws -> URL {
    let fm = FileManager.default
    if let output = try? Shell.run("pg_config", ["--bindir"]), output.status == 0 {
      let dir = output.text.trimmingCharacters(in: .whitespacesAndNewlines)
      if fm.isExecutableFile(atPath: dir + "/initdb") { return URL(fileURLWithPath: dir) }
    }
    let root = "/usr/lib/postgresql"
    let versions = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
    for version in versions where fm.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
      return URL(fileURLWithPath: "\(root)/\(version)/bin")
    }
    throw ClusterError(
      "no PostgreSQL server binaries found (initdb, pg_ctl)",
      hint: "install them (apt-get install postgresql-15) or point audiencectl at a server with --url / DATABASE_URL")
  }

  /// The cluster's state, from `pg_ctl status`.
  public func state() throws -> State {
    guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else {
      return .notCreated
    }
    let bin = try Self.binDirectory()
    let result = try runServerTool(bin.appendingPathComponent("pg_ctl").path, ["status", "-D", dataDirectory.path])
    guard result.status == 0 else { return .stopped }
    let pid = result.text.range(of: #"PID: (\d+)"#, options: .regularExpression).flatMap {
      Int(result.text[$0].dropFirst(5))
    }
    return .running(pid: pid ?? 0)
  }

  /// Creates the cluster on first use, starts it if stopped, and makes sure the project
  /// database exists. Safe to call from several processes at once (a file lock serializes them).
  @discardableResult
  public func start() throws -> StartReport {
    if directory.path.hasPrefix("/var/tmp/") {
      // A shared folder: use it only as a real directory of ours (not a link someone planted).
      var info = stat()
      if lstat(directory.path, &info) == 0 && ((info.st_mode & S_IFMT) != S_IFDIR || info.st_uid != geteuid()) {
        throw ClusterError(
          "\(directory.path) exists but is not a directory owned by this user", hint: "remove it, then run the command again")
      }
    }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    if directory.path.hasPrefix("/var/tmp/") {
      // Searchable by the postgres user whatever the umask; what is inside stays 0700.
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
    }
    return try withFileLock {
      var created = false
      var started = false
      let bin = try Self.binDirectory()
      if try state() == .notCreated {
        try create(bin: bin)
        created = true
      }
      if case .stopped = try state() {
        try ensureCronHost()
        let result = try runServerTool(
          bin.appendingPathComponent("pg_ctl").path,
          ["start", "-w", "-t", "60", "-D", dataDirectory.path, "-l", logFile.path])
        guard result.status == 0 else {
          let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
          throw ClusterError(
            "the private cluster did not start", hint: "see \(logFile.path)", output: result.text + "\n" + log)
        }
        started = true
      }
      try ensureDatabase()
      return StartReport(created: created, started: started, url: url)
    }
  }

  /// Stops the cluster (fast shutdown). Does nothing when it is not running.
  @discardableResult
  public func stop() throws -> Bool {
    guard case .running = try state() else { return false }
    let bin = try Self.binDirectory()
    let result = try runServerTool(
      bin.appendingPathComponent("pg_ctl").path, ["stop", "-w", "-t", "60", "-m", "fast", "-D", dataDirectory.path])
    guard result.status == 0 else { throw ClusterError("pg_ctl stop failed", output: result.text) }
    return true
  }

  private func create(bin: URL) throws {
    let fm = FileManager.default
    if runsAsRoot, let parent = Self.unreachableParent(of: directory) {
      // `location` avoids this; a folder changed since would still stop here.
      throw ClusterError(
        "the postgres user cannot reach \(directory.path): \(parent) is not searchable by others",
        hint: "chmod o+x \(parent), or run audiencectl from a project outside it")
    }
    for dir in [dataDirectory, socketDirectory, logFile.deletingLastPathComponent()] {
      try fm.createDirectory(at: dir, withIntermediateDirectories: true)
      try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir.path)
      if runsAsRoot {
        let chown = try Shell.run("chown", ["postgres:postgres", dir.path])
        guard chown.status == 0 else {
          throw ClusterError(
            "cannot hand \(dir.path) to the postgres user", hint: "create the postgres system user (apt-get install postgresql-15)",
            output: chown.text)
        }
      }
    }
    let initdb = try runServerTool(
      bin.appendingPathComponent("initdb").path,
      ["-D", dataDirectory.path, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"])
    guard initdb.status == 0 else { throw ClusterError("initdb failed", output: initdb.text) }
    var settings = [
      "# audiencectl: a private development cluster, reachable only through its own socket folder.",
      "listen_addresses = ''",
      "unix_socket_directories = '\(socketDirectory.path)'",
      "unix_socket_permissions = 0700",
      "port = \(port)",
      "# Development durability: fast, but not crash-safe across an OS crash.",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "max_connections = 100",
      "shared_buffers = 256MB",
      "work_mem = 32MB",
      "maintenance_work_mem = 256MB",
    ]
    let libdir = (try? Shell.run("pg_config", ["--pkglibdir"]))?.text.trimmingCharacters(in: .whitespacesAndNewlines)
    if let libdir, fm.fileExists(atPath: libdir + "/pg_cron.so") {
      settings += ["shared_preload_libraries = 'pg_cron'", "cron.database_name = '\(database)'", cronHostSetting]
    }
    let conf = dataDirectory.appendingPathComponent("postgresql.conf")
    let handle = try FileHandle(forWritingTo: conf)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(("\n" + settings.joined(separator: "\n") + "\n").utf8))
    try handle.close()
  }

  /// pg_cron runs each job through a libpq connection to cron.host (default localhost); this
  /// cluster listens on its socket folder only, so every job would fail with "connection
  /// failed" (`schedule install`'s jobs among them): the host is the socket folder.
  private var cronHostSetting: String { "cron.host = '\(socketDirectory.path)'" }

  /// Clusters created before cron.host was set: add it to postgresql.conf before a start
  /// (it is read at server start only), when pg_cron is preloaded and the setting is missing.
  private func ensureCronHost() throws {
    let conf = dataDirectory.appendingPathComponent("postgresql.conf")
    guard let text = try? String(contentsOf: conf, encoding: .utf8),
      text.contains("shared_preload_libraries = 'pg_cron'"), !text.contains("\ncron.host = ")
    else { return }
    let handle = try FileHandle(forWritingTo: conf)
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((cronHostSetting + "\n").utf8))
    try handle.close()
  }

  private func ensureDatabase() throws {
    let connection = try Connection(.url(url(database: "postgres")))
    defer { connection.close() }
    let exists = try connection.scalar("select true from pg_catalog.pg_database where datname = \(database)", as: Bool.self)
    if exists != true {
      do {
        try connection.execute("create database \(identifier: database)")
      } catch let error as PostgresError where error.code == .duplicateObject || error.code == .uniqueViolation {
        // Created by a concurrent start: fine.
      }
    }
  }

  /// Runs a server binary, as the `postgres` user when we are root.
  private func runServerTool(_ path: String, _ arguments: [String]) throws -> Shell.Output {
    if runsAsRoot {
      return try Shell.run("runuser", ["-u", "postgres", "--", path] + arguments)
    }
    return try Shell.run(path, arguments)
  }

  /// Serializes cluster management between processes with flock on `.audiencectl/lock`.
  private func withFileLock<T>(_ body: () throws -> T) throws -> T {
    let path = directory.appendingPathComponent("lock").path
    let fd = open(path, O_CREAT | O_RDWR, 0o644)
    guard fd >= 0 else { throw ClusterError("cannot open \(path)") }
    defer { close(fd) }
    guard flock(fd, LOCK_EX) == 0 else { throw ClusterError("cannot lock \(path)") }
    defer { flock(fd, LOCK_UN) }
    return try body()
  }
}

/// Runs external programs and captures their output.
public enum Shell {
  public struct Output: Sendable {
    public var status: Int32
    public var text: String
  }

  /// Runs `program` (looked up in PATH when not absolute) with stdout and stderr captured
  /// together. Uses posix_spawn and waitpid rather than Foundation's Process, whose
  /// termination watch on Linux waits for every inheritor of an internal descriptor, so a
  /// daemon started by the child (pg_ctl start) would keep it waiting forever. Output goes to
  /// a temporary file for the same reason.
  public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("audiencectl-\(UUID().uuidString).out").path
    defer { unlink(outputPath) }
    let pid = try spawn(program, arguments, environment: environment, stdout: outputPath, stderr: nil)
    let status = wait(pid)
    let data = FileManager.default.contents(atPath: outputPath) ?? Data()
    return Output(status: status, text: String(decoding: data, as: UTF8.self))
  }

  /// Starts `program` with stdin from /dev/null, stdout to a file and stderr to another file
  /// (or the same one when nil). Returns the process id; call `wait` to reap it.
  public static func spawn(
    _ program: String, _ arguments: [String], environment: [String: String]? = nil, stdout: String, stderr: String?
  ) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let stderr {
      posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    } else {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
    let argv = [program] + arguments
    let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let spawned: Int32 = withCStringArray(argv) { argvPointer in
      withCStringArray(env) { envPointer in
        posix_spawnp(&pid, program, &actions, nil, argvPointer, envPointer)
      }
    }
    guard spawned == 0 else {
      throw ClusterError("cannot run \(program): \(String(cString: strerror(spawned)))")
    }
    return pid
  }

  /// Waits for a spawned process; its exit status, or 128 + the signal that ended it.
  public static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  }

  /// A NULL-terminated, mutable C string array for posix_spawn, freed after the call.
  private static func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}
