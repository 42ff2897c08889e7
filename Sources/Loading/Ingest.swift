// `audiencectl ingest FILE.ndjson`: bulk-loads events through COPY into a session staging
// table, then validates and stores them with the same SQL as public.log_events
// (analytics.ingest_staged), chunk by chunk, from one or several sessions at once while a
// thread reads the input. Idempotent: a rerun stores nothing new.
import Foundation
import PostgresClient

/// Counts so far, reported after every chunk.
public struct IngestProgress: Sendable, Equatable, Codable {
  public var bytesRead: Int
  public var totalBytes: Int?
  public var lines: Int
  public var accepted: Int
  public var duplicates: Int
  public var rejected: Int
  public var seconds: Double
  public var eventsPerSecond: Double { seconds > 0 ? Double(lines) / seconds : 0 }
}

/// The outcome of an ingest run.
public struct IngestReport: Sendable, Equatable, Codable {
  public var progress: IngestProgress
  /// Where rejected lines were written (with their line number and reason), if any were.
  public var rejectsFile: String?

  public var rendered: String {
    let p = progress
    var text =
      "ingested \(p.lines) lines in \(String(format: "%.2f", p.seconds)) s (\(Int(p.eventsPerSecond)) events/s): "
      + "\(p.accepted) stored, \(p.duplicates) already stored, \(p.rejected) rejected"
    if let rejectsFile { text += "\nrejected lines and reasons: \(rejectsFile)" }
    return text
  }
}

/// Errors that are not the server's.
public struct LoadingError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var hint: String?
  public init(_ message: String, hint: String? = nil) {
    self.message = message
    self.hint = hint
  }
  public var description: String { "error: \(message)" + (hint.map { "\nhint: \($0)" } ?? "") }
}

public struct Ingester: Sendable {
  /// Lines per COPY chunk.
  public var chunkLines: Int
  /// Sessions validating and storing chunks at once (each chunk is one transaction).
  public var jobs: Int
  /// How often a chunk that lost a deadlock or a serialization conflict is tried again.
  static let retries = 5

  public init(chunkLines: Int = 50_000, jobs: Int = 1) {
    self.chunkLines = max(1, chunkLines)
    self.jobs = max(1, jobs)
  }

  /// Loads NDJSON from `input` (a FileHandle: a file or stdin). Rejected lines go to
  /// `rejectsPath` as NDJSON `{"line": n, "reason": "...", "raw": "..."}`, in line order; the
  /// file is created only when something is rejected.
  /// With `jobs` > 1 and `openSession`, `jobs` sessions (this one and `jobs` - 1 opened by
  /// `openSession`, each on its own thread) store chunks at once while a thread reads the
  /// input; the outcome is the same. Each chunk commits on its own: after an error, the
  /// chunks already committed stay stored, and a rerun stores only what is missing.
  /// A chunk that loses a deadlock to another session (events repeated across chunks) is
  /// rolled back and tried again. `progress` is called on the calling thread.
  public func ingest(
    _ input: FileHandle, totalBytes: Int?, rejectsPath: String, connection: Connection,
    openSession: (@Sendable () throws -> Connection)? = nil,
    progress: (IngestProgress) -> Void = { _ in }
  ) throws -> IngestReport {
    // The staging table is temporary and each chunk is one transaction: one session per connection.
    try connection.requireOwnSession(for: "ingest")
    let started = ContinuousClock.now
    let queue = ChunkQueue(capacity: jobs)
    let lines = chunkLines
    let reader = DispatchGroup()
    reader.enter()
    Thread.detachNewThread {
      defer { reader.leave() }
      var lineReader = LineReader(handle: input)
      var index = 0
      var nextLine = 1
      while true {
        var chunk = IngestChunk(index: index, firstLine: nextLine)
        while chunk.lineCount < lines, let line = lineReader.next() {
          chunk.append(line)
        }
        if chunk.lineCount == 0 || !queue.put(chunk) { break }
        index += 1
        nextLine += chunk.lineCount
      }
      queue.close()
    }

    let helpers = openSession == nil ? 0 : jobs - 1
    let workers = startHelperSessions(helpers, open: openSession, failed: { queue.fail($0) }) { session in
      try Self.work(queue, on: session)
    }

    var state = IngestProgress(bytesRead: 0, totalBytes: totalBytes, lines: 0, accepted: 0, duplicates: 0, rejected: 0, seconds: 0)
    var rejects: FileHandle?
    defer { try? rejects?.close() }
    var nextIndex = 0
    // Counts and rejects of the chunks done, in chunk order (so rejects are in line order).
    func report() throws {
      for result in queue.results(from: &nextIndex) {
        state.bytesRead += result.bytes
        state.lines += result.lines
        state.accepted += result.accepted
        state.duplicates += result.duplicates
        state.rejected += result.rejects.count
        if !result.rejects.isEmpty {
          if rejects == nil {
            guard FileManager.default.createFile(atPath: rejectsPath, contents: nil) else {
              throw LoadingError("cannot create \(rejectsPath)")
            }
            guard let handle = FileHandle(forWritingAtPath: rejectsPath) else {
              throw LoadingError("cannot write rejects to \(rejectsPath)")
            }
            rejects = handle
          }
          var text = ""
          for reject in result.rejects {
            let record = JSONValue.object(["line": .number(Double(reject.line)), "reason": .string(reject.reason), "raw": .string(reject.raw)])
            text += record.jsonText + "\n"
          }
          try rejects?.write(contentsOf: Data(text.utf8))
        }
        state.seconds = started.duration(to: .now).secondsValue
        progress(state)
      }
    }
    do {
      try Self.work(queue, on: connection) { try report() }
    } catch {
      queue.fail(error)
    }
    workers.wait()
    // After an error the reader stops at its next chunk (it may be waiting for more input).
    if let error = queue.error { throw error }
    reader.wait()
    try report()
    state.seconds = started.duration(to: .now).secondsValue
    return IngestReport(progress: state, rejectsFile: rejects == nil ? nil : rejectsPath)
  }

