// Runs the pgTAP contract files under Tests/Contracts, each inside a transaction that is
// rolled back, so verify is safe against production.
import Foundation
import Migrations
import PostgresClient

/// One contract file's outcome.
public struct ContractResult: Sendable, Equatable, Codable {
  public var file: String
  public var planned: Int?
  public var assertions: [AssertionResult]
  /// A SQL error that stopped the file (with file:line:column), or a refused file.
  public var error: String?
  public var problems: [String]
  public var durationMs: Int
  public var passed: Bool { problems.isEmpty && error == nil }
}

/// Finds and runs contract files.
public struct ContractRunner: Sendable {
  public var project: Project
  /// `Tests/Contracts`, relative to the project root.
  public var folder = "Tests/Contracts"
  /// Only files whose path contains this text, when set.
  public var filter: String?

  public init(project: Project, filter: String? = nil) {
    self.project = project
    self.filter = filter
  }

  /// Contract files (excluding `_support/`), sorted by path.
  public func contractFiles() throws -> [String] {
    try sqlFiles(under: folder).filter { !$0.contains("/_support/") }.filter { path in filter.map { path.contains($0) } ?? true }
  }

  /// Support files run before every contract, in the same transaction.
  public func supportFiles() throws -> [String] {
    try sqlFiles(under: folder + "/_support")
  }

  /// The header line that makes a contract run the seed generators (seed/*.sql) first,
  /// inside its own rolled-back transaction.
  public static let usesSeedDirective = "-- audiencectl:uses-seed"

  /// seed/*.sql, for contracts that declare `-- audiencectl:uses-seed`.
  func seedFiles() throws -> [String] {
    let dir = project.root.appendingPathComponent("seed")
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".sql") }
    return names.sorted().map { "seed/\($0)" }
  }

  private func sqlFiles(under relative: String) throws -> [String] {
    let dir = project.root.appendingPathComponent(relative)
    guard let enumerator = FileManager.default.enumerator(atPath: dir.path) else { return [] }
    var files: [String] = []
    while let next = enumerator.nextObject() as? String {
      if next.hasSuffix(".sql") { files.append("\(relative)/\(next)") }
    }
    return files.sorted()
  }

  private func read(_ path: String) throws -> String {
    let url = project.root.appendingPathComponent(path)
    guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
      throw ProjectError(path: path, message: "cannot be read as UTF-8 text")
    }
    return SQLFile.normalize(text)
  }

  /// Whether the server can create pgTAP (or already has it).
  public static func pgTAPAvailable(_ connection: Connection) throws -> Bool {
    try connection.scalar("select exists (select 1 from pg_catalog.pg_available_extensions where name = 'pgtap')", as: Bool.self) ?? false
  }

  /// Runs every contract; a file's SQL error is reported in its result, not thrown.
  public func run(_ connection: Connection) throws -> [ContractResult] {
    let support = try supportFiles().map { ($0, try read($0)) }
    var results: [ContractResult] = []
    let seed = try seedFiles().map { ($0, try read($0)) }
    for path in try contractFiles() {
      let text = try read(path)
      let usesSeed = text.split(separator: "\n").prefix(20).contains { $0.trimmingCharacters(in: .whitespaces) == Self.usesSeedDirective }
      results.append(try runOne(path: path, text: text, support: support + (usesSeed ? seed : []), connection))
    }
    return results
  }

  func runOne(path: String, text: String, support: [(String, String)], _ connection: Connection) throws -> ContractResult {
    let started = ContinuousClock.now
    var result = ContractResult(file: path, planned: nil, assertions: [], error: nil, problems: [], durationMs: 0)
    // A COMMIT inside a contract would make the fixture permanent: refuse it before running.
    for (file, sql) in support + [(path, text)] {
      do {
        if let statement = try SQLLexer.split(sql).first(where: \.isTransactionControl) {
          result.error =
            "\(file):\(statement.line):\(statement.column): \(statement.firstKeywords.joined(separator: " ").uppercased()) is not allowed: contracts run inside a transaction that verify rolls back"
          result.durationMs = started.duration(to: .now).milliseconds
          return result
        }
      } catch {
        result.error = "\(file):\(error.line):\(error.column): \(error.description)"
        result.durationMs = started.duration(to: .now).milliseconds
        return result
      }
    }
    try connection.execute("begin")
    var rolledBack = false
    defer { if !rolledBack { _ = try? connection.execute("rollback") } }
    var lines: [String] = []
    do {
      try connection.execute("create extension if not exists pgtap")
      for (file, sql) in support {
        let (_, failure) = try connection.runScriptCollecting(sql, path: file)
        if let failure { throw failure }
      }
      let (output, failure) = try connection.runScriptCollecting(text, path: path)
      for query in output.results where query.columns.count == 1 {
        for row in query.cells { if let cell = row[0] { lines += cell.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } }
      }
      if let failure { result.error = failure.description }
    } catch let error as PostgresError {
      result.error = error.description
    }
    let stream = TAPStream.parse(lines)
    result.planned = stream.planned
    result.assertions = stream.assertions
    result.problems = result.error == nil ? stream.failures : stream.failures.filter { !$0.hasPrefix("planned") && !$0.hasPrefix("no plan") }
    if !result.passed {
      _ = try? connection.execute("rollback")
      rolledBack = true
      // A failing contract's own `#` lines before its first assertion (its diag() of the state
      // it ran in), then the transactions open beside it.
      result.problems += stream.comments.filter { !$0.hasPrefix("Looks like") }
      result.problems += Self.otherTransactions(connection)
    }
    result.durationMs = started.duration(to: .now).milliseconds
    return result
  }

  /// The transactions other sessions hold open in this database, one line each (never their
  /// query text, which may hold a password or a key). Contracts
  /// that apply rollups rely on the engine's safe bound (private.received_upper_bound),
  /// which stays below the start of the oldest of them: a failure beside one says so. Empty
  /// when there is none or the role cannot see other sessions' queries.
  static func otherTransactions(_ connection: Connection) -> [String] {
    let sql: SQL = """
      select pg_catalog.format('while it ran, another session held a transaction open in this database (the rollups'' safe bound stays below its start): pid %s, %s, application %L, since %s, %s',
               a.pid, a.backend_type, a.application_name, a.xact_start, a.state)
      from pg_catalog.pg_stat_activity as a
      where a.datname = pg_catalog.current_database() and a.pid <> pg_catalog.pg_backend_pid()
        and a.xact_start is not null and a.backend_type in ('client backend', 'background worker')
      order by a.xact_start
      """
    guard let rows = try? connection.query(sql) else { return [] }
    return rows.cells.compactMap { $0[0] }
  }
}
