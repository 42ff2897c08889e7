// Plain Sendable values for what a query returned: columns, rows of text cells, command tag.

/// One column's name and type.
public struct Column: Sendable, Equatable {
  public var name: String
  public var typeOID: UInt32
}

/// The rows a statement returned, copied out of libpq (no C memory is kept).
public struct QueryResult: Sendable, Equatable {
  public var columns: [Column]
  /// Each row's cells in text format; nil is SQL NULL.
  public var cells: [[String?]]
  /// The command tag, e.g. `INSERT 0 3` or `SELECT 2`.
  public var commandTag: String
  /// Rows affected, for INSERT/UPDATE/DELETE/COPY/SELECT.
  public var affectedRows: Int?

  public init(columns: [Column], cells: [[String?]], commandTag: String, affectedRows: Int?) {
    self.columns = columns
    self.cells = cells
    self.commandTag = commandTag
    self.affectedRows = affectedRows
  }

  public var rows: [Row] { cells.map { Row(columns: columns, cells: $0) } }
  public var count: Int { cells.count }
  public var first: Row? { cells.first.map { Row(columns: columns, cells: $0) } }
}

/// One row, decoded by column name or index.
public struct Row: Sendable, Equatable {
  public var columns: [Column]
  public var cells: [String?]

  public func index(of name: String) throws -> Int {
    guard let index = columns.firstIndex(where: { $0.name == name }) else {
      throw PostgresError.client("no column named \(name) in the result (columns: \(columns.map(\.name).joined(separator: ", ")))")
    }
    return index
  }

  /// Decodes a non-NULL column; NULL is an error.
  public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    try decode(at: index(of: name), as: type)
  }

  public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
    guard let text = cells[index] else {
      throw PostgresError.client("column \(columns[index].name) is NULL, expected \(T.self)")
    }
    return try T.decode(postgresText: text, typeOID: columns[index].typeOID)
  }

  /// Decodes a nullable column.
  public func decode<T: PostgresDecodable>(_ name: String, as type: T?.Type) throws -> T? {
    let index = try index(of: name)
    guard let text = cells[index] else { return nil }
    return try T.decode(postgresText: text, typeOID: columns[index].typeOID)
  }

  /// The raw text of a column, nil for NULL.
  public subscript(name: String) -> String? {
    guard let index = columns.firstIndex(where: { $0.name == name }) else { return nil }
    return cells[index]
  }
}

/// A NOTICE, WARNING or other non-error message the server sent.
public struct Notice: Sendable, Equatable, CustomStringConvertible {
  public var severity: String
  public var code: String
  public var message: String
  public var detail: String?
  public var hint: String?
  public var description: String { "\(severity): \(message)" + (hint.map { " (hint: \($0))" } ?? "") }
}

/// The outcome of a multi-statement script: one result per statement, in order.
public struct ScriptResult: Sendable, Equatable {
  public var results: [QueryResult]
  public var notices: [Notice]
}