  /// Stores the chunks of `queue` through `session` until it is empty and closed or has
  /// failed; `afterEach` runs after each chunk.
  static func work(_ queue: ChunkQueue, on session: Connection, afterEach: () throws -> Void = {}) throws {
    do {
      try session.execute("select analytics.ingest_prepare()")
    } catch let error as PostgresError where error.code == .undefinedFunction || error.code == .invalidSchemaName {
      throw LoadingError("the database has no audience-db schema (\(error.message))", hint: "Run audiencectl migrate on it first.")
    }
    while let chunk = queue.take() {
      queue.finished(try store(chunk, on: session))
      try afterEach()
    }
  }

  /// One chunk in one transaction: COPY into the session's staging table, then
  /// analytics.ingest_staged; tried again when it loses a deadlock or a serialization
  /// conflict (everything of the attempt is rolled back).
  static func store(_ chunk: IngestChunk, on session: Connection) throws -> ChunkResult {
    var attempt = 0
    while true {
      do {
        return try session.transaction {
          // A killed ingest stops on the server within a second; SET LOCAL: this chunk only.
          try session.abortWhenClientGone(local: true)
          try session.copyIn("copy pg_temp.ingest_staging (line_no, raw) from stdin", chunks: [chunk.copyData])
          guard let row = try session.query("select staged, accepted, duplicates, rejected from analytics.ingest_staged()").first else {
            throw LoadingError("analytics.ingest_staged() returned no row")
          }
          var result = ChunkResult(
            index: chunk.index, lines: chunk.lineCount, bytes: chunk.bytes,
            accepted: try row.decode("accepted"), duplicates: try row.decode("duplicates"), rejects: chunk.badLines)
          if try row.decode("rejected", as: Int.self) > 0 {
            result.rejects += try session.query("select line_no, reason from pg_temp.ingest_rejects order by line_no").rows.map {
              let line: Int = try $0.decode("line_no")
              return ChunkResult.Reject(line: line, reason: try $0.decode("reason"), raw: chunk.rawLine(line))
            }
            result.rejects.sort { $0.line < $1.line }
          }
          return result
        }
      } catch let error as PostgresError
        where (error.code == .deadlockDetected || error.code == .serializationFailure) && attempt < retries
      {
        attempt += 1
      } catch let error as PostgresError where error.isConnectionLoss {
        throw LoadingError(
          "the server connection was lost while storing lines \(chunk.firstLine)-\(chunk.firstLine + chunk.lineCount - 1) "
            + "(chunk \(chunk.index + 1)): \(error.code.rawValue): \(error.firstLine)",
          hint: "that chunk was rolled back; chunks committed before it stay stored. Rerun the same command when the "
            + "server is back: it stores only the missing lines (the others count as already stored).")
      }
    }
  }

  /// Appends `line` in COPY text format: backslash, tab and carriage return escaped (a
  /// line holds no newline).
  static func appendCopyEscaped(_ line: ArraySlice<UInt8>, to out: inout [UInt8]) {
    for byte in line {
      switch byte {
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      default: out.append(byte)
      }
    }
  }
}

/// Lines `firstLine` ... of the input, as COPY data `line_no \t raw`, with the raw bytes
/// kept to write rejected lines.
struct IngestChunk: Sendable {
  var index: Int
  var firstLine: Int
  var lineCount = 0
  var bytes = 0
  var copyData: [UInt8] = []
  /// The raw lines back to back, and where each ends.
  var raw: [UInt8] = []
  var ends: [Int] = []
  /// Lines PostgreSQL text cannot hold (a NUL byte, bytes that are not UTF-8): rejected
  /// here with their reason, never sent, so the rest of the chunk is stored.
  var badLines: [ChunkResult.Reject] = []

  init(index: Int, firstLine: Int) {
    self.index = index
    self.firstLine = firstLine
  }

  mutating func append(_ line: ArraySlice<UInt8>) {
    if let reason = Self.badBytes(line) {
      badLines.append(ChunkResult.Reject(line: firstLine + lineCount, reason: reason, raw: String(decoding: line, as: UTF8.self)))
    } else {
      copyData += Array("\(firstLine + lineCount)\t".utf8)
      Ingester.appendCopyEscaped(line, to: &copyData)
      copyData.append(UInt8(ascii: "\n"))
    }
    raw += line
    ends.append(raw.count)
    lineCount += 1
    bytes += line.count + 1
  }

