// One PostgreSQL connection over libpq. The class owns the PGconn, finishes it in deinit and
// funnels every C call through one error check; no C type leaves this module.
// A PGconn may be used by one thread at a time: a Connection is not Sendable, so it stays in
// the task that opened it, and everything it returns is a plain Sendable value.
import CLibPQ
import Foundation

/// Where to connect.
public enum ConnectionTarget: Sendable, Equatable {
  /// A `postgresql://` URL or a `key=value` conninfo string.
  case url(String)
  /// libpq's own defaults: PG* environment variables, the service file, .pgpass.
  case libpqDefaults

  /// The same server and credentials, another database.
  public func withDatabase(_ name: String) -> ConnectionTarget {
    switch self {
    case .libpqDefaults:
      return .url("dbname=\(name)")
    case .url(let text):
      if text.contains("://"), var components = URLComponents(string: text) {
        components.path = "/" + name
        return .url(components.string ?? text)
      }
      return .url(text + " dbname=\(name)")
    }
  }

  /// The target with any password replaced by `****`, safe to print or log.
  public var redacted: String {
    switch self {
    case .libpqDefaults: return "libpq defaults (PG* environment)"
    case .url(let text): return redactPassword(in: text)
    }
  }
}

/// Replaces the password of a URL (`user:secret@`) or conninfo (`password=secret`) with `****`.
public func redactPassword(in text: String) -> String {
  var result = text
  if let scheme = result.range(of: "://"),
    let at = result.range(of: "@", range: scheme.upperBound..<result.endIndex)
  {
    let userInfo = result[scheme.upperBound..<at.lowerBound]
    if let colon = userInfo.firstIndex(of: ":") {
      result.replaceSubrange(result.index(after: colon)..<at.lowerBound, with: "****")
    }
  }
  for key in ["password=", "password%3D"] {
    while let range = result.range(of: key, options: .caseInsensitive),
      !result[range.upperBound...].hasPrefix("****")
    {
      let end = result[range.upperBound...].firstIndex(where: { $0 == " " || $0 == "&" }) ?? result.endIndex
      result.replaceSubrange(range.upperBound..<end, with: "****")
    }
  }
  return result
}

/// A connection to PostgreSQL.
public final class Connection {
  private var handle: OpaquePointer?
  private let notices = NoticeBuffer()
  public let target: ConnectionTarget

  /// Opens a connection and sets `application_name` (unless the URL sets its own),
  /// UTF-8 client encoding and ISO dates.
  /// `connectTimeout`: seconds (2 at least) to wait for the whole login, overriding the URL's.
  /// `setDateStyle: false` sends nothing after the login (a probe that reads only numbers).
  public init(
    _ target: ConnectionTarget, applicationName: String = "audiencectl", connectTimeout: Int? = nil, setDateStyle: Bool = true
  ) throws {
    self.target = target
    var keywords = ["application_name", "client_encoding"]
    var values = [applicationName, "UTF8"]
    if case .url(let url) = target {
      keywords.append("dbname")
      values.append(url)
    }
    if let connectTimeout {
      keywords.append("connect_timeout")
      values.append(String(max(2, connectTimeout)))
    }
    let conn: OpaquePointer? = withCStringArray(keywords) { keywordPointers in
      withCStringArray(values) { valuePointers in
        PQconnectdbParams(keywordPointers, valuePointers, 1)
      }
    }
    guard let conn else { throw PostgresError.client("libpq could not allocate a connection") }
    guard PQstatus(conn) == CONNECTION_OK else {
      let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
      PQfinish(conn)
      throw PostgresError(
        code: .unableToConnect, severity: "FATAL", message: redactPassword(in: message),
        hint: "connecting to \(target.redacted); pass --url, set DATABASE_URL or PG* variables")
    }
    handle = conn
    let box = Unmanaged.passUnretained(notices).toOpaque()
    PQsetNoticeReceiver(conn, noticeReceiver, box)
    if setDateStyle { try execute("set datestyle to 'ISO, MDY'") }
  }

  deinit {
    if let handle { PQfinish(handle) }
  }

  /// Closes the connection now; later calls fail.
  public func close() {
    if let handle { PQfinish(handle) }
    handle = nil
  }

  private func conn() throws -> OpaquePointer {
    guard let handle else { throw PostgresError.client("the connection is closed") }
    return handle
  }

  /// The server's version number, e.g. 150018.
  public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

  /// The backend process id, for pg_stat_activity and pg_terminate_backend.
  public var backendPID: Int { handle.map { Int(PQbackendPID($0)) } ?? 0 }

