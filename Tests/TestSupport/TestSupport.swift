// Test support: a real PostgreSQL server (AUDIENCE_TEST_ADMIN_URL / DATABASE_URL, else the
// private cluster), one fresh database per test, throwaway projects, and the CLI as a process.
import Foundation
import LocalCluster
import PostgresClient

public enum TestEnvironment {
  /// The package root, found from this file's path.
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// A URL of a role that may create databases.
  public static let adminURL: String = {
    let env = ProcessInfo.processInfo.environment
    if let url = env["AUDIENCE_TEST_ADMIN_URL"], !url.isEmpty { return url }
    if let url = env["DATABASE_URL"], !url.isEmpty { return url }
    let cluster = LocalCluster(projectDirectory: packageRoot)
    do {
      try cluster.start()
    } catch {
      fatalError("cannot start the private test cluster: \(error)")
    }
    return cluster.url(database: "postgres")
  }()

  /// The audiencectl binary built by `swift build`.
  public static var audiencectl: URL {
    if let path = ProcessInfo.processInfo.environment["AUDIENCECTL_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
    return packageRoot.appendingPathComponent(".build/debug/audiencectl")
  }

  /// The same server, another database.
  public static func url(_ base: String, database: String) -> String {
    guard case .url(let url) = ConnectionTarget.url(base).withDatabase(database) else { return base }
    return url
  }
}

/// A database created for one test and dropped when the test is done with it.
public final class TestDatabase: @unchecked Sendable {
  public let name: String
  public let url: String

  public init(prefix: String = "t") throws {
    name = "\(prefix)_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
    url = TestEnvironment.url(TestEnvironment.adminURL, database: name)
    let admin = try Connection(.url(TestEnvironment.adminURL))
    try admin.execute("create database \(identifier: name)")
  }

  /// A new connection to this database.
  public func connect() throws -> Connection {
    try Connection(.url(url))
  }

  /// Drops the database, ending any session still connected to it.
  public func drop() {
    guard let admin = try? Connection(.url(TestEnvironment.adminURL)) else { return }
    _ = try? admin.execute("drop database if exists \(identifier: name) with (force)")
  }

  deinit { drop() }
}

/// A throwaway project directory with migrations/, functions/, views/ and Tests/Contracts/.
public final class TestProject: @unchecked Sendable {
  public let root: URL

  public init() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("audiencectl-test-\(UUID().uuidString)")
    for folder in ["migrations", "functions", "views", "Tests/Contracts/_support"] {
      try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
  }

  /// Writes a file (creating folders), relative to the project root.
  public func write(_ path: String, _ text: String) throws {
    let url = root.appendingPathComponent(path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
  }

  public func remove(_ path: String) throws {
    try FileManager.default.removeItem(at: root.appendingPathComponent(path))
  }

  deinit { try? FileManager.default.removeItem(at: root) }
}

/// The outcome of one audiencectl run.
public struct CLIResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// A running audiencectl process. Spawned with posix_spawn (see `Shell.spawn`): Foundation's
/// Process would wait for the private cluster a child starts, which inherits its descriptors.
public final class CLIProcess: @unchecked Sendable {
  public let pid: pid_t
  let out: String
  let err: String

  /// Starts `audiencectl arguments...` with extra environment variables; DATABASE_URL and PG*
  /// variables of the test run are removed so each test says where it connects.
  public init(_ arguments: [String], environment: [String: String] = [:]) throws {
    out = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).out").path
    err = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).err").path
    var env = ProcessInfo.processInfo.environment
    for key in ["DATABASE_URL", "PGHOST", "PGDATABASE", "PGUSER", "PGPORT", "PGSERVICE", "PGOPTIONS"] { env[key] = nil }
    env.merge(environment) { _, new in new }
    pid = try Shell.spawn(TestEnvironment.audiencectl.path, arguments, environment: env, stdout: out, stderr: err)
  }

  /// Waits for the process and returns what it printed.
  public func wait() -> CLIResult {
    let status = Shell.wait(pid)
    defer {
      unlink(out)
      unlink(err)
    }
    return CLIResult(
      status: status,
      stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
      stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
  }

  public func kill(signal: Int32) {
    _ = Foundation.kill(pid, signal)
  }
}

/// Runs audiencectl to completion.
public func audiencectl(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
  try CLIProcess(arguments, environment: environment).wait()
}

/// Polls `condition` every 50 ms for up to `timeout` seconds.
public func eventually(timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if try condition() { return true }
    Thread.sleep(forTimeInterval: 0.05)
  }
  return try condition()
}

/// Runs blocking `body` (waiting for a process, a restart) on a thread of its own, so a test
/// that waits does not hold one of Swift's cooperative threads (as many as cores: 2 here),
/// which the async tests need to keep their timings.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
  }
}

/// Runs audiencectl to completion without holding a cooperative thread.
public func audiencectlAsync(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLIResult {
  try await blocking { try audiencectl(arguments, environment: environment) }
}

extension CLIProcess {
  /// Waits for the process without holding a cooperative thread.
  public func finish() async throws -> CLIResult {
    try await blocking { self.wait() }
  }
}

/// Polls `condition` every 50 ms for up to `timeout` seconds, sleeping without holding a thread.
public func waitUntil(timeout: Double = 20, _ condition: () throws -> Bool) async throws -> Bool {
  let deadline = Date().addingTimeInterval(timeout)
  while Date() < deadline {
    if try condition() { return true }
    try await Task.sleep(for: .milliseconds(50))
  }
  return try condition()
}
