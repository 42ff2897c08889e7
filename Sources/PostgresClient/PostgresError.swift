// Errors from PostgreSQL and libpq, carrying everything a user needs to act on them:
// SQLSTATE, message, detail, hint, context, position and, for SQL files, file:line:column.
import Foundation

/// An error reported by the server or by libpq.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A SQLSTATE code. Extensible: any five-character code is valid, the common ones have names.
  public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let successfulCompletion = Code("00000")
    public static let connectionFailure = Code("08006")
    public static let unableToConnect = Code("08001")
    public static let protocolViolation = Code("08P01")
    public static let invalidParameterValue = Code("22023")
    public static let uniqueViolation = Code("23505")
    public static let checkViolation = Code("23514")
    public static let insufficientPrivilege = Code("42501")
    public static let syntaxError = Code("42601")
    public static let undefinedTable = Code("42P01")
    public static let undefinedFunction = Code("42883")
    public static let invalidSchemaName = Code("3F000")
    public static let duplicateObject = Code("42710")
    public static let lockNotAvailable = Code("55P03")
    public static let objectInUse = Code("55006")
    public static let queryCanceled = Code("57014")
    public static let adminShutdown = Code("57P01")
    public static let deadlockDetected = Code("40P01")
    public static let serializationFailure = Code("40001")
    public static let raiseException = Code("P0001")
    /// Not from the server: the client could not decode a value or was misused.
    public static let clientError = Code("XX000")
  }

  /// Where a script error happened, when the SQL came from a file.
  public struct Location: Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int
    public var column: Int
    public init(file: String?, line: Int, column: Int) {
      self.file = file
      self.line = line
      self.column = column
    }
    public var description: String { "\(file ?? "<script>"):\(line):\(column)" }
  }

  public var code: Code
  public var severity: String
  public var message: String
  public var detail: String?
  public var hint: String?
  public var context: String?
  /// 1-based character position in the query string (field `P`).
  public var position: Int?
  /// Position inside an internally generated query (field `p`) and that query (field `q`).
  public var internalPosition: Int?
  public var internalQuery: String?
  public var schema: String?
  public var table: String?
  public var column: String?
  public var constraint: String?
  /// For scripts: the file, line and column of the failing statement.
  public var location: Location?

  public init(
    code: Code, severity: String = "ERROR", message: String, detail: String? = nil, hint: String? = nil,
    context: String? = nil, position: Int? = nil, location: Location? = nil
  ) {
    self.code = code
    self.severity = severity
    self.message = message
    self.detail = detail
    self.hint = hint
    self.context = context
    self.position = position
    self.location = location
  }

  /// One line: `file:line:column: ERROR 42601: message`.
  public var summary: String {
    var text = ""
    if let location { text += "\(location): " }
    text += "\(severity) \(code.rawValue): \(message)"
    return text
  }

  /// The summary followed by detail, hint and context lines, as psql shows them.
  public var description: String {
    var lines = [summary]
    if let detail, !detail.isEmpty { lines.append("DETAIL: \(detail)") }
    if let hint, !hint.isEmpty { lines.append("HINT: \(hint)") }
    if let context, !context.isEmpty { lines.append("CONTEXT: \(context)") }
    return lines.joined(separator: "\n")
  }

  /// True when the error ended the connection: the server shut down or restarted
  /// (57P01-57P03), crashed, or the network dropped (class 08).
  public var isConnectionLoss: Bool {
    code.rawValue.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(code.rawValue)
  }

  /// The message's first line (libpq adds guesses on further lines when a connection breaks).
  public var firstLine: String {
    String(message.split(separator: "\n", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces)
  }

  static func client(_ message: String, hint: String? = nil) -> PostgresError {
    PostgresError(code: .clientError, message: message, hint: hint)
  }
}