  /// True once the connection broke (server restart, network); every later call fails.
  public var isBroken: Bool { handle.map { PQstatus($0) == CONNECTION_BAD } ?? true }

  /// True while the connection is inside a transaction block.
  public var inTransaction: Bool {
    guard let handle else { return false }
    return PQtransactionStatus(handle) != PQTRANS_IDLE
  }

  /// NOTICE/WARNING messages received since the last call, oldest first.
  public func takeNotices() -> [Notice] {
    notices.take()
  }

  // MARK: Queries

  /// Runs one statement with parameters bound through `PQexecParams`.
  @discardableResult
  public func query(_ sql: SQL) throws -> QueryResult {
    let conn = try conn()
    let result: OpaquePointer? = withCStringArray(sql.binds.map(\.text)) { values in
      let types = sql.binds.map { Oid($0.typeOID) }
      return types.withUnsafeBufferPointer { typePointer in
        PQexecParams(conn, sql.text, Int32(sql.binds.count), typePointer.baseAddress, values, nil, nil, 0)
      }
    }
    return try consume(result, conn: conn)
  }

  /// Runs a statement and returns the rows affected (nil for utility statements).
  @discardableResult
  public func execute(_ sql: SQL) throws -> Int? {
    try query(sql).affectedRows
  }

  /// Runs a statement expected to return at most one row and decodes its first column.
  public func scalar<T: PostgresDecodable>(_ sql: SQL, as type: T.Type = T.self) throws -> T? {
    let result = try query(sql)
    guard let row = result.first, !row.cells.isEmpty, row.cells[0] != nil else { return nil }
    return try row.decode(at: 0, as: type)
  }

  /// Runs a multi-statement script through the simple protocol (`PQsendQuery`), never split
  /// by the client. Returns one result per statement. On error, the error's `location`
  /// names `path:line:column`: from the server's position when it gives one, otherwise the
  /// start of the failing statement (the statement after the last one that completed).
  @discardableResult
  public func runScript(_ text: String, path: String? = nil) throws -> ScriptResult {
    let (result, failure) = try runScriptCollecting(text, path: path)
    if let failure { throw failure }
    return result
  }

  /// Like `runScript`, but returns the results of the statements that completed beside the
  /// error instead of throwing it (a test runner wants the output produced before a failure).
  public func runScriptCollecting(_ text: String, path: String? = nil) throws -> (ScriptResult, PostgresError?) {
    let conn = try conn()
    guard PQsendQuery(conn, text) == 1 else { throw connectionError(conn) }
    var results: [QueryResult] = []
    var failure: PostgresError?
    while let result = PQgetResult(conn) {
      defer { PQclear(result) }
      switch PQresultStatus(result) {
      case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
        if failure == nil { results.append(copyResult(result)) }
      case PGRES_EMPTY_QUERY:
        break
      case PGRES_COPY_IN:
        PQputCopyEnd(conn, "COPY FROM STDIN is not supported inside a script")
      case PGRES_COPY_OUT:
        failure = failure ?? .client("COPY TO STDOUT is not supported inside a script")
      default:
        if failure == nil { failure = error(from: result) }
      }
    }
    let received = notices.take()
    if var failure {
      failure.location = Self.locate(failure, in: text, path: path, completedStatements: results.count)
      return (ScriptResult(results: results, notices: received), failure)
    }
    return (ScriptResult(results: results, notices: received), nil)
  }

  /// Maps an error in a script to file:line:column.
  static func locate(_ error: PostgresError, in text: String, path: String?, completedStatements: Int)
    -> PostgresError.Location
  {
    if let position = error.position {
      let (line, column) = SQLLexer.lineAndColumn(ofPosition: position, in: text)
      return .init(file: path, line: line, column: column)
    }
    if let statements = try? SQLLexer.split(text), completedStatements < statements.count {
      let statement = statements[completedStatements]
      return .init(file: path, line: statement.line, column: statement.column)
    }
    return .init(file: path, line: 1, column: 1)
  }

