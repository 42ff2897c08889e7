// `audiencectl export usage`: an organization's model requests (one row per request or per
// local day) streamed through COPY ... TO STDOUT into a file, in the two steps of the
// database: the audit row is requested and COMMITTED first (public.request_usage_export),
// then the rows are copied in a new transaction from public.fetch_usage_export_requests /
// public.fetch_usage_export_days, which refuse an uncommitted request. No result is held in
// memory: each row goes to the output as libpq receives it (through a 64 KiB buffer).
import Foundation

#if canImport(Glibc)
  import Glibc
#endif
import PostgresClient

/// What an export wrote, and the id of its committed audit row.
public struct UsageExportResult: Sendable, Equatable {
  public var exportID: Int
  /// Rows written (data lines; the CSV header not counted).
  public var rows: Int
  /// Insight rows written after them (--include-insights; 0 without).
  public var insights: Int = 0
}

public struct UsageExporter: Sendable {
  /// One row per model request, or per local day of the organization.
  public enum Grain: String, Sendable, CaseIterable { case request, day }
  /// CSV (RFC 4180, header line, NULL = empty field) or NDJSON (one JSON object per line).
  public enum Format: String, Sendable, CaseIterable { case csv, json }
  /// Where the rows go: standard output or a file (written as `<file>.partial`, mode 0600,
  /// after the audit row is committed, and renamed to `<file>` once complete; removed when
  /// the export fails).
  public enum Output: Sendable, Equatable {
    case standardOutput
    case file(String)
  }

  public init() {}

  /// Requests the export (audit row committed), then streams its rows to `output`.
  /// `from` and `to` are local dates (YYYY-MM-DD) of the organization, half-open. With
  /// `includeInsights`, the stored insights of the period follow the rows in the same
  /// transaction and format (public.fetch_usage_export_insights): NDJSON objects with a
  /// "record" field; in CSV a second table (its own header) after one empty line.
  /// Errors after the commit are LoadingErrors that name the (audited) export id.
  public func export(
    _ connection: Connection, org: UUID, from: String, to: String, grain: Grain, format: Format, output: Output,
    includeInsights: Bool = false, actingAs user: UUID? = nil
  ) throws -> UsageExportResult {
    let requested = try connection.transaction {
      try ActingUser.apply(user, connection)
      return try connection.scalar(
        "select export_id from public.request_usage_export(\(org), \(from)::date, \(to)::date, \(grain.rawValue), \(includeInsights))",
        as: Int.self)
    }
    guard let exportID = requested else { throw LoadingError("request_usage_export returned no export id") }
    let handle: FileHandle
    switch output {
    case .standardOutput:
      handle = FileHandle.standardOutput
    case .file(let path):
      do {
        handle = try PrivateFile.create(atPath: path + ".partial")
      } catch {
        throw LoadingError(
          "cannot write \(path): usage export \(exportID) is audited (committed), but no row was exported",
          hint: "Choose a writable --out path and export again (a new request and audit row).")
      }
    }
    do {
      let (rows, insights) = try copy(
        connection, exportID: exportID, grain: grain, format: format, includeInsights: includeInsights, actingAs: user, into: handle)
      if case .file(let path) = output {
        // Complete, then renamed into place: a killed export leaves a .partial file, never
        // a file at --out that looks complete.
        try handle.synchronize()
        try handle.close()
        guard rename(path + ".partial", path) == 0 else {
          throw LoadingError("cannot rename \(path).partial to \(path): \(String(cString: strerror(errno)))")
        }
      }
      return UsageExportResult(exportID: exportID, rows: rows, insights: insights)
    } catch {
      if case .file(let path) = output {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: path + ".partial")
      }
      let reason = (error as? PostgresError)?.description ?? (error as? LoadingError)?.message ?? "\(error)"
      throw LoadingError("usage export \(exportID) is audited (committed), but the export failed: \(reason)")
    }
  }

  /// The COPY statement of an export. JSON: one text column of row_to_json, copied in CSV
  /// format with quote and delimiter characters that JSON text never contains raw (control
  /// characters are \u-escaped in JSON), so no line is quoted or escaped: backslashes and
  /// quotes arrive exactly as JSON wrote them (COPY's text format would double backslashes).
  static func copyStatement(exportID: Int, grain: Grain, format: Format, insights: Bool = false) -> SQL {
    let function = insights ? "public.fetch_usage_export_insights"
      : grain == .request ? "public.fetch_usage_export_requests" : "public.fetch_usage_export_days"
    switch format {
    case .csv:
      return SQL(unsafeSQL: "copy (select * from \(function)(\(exportID))) to stdout with (format csv, header true)")
    case .json:
      return SQL(unsafeSQL: """
        copy (select pg_catalog.row_to_json(f)::text from \(function)(\(exportID)) as f) \
        to stdout with (format csv, quote e'\\x01', delimiter e'\\x02')
        """)
    }
  }

  private func copy(
    _ connection: Connection, exportID: Int, grain: Grain, format: Format, includeInsights: Bool, actingAs user: UUID?,
    into handle: FileHandle
  ) throws -> (rows: Int, insights: Int) {
    var buffer = Data()
    buffer.reserveCapacity(1 << 16)
    let counts = try connection.transaction {
      try ActingUser.apply(user, connection)
      // Values are written the same whatever the server's or the role's defaults (SET LOCAL:
      // nothing stays on a pooled connection).
      try connection.execute("set local timezone = 'UTC'")
      try connection.execute("set local datestyle = 'ISO, YMD'")
      try connection.execute("set local intervalstyle = 'iso_8601'")
      let sink: (UnsafeRawBufferPointer) throws -> Void = { chunk in
        buffer.append(contentsOf: chunk)
        if buffer.count >= 1 << 16 {
          try handle.write(contentsOf: buffer)
          buffer.removeAll(keepingCapacity: true)
        }
      }
      let rows = try connection.copyOut(Self.copyStatement(exportID: exportID, grain: grain, format: format), into: sink)
      guard includeInsights else { return (rows, 0) }
      // The same snapshot's insights, after the rows; CSV: a second table after an empty line.
      if format == .csv { buffer.append(0x0A) }
      let insights = try connection.copyOut(
        Self.copyStatement(exportID: exportID, grain: grain, format: format, insights: true), into: sink)
      return (rows, insights)
    }
    if !buffer.isEmpty { try handle.write(contentsOf: buffer) }
    return counts
  }
}
