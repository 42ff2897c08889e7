// A segment export from the command line, in the two steps of the database: the audit row
// is requested and COMMITTED first (public.request_segment_export), then the rows are
// fetched in a new transaction (public.fetch_segment_export). Whatever happens to the rows
// afterwards, the audit row stays.
import Foundation
import PostgresClient

/// The rows of one export and its audit row's id.
public struct SegmentExportResult: Sendable {
  public var exportID: Int
  public var columns: [String]
  public var rows: [[String?]]

  public init(exportID: Int, columns: [String], rows: [[String?]]) {
    self.exportID = exportID
    self.columns = columns
    self.rows = rows
  }

  /// CSV (RFC 4180): a header line, then one line per customer; NULL is an empty field.
  /// A text that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a
  /// carriage return, and is not a number) is written with a leading apostrophe (OWASP's
  /// advice against CSV injection): names and properties come from the audience.
  public var csv: String {
    func field(_ value: String?) -> String {
      guard var value else { return "" }
      if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(value) == nil {
        value = "'" + value
      }
      // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
      if value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\t" }) {
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
      }
      return value
    }
    return ([columns.map(field).joined(separator: ",")] + rows.map { $0.map(field).joined(separator: ",") })
      .map { $0 + "\r\n" }.joined()
  }
}

public struct SegmentExporter: Sendable {
  public init() {}

  /// Requests the export (committed), then fetches its rows in a new transaction. With
  /// `actingAs`, both steps run as that user (``ActingUser``): their role is checked and the
  /// audit row names them; without it, as the session (a DBA or service_role: no user).
  public func export(
    _ connection: Connection, segment: UUID, includePII: Bool, purpose: String, actingAs user: UUID? = nil
  ) throws -> SegmentExportResult {
    let exportID = try connection.transaction {
      try ActingUser.apply(user, connection)
      return try connection.scalar(
        "select export_id from public.request_segment_export(\(segment), \(includePII), \(purpose))", as: Int.self)
    }
    guard let exportID else { throw PostgresError(code: .clientError, message: "request_segment_export returned no export id") }
    let result = try connection.transaction {
      try ActingUser.apply(user, connection)
      return try connection.query("select * from public.fetch_segment_export(\(exportID))")
    }
    return SegmentExportResult(exportID: exportID, columns: result.columns.map(\.name), rows: result.cells)
  }
}

/// `--as USER` of the export commands: the transaction acts as that signed-in user (the JWT
/// claims PostgREST would set: sub = the user, role authenticated), so that the RPCs check the
/// user's role in the organization and the audit row records who exported
/// (`exported_by`, `requested_by`). The DBA running the command vouches for the identity.
public enum ActingUser {
  public static func apply(_ user: UUID?, _ connection: Connection) throws {
    guard let user else { return }
    let claims = #"{"sub":"\#(user.uuidString.lowercased())","role":"authenticated"}"#
    try connection.execute("select pg_catalog.set_config('request.jwt.claims', \(claims), true)")
  }
}