  /// Runs `text` (one or more statements, no parameters) and waits at most `seconds` for it:
  /// the last statement's rows, or nil when the time passed first (the query may still be
  /// waiting: close the connection then).
  public func query(unsafeText text: String, within seconds: Double) throws -> QueryResult? {
    let conn = try conn()
    guard PQsendQuery(conn, text) == 1 else { throw connectionError(conn) }
    let deadline = Date().addingTimeInterval(seconds)
    while PQisBusy(conn) == 1 {
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return nil }
      var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
      _ = poll(&descriptor, 1, Int32(min(left, 1) * 1000) + 1)
      guard PQconsumeInput(conn) == 1 else { throw connectionError(conn) }
    }
    var last: QueryResult?
    var failure: PostgresError?
    while let result = PQgetResult(conn) {
      defer { PQclear(result) }
      switch PQresultStatus(result) {
      case PGRES_COMMAND_OK, PGRES_TUPLES_OK: last = copyResult(result)
      case PGRES_EMPTY_QUERY: break
      default: if failure == nil { failure = error(from: result, conn: conn) }
      }
    }
    if let failure { throw failure }
    return last
  }

  // MARK: Transactions and locks

  /// Runs `body` inside BEGIN/COMMIT; rolls back when it throws.
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("begin")
    do {
      let value = try body()
      try execute("commit")
      return value
    } catch {
      if handle != nil { _ = try? execute("rollback") }
      throw error
    }
  }

  /// Takes a session-level advisory lock with a polled `pg_try_advisory_lock`, outside any
  /// transaction, backing off from 50 ms to 1 s between tries. Returns false when `timeout`
  /// seconds pass without getting it. Polling holds no snapshot between tries, so a waiting
  /// session never blocks CREATE INDEX CONCURRENTLY in the holder.
  public func acquireAdvisoryLock(_ key: Int64, timeout: Double) throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    var delay = 0.05
    while true {
      if try scalar("select pg_catalog.pg_try_advisory_lock(\(key))", as: Bool.self) == true { return true }
      let left = deadline.timeIntervalSinceNow
      if left <= 0 { return false }
      Thread.sleep(forTimeInterval: min(delay, left))
      delay = min(delay * 2, 1.0)
    }
  }

  /// Releases a session-level advisory lock taken by this connection.
  public func releaseAdvisoryLock(_ key: Int64) throws {
    try execute("select pg_catalog.pg_advisory_unlock(\(key))")
  }

  // MARK: COPY

  /// Runs `COPY ... FROM STDIN` and streams `chunks` to it. Returns the rows copied.
  /// Keeps reading results until libpq returns none, so the connection is usable afterwards.
  @discardableResult
  public func copyIn<Chunks: Sequence>(_ sql: SQL, chunks: Chunks) throws -> Int where Chunks.Element == [UInt8] {
    let conn = try conn()
    guard let start = PQexec(conn, sql.text) else { throw connectionError(conn) }
    let status = PQresultStatus(start)
    if status != PGRES_COPY_IN {
      defer { PQclear(start) }
      _ = drain(conn)
      if status == PGRES_FATAL_ERROR { throw error(from: start) }
      throw PostgresError.client("\(sql.text) did not start COPY FROM STDIN")
    }
    PQclear(start)
    var sendFailure: PostgresError?
    for chunk in chunks where !chunk.isEmpty {
      let sent = chunk.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
      }
      if sent != 1 {
        sendFailure = connectionError(conn)
        break
      }
    }
    if PQputCopyEnd(conn, sendFailure == nil ? nil : "client failed while sending COPY data") != 1 {
      throw connectionError(conn)
    }
    var copied = 0
    var failure = sendFailure
    while let result = PQgetResult(conn) {
      defer { PQclear(result) }
      if PQresultStatus(result) == PGRES_COMMAND_OK {
        copied = Int(String(cString: PQcmdTuples(result))) ?? 0
      } else if failure == nil {
        failure = error(from: result)
      }
    }
    if let failure { throw failure }
    return copied
  }

  /// Runs `COPY ... TO STDOUT` and hands each chunk libpq receives (one row in text and CSV
  /// formats) to `write` as it arrives, so no result is ever held whole. Returns the rows
  /// copied. COPY takes no parameters: `sql` must be trusted text without binds. When `write`
  /// throws, the rest of the data is read and dropped (the connection stays usable) and that
  /// error is thrown; server errors come through the usual PostgresError path.
  @discardableResult
  public func copyOut(_ sql: SQL, into write: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
    precondition(sql.binds.isEmpty, "COPY takes no parameters")
    let conn = try conn()
    guard let start = PQexec(conn, sql.text) else { throw connectionError(conn) }
    let status = PQresultStatus(start)
    if status != PGRES_COPY_OUT {
      defer { PQclear(start) }
      _ = drain(conn)
      if status == PGRES_FATAL_ERROR { throw error(from: start, conn: conn) }
      throw PostgresError.client("\(sql.text) did not start COPY TO STDOUT")
    }
    PQclear(start)
    var writeFailure: Error?
    var receiveFailure: PostgresError?
    while true {
      var buffer: UnsafeMutablePointer<CChar>?
      let length = PQgetCopyData(conn, &buffer, 0)
      if length > 0, let buffer {
        defer { PQfreemem(buffer) }
        if writeFailure == nil {
          do {
            try write(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
          } catch {
            writeFailure = error
          }
        }
      } else {
        if length == -2 { receiveFailure = connectionError(conn) }
        break  // -1: done, the final result follows
      }
    }
    var copied = 0
    var failure = receiveFailure
    while let result = PQgetResult(conn) {
      defer { PQclear(result) }
      if PQresultStatus(result) == PGRES_COMMAND_OK {
        copied = Int(String(cString: PQcmdTuples(result))) ?? 0
      } else if failure == nil {
        failure = error(from: result, conn: conn)
      }
    }
    if let failure { throw failure }
    if let writeFailure { throw writeFailure }
    return copied
  }

  // MARK: Internals

  private func consume(_ result: OpaquePointer?, conn: OpaquePointer) throws -> QueryResult {
    guard let result else { throw connectionError(conn) }
    defer { PQclear(result) }
    switch PQresultStatus(result) {
    case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
      return copyResult(result)
    default:
      throw error(from: result, conn: conn)
    }
  }

  private func drain(_ conn: OpaquePointer) -> Int {
    var count = 0
    while let result = PQgetResult(conn) {
      PQclear(result)
      count += 1
    }
    return count
  }

  private func copyResult(_ result: OpaquePointer) -> QueryResult {
    let columnCount = Int(PQnfields(result))
    let rowCount = Int(PQntuples(result))
    var columns: [Column] = []
    columns.reserveCapacity(columnCount)
    for c in 0..<columnCount {
      columns.append(Column(name: String(cString: PQfname(result, Int32(c))), typeOID: UInt32(PQftype(result, Int32(c)))))
    }
    var cells: [[String?]] = []
    cells.reserveCapacity(rowCount)
    for r in 0..<rowCount {
      var row: [String?] = []
      row.reserveCapacity(columnCount)
      for c in 0..<columnCount {
        if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
          row.append(nil)
        } else {
          row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
        }
      }
      cells.append(row)
    }
    let tag = String(cString: PQcmdStatus(result))
    let tuples = String(cString: PQcmdTuples(result))
    return QueryResult(columns: columns, cells: cells, commandTag: tag, affectedRows: Int(tuples))
  }

  /// The server's error, or, when the connection broke (the server restarted or the
  /// network dropped) and libpq made up the message, 08006 connection_failure.
  private func error(from result: OpaquePointer, conn: OpaquePointer? = nil) -> PostgresError {
    func field(_ code: Character) -> String? {
      guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
      return String(cString: value)
    }
    let message =
      field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
    let broken = (conn ?? handle).map { PQstatus($0) == CONNECTION_BAD } ?? false
    var error = PostgresError(
      code: PostgresError.Code(field("C") ?? (broken ? "08006" : "XX000")), severity: field("V") ?? field("S") ?? (broken ? "FATAL" : "ERROR"),
      message: message, detail: field("D"), hint: field("H"), context: field("W"),
      position: field("P").flatMap { Int($0) })
    error.internalPosition = field("p").flatMap { Int($0) }
    error.internalQuery = field("q")
    error.schema = field("s")
    error.table = field("t")
    error.column = field("c")
    error.constraint = field("n")
    return error
  }

  private func connectionError(_ conn: OpaquePointer) -> PostgresError {
    let message = String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    let code: PostgresError.Code = PQstatus(conn) == CONNECTION_OK ? .clientError : .connectionFailure
    return PostgresError(code: code, severity: "FATAL", message: message.isEmpty ? "connection lost" : message)
  }
}

/// Collects notices from libpq's notice receiver callback.
final class NoticeBuffer: @unchecked Sendable {
  // Only touched on the thread that is inside a libpq call on the owning connection.
  private var items: [Notice] = []
  func append(_ notice: Notice) { items.append(notice) }
  func take() -> [Notice] {
    defer { items.removeAll() }
    return items
  }
}

private let noticeReceiver: PQnoticeReceiver = { context, result in
  guard let context, let result else { return }
  let buffer = Unmanaged<NoticeBuffer>.fromOpaque(context).takeUnretainedValue()
  func field(_ code: Character) -> String? {
    guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
    return String(cString: value)
  }
  buffer.append(
    Notice(
      severity: field("V") ?? field("S") ?? "NOTICE", code: field("C") ?? "00000", message: field("M") ?? "",
      detail: field("D"), hint: field("H")))
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
func withCStringArray<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
  var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
  pointers.append(nil)
  defer { pointers.forEach { free($0) } }
  return pointers.withUnsafeBufferPointer { buffer in
    buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
  }
}
