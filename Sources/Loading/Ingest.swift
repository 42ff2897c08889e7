// `audiencectl ingest FILE.ndjson`: bulk-loads events through COPY into a session staging
// table, then validates and stores them with the same SQL as public.log_events
// (analytics.ingest_staged). Idempotent: a rerun stores nothing new.
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
  public init(chunkLines: Int = 50_000) {
    self.chunkLines = chunkLines
  }

  /// Loads NDJSON from `input` (a FileHandle: a file or stdin). Rejected lines go to
  /// `rejectsPath` as NDJSON `{"line": n, "reason": "...", "raw": "..."}`; the file is created
  /// only when something is rejected.
  public func ingest(
    _ input: FileHandle, totalBytes: Int?, rejectsPath: String, connection: Connection,
    progress: (IngestProgress) -> Void = { _ in }
  ) throws -> IngestReport {
    let started = ContinuousClock.now
    try connection.execute("select analytics.ingest_prepare()")
    var state = IngestProgress(bytesRead: 0, totalBytes: totalBytes, lines: 0, accepted: 0, duplicates: 0, rejected: 0, seconds: 0)
    var rejects: FileHandle?
    defer { try? rejects?.close() }
    var reader = LineReader(handle: input)
    var rawByLine: [Int: String] = [:]
    while true {
      var chunk: [UInt8] = []
      var count = 0
      rawByLine.removeAll(keepingCapacity: true)
      while count < chunkLines, let line = reader.next() {
        state.bytesRead += line.count + 1
        state.lines += 1
        count += 1
        let text = String(decoding: line, as: UTF8.self)
        rawByLine[state.lines] = text
        chunk += Array("\(state.lines)\t".utf8)
        chunk += Self.copyEscaped(line)
        chunk.append(UInt8(ascii: "\n"))
      }
      if count == 0 { break }
      let row = try connection.transaction { () throws -> Row? in
        try connection.copyIn("copy pg_temp.ingest_staging (line_no, raw) from stdin", chunks: [chunk])
        return try connection.query("select staged, accepted, duplicates, rejected from analytics.ingest_staged()").first
      }
      guard let row else { throw LoadingError("analytics.ingest_staged() returned no row") }
      state.accepted += try row.decode("accepted", as: Int.self)
      state.duplicates += try row.decode("duplicates", as: Int.self)
      let rejected: Int = try row.decode("rejected")
      state.rejected += rejected
      if rejected > 0 {
        if rejects == nil {
          guard FileManager.default.createFile(atPath: rejectsPath, contents: nil) else {
            throw LoadingError("cannot create \(rejectsPath)")
          }
          guard let handle = FileHandle(forWritingAtPath: rejectsPath) else {
            throw LoadingError("cannot write rejects to \(rejectsPath)")
          }
          rejects = handle
        }
        for reject in try connection.query("select line_no, reason from pg_temp.ingest_rejects order by line_no").rows {
          let line: Int = try reject.decode("line_no")
          let reason: String = try reject.decode("reason")
          let record = JSONValue.object(["line": .number(Double(line)), "reason": .string(reason), "raw": .string(rawByLine[line] ?? "")])
          try rejects?.write(contentsOf: Data((record.jsonText + "\n").utf8))
        }
      }
      state.seconds = started.duration(to: .now).secondsValue
      progress(state)
    }
    state.seconds = started.duration(to: .now).secondsValue
    return IngestReport(progress: state, rejectsFile: rejects == nil ? nil : rejectsPath)
  }

  /// COPY text format: backslash, tab, newline and carriage return are escaped.
  static func copyEscaped(_ line: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(line.count + 8)
    for byte in line {
      switch byte {
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      default: out.append(byte)
      }
    }
    return out
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
