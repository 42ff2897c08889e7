// A query with its parameters: string interpolation binds `$n` placeholders, so values never
// become SQL text. The unsafe path says so in its name.

/// A parameter value sent to the server in text format.
public struct PostgresBind: Sendable, Equatable {
  /// The value's text form, or nil for SQL NULL.
  public var text: String?
  /// The parameter's type OID; 0 lets the server infer it.
  public var typeOID: UInt32
  public init(text: String?, typeOID: UInt32) {
    self.text = text
    self.typeOID = typeOID
  }
}

/// A SQL statement with bound parameters.
///
/// ```swift
/// let rows = try connection.query("select name from app.organizations where id = \(orgID)")
/// ```
/// binds `orgID` as `$1`. Use `\(unsafeSQL: text)` only for trusted SQL fragments and
/// `\(identifier: name)` for a quoted identifier.
public struct SQL: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
  public var text: String
  public var binds: [PostgresBind]

  public init(unsafeSQL text: String, binds: [PostgresBind] = []) {
    self.text = text
    self.binds = binds
  }

  public init(stringLiteral value: String) {
    self.init(unsafeSQL: value)
  }

  public init(stringInterpolation: StringInterpolation) {
    self.init(unsafeSQL: stringInterpolation.text, binds: stringInterpolation.binds)
  }

  public var description: String { text }

  public struct StringInterpolation: StringInterpolationProtocol {
    var text = ""
    var binds: [PostgresBind] = []

    public init(literalCapacity: Int, interpolationCount: Int) {
      text.reserveCapacity(literalCapacity + interpolationCount * 3)
    }

    public mutating func appendLiteral(_ literal: String) {
      text += literal
    }

    /// Binds a value as the next `$n` parameter.
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
      binds.append(PostgresBind(text: value.postgresText, typeOID: Value.postgresTypeOID))
      text += "$\(binds.count)"
    }

    /// Binds an optional value; nil is SQL NULL.
    public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
      binds.append(PostgresBind(text: value?.postgresText, typeOID: Value.postgresTypeOID))
      text += "$\(binds.count)"
    }

    /// Inserts trusted SQL text verbatim. Never pass user input here.
    public mutating func appendInterpolation(unsafeSQL fragment: String) {
      text += fragment
    }

    /// Inserts a double-quoted identifier.
    public mutating func appendInterpolation(identifier: String) {
      text += quoteIdentifier(identifier)
    }
  }
}

/// Quotes an identifier the way `quote_ident` does when needed: always, to be safe.
public func quoteIdentifier(_ name: String) -> String {
  "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Quotes a string literal (for the rare places where a parameter cannot be used, e.g. SET).
public func quoteLiteral(_ value: String) -> String {
  "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
}