  /// `nul_byte: byte N` or `invalid_utf8: byte N` (N counts from 1 in the line), or nil
  /// when the line is UTF-8 without NUL bytes.
  static func badBytes(_ line: ArraySlice<UInt8>) -> String? {
    var i = line.startIndex
    let end = line.endIndex
    while i < end {
      let byte = line[i]
      if byte == 0 { return "nul_byte: byte \(i - line.startIndex + 1)" }
      if byte < 0x80 {
        i += 1
        continue
      }
      // The well-formed sequences of the Unicode standard (table 3-7).
      var count = 0
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch byte {
      case 0xC2...0xDF: count = 1
      case 0xE0: (count, low) = (2, 0xA0)
      case 0xE1...0xEC, 0xEE...0xEF: count = 2
      case 0xED: (count, high) = (2, 0x9F)
      case 0xF0: (count, low) = (3, 0x90)
      case 0xF1...0xF3: count = 3
      case 0xF4: (count, high) = (3, 0x8F)
      default: return "invalid_utf8: byte \(i - line.startIndex + 1)"
      }
      guard end - i > count else { return "invalid_utf8: byte \(i - line.startIndex + 1)" }
      for k in 1...count {
        let next = line[i + k]
        let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
        if next < lo || next > hi { return "invalid_utf8: byte \(i - line.startIndex + 1)" }
      }
      i += count + 1
    }
    return nil
  }

  /// The text of input line `line` (a line of this chunk).
  func rawLine(_ line: Int) -> String {
    let i = line - firstLine
    guard i >= 0, i < ends.count else { return "" }
    return String(decoding: raw[(i == 0 ? 0 : ends[i - 1])..<ends[i]], as: UTF8.self)
  }
}

/// What storing one chunk gave.
struct ChunkResult: Sendable {
  struct Reject: Sendable {
    var line: Int
    var reason: String
    var raw: String
  }
  var index: Int
  var lines: Int
  var bytes: Int
  var accepted: Int
  var duplicates: Int
  var rejects: [Reject]
}

/// Chunks from the reading thread to the storing sessions (at most `capacity` waiting),
/// their results back in chunk order, and the first error, after which nothing more is
/// handed out or accepted.
final class ChunkQueue: @unchecked Sendable {
  private let condition = NSCondition()
  private let capacity: Int
  private var waiting: [IngestChunk] = []
  private var closed = false
  private var done: [Int: ChunkResult] = [:]
  private var firstError: (any Error)?

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  /// Adds a chunk, waiting while `capacity` chunks are waiting; false once an error stopped the load.
  func put(_ chunk: IngestChunk) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    while waiting.count >= capacity && firstError == nil { condition.wait() }
    guard firstError == nil else { return false }
    waiting.append(chunk)
    condition.broadcast()
    return true
  }

  /// No more chunks will come.
  func close() {
    condition.lock()
    defer { condition.unlock() }
    closed = true
    condition.broadcast()
  }

  /// The next chunk, waiting for one; nil when all are handed out or an error stopped the load.
  func take() -> IngestChunk? {
    condition.lock()
    defer { condition.unlock() }
    while waiting.isEmpty && !closed && firstError == nil { condition.wait() }
    guard firstError == nil, !waiting.isEmpty else { return nil }
    condition.broadcast()
    return waiting.removeFirst()
  }

  func finished(_ result: ChunkResult) {
    condition.lock()
    defer { condition.unlock() }
    done[result.index] = result
  }

  /// The results of chunks `index`, `index` + 1, ... that are done, advancing `index`.
  func results(from index: inout Int) -> [ChunkResult] {
    condition.lock()
    defer { condition.unlock() }
    var out: [ChunkResult] = []
    while let result = done.removeValue(forKey: index) {
      out.append(result)
      index += 1
    }
    return out
  }

  func fail(_ error: any Error) {
    condition.lock()
    defer { condition.unlock() }
    if firstError == nil { firstError = error }
    condition.broadcast()
  }

  var error: (any Error)? {
    condition.lock()
    defer { condition.unlock() }
    return firstError
  }
}

/// Reads a file handle line by line in 1 MiB blocks (newline-terminated; the last line may not be).
struct LineReader {
  let handle: FileHandle
  var buffer: [UInt8] = []
  var start = 0
  var eof = false

  init(handle: FileHandle) {
    self.handle = handle
  }

  mutating func next() -> ArraySlice<UInt8>? {
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        let line = buffer[start..<newline]
        start = newline + 1
        return line
      }
      if eof {
        guard start < buffer.count else { return nil }
        let line = buffer[start...]
        start = buffer.count
        return line
      }
      let data = handle.readData(ofLength: 1 << 20)
      if data.isEmpty { eof = true }
      buffer.removeSubrange(0..<start)
      start = 0
      buffer += data
    }
  }
}

extension Duration {
  var secondsValue: Double {
    let (s, atto) = components
    return Double(s) + Double(atto) / 1e18
  }
}
