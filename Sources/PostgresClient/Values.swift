// Typed values: how Swift values are sent as parameters and how column text is decoded.
import Foundation

/// Well-known type OIDs (pg_type.oid), used to pick a decoder and to type parameters.
public enum PostgresTypeOID {
  public static let bool: UInt32 = 16
  public static let bytea: UInt32 = 17
  public static let name: UInt32 = 19
  public static let int8: UInt32 = 20
  public static let int2: UInt32 = 21
  public static let int4: UInt32 = 23
  public static let text: UInt32 = 25
  public static let oid: UInt32 = 26
  public static let json: UInt32 = 114
  public static let float4: UInt32 = 700
  public static let float8: UInt32 = 701
  public static let bpchar: UInt32 = 1042
  public static let varchar: UInt32 = 1043
  public static let date: UInt32 = 1082
  public static let timestamp: UInt32 = 1114
  public static let timestamptz: UInt32 = 1184
  public static let numeric: UInt32 = 1700
  public static let uuid: UInt32 = 2950
  public static let jsonb: UInt32 = 3802
  public static let textArray: UInt32 = 1009
  public static let unknown: UInt32 = 0
}

/// A value that can be bound as a query parameter.
public protocol PostgresEncodable: Sendable {
  /// The parameter's type; 0 lets the server infer it from context.
  static var postgresTypeOID: UInt32 { get }
  /// The value in PostgreSQL's text input format.
  var postgresText: String { get }
}

/// A value that can be decoded from a column in text format.
public protocol PostgresDecodable: Sendable {
  /// Decodes the text form of a non-NULL value of the given type.
  static func decode(postgresText: String, typeOID: UInt32) throws -> Self
}

func decodingError(_ text: String, as type: Any.Type) -> PostgresError {
  .client("cannot decode \(String(reflecting: text)) as \(type)")
}

extension String: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.unknown }
  public var postgresText: String { self }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> String { postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.int8 }
  public var postgresText: String { String(self) }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Int {
    guard let value = Int(postgresText) else { throw decodingError(postgresText, as: Int.self) }
    return value
  }
}

extension Int64: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.int8 }
  public var postgresText: String { String(self) }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Int64 {
    guard let value = Int64(postgresText) else { throw decodingError(postgresText, as: Int64.self) }
    return value
  }
}

extension Int32: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.int4 }
  public var postgresText: String { String(self) }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Int32 {
    guard let value = Int32(postgresText) else { throw decodingError(postgresText, as: Int32.self) }
    return value
  }
}

extension Double: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.float8 }
  public var postgresText: String { String(self) }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Double {
    switch postgresText {
    case "NaN": return .nan
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default:
      guard let value = Double(postgresText) else { throw decodingError(postgresText, as: Double.self) }
      return value
    }
  }
}

extension Decimal: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.numeric }
  public var postgresText: String { "\(self)" }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Decimal {
    guard let value = Decimal(string: postgresText, locale: Locale(identifier: "en_US_POSIX")) else {
      throw decodingError(postgresText, as: Decimal.self)
    }
    return value
  }
}

extension Bool: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.bool }
  public var postgresText: String { self ? "t" : "f" }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Bool {
    switch postgresText {
    case "t", "true": return true
    case "f", "false": return false
    default: throw decodingError(postgresText, as: Bool.self)
    }
  }
}

extension UUID: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.uuid }
  public var postgresText: String { uuidString.lowercased() }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> UUID {
    guard let value = UUID(uuidString: postgresText) else { throw decodingError(postgresText, as: UUID.self) }
    return value
  }
}

/// A calendar date without a time zone (PostgreSQL `date`).
public struct PostgresDate: Sendable, Hashable, Comparable, CustomStringConvertible, PostgresEncodable,
  PostgresDecodable
{
  public var year: Int
  public var month: Int
  public var day: Int
  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }
  public var description: String {
    let y = String(year).leftPadded(to: 4)
    return "\(y)-\(String(month).leftPadded(to: 2))-\(String(day).leftPadded(to: 2))"
  }
  public static func < (a: PostgresDate, b: PostgresDate) -> Bool {
    (a.year, a.month, a.day) < (b.year, b.month, b.day)
  }
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.date }
  public var postgresText: String { description }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> PostgresDate {
    let parts = postgresText.split(separator: "-")
    guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else {
      throw decodingError(postgresText, as: PostgresDate.self)
    }
    return PostgresDate(year: y, month: m, day: d)
  }
}

extension String {
  func leftPadded(to width: Int, with pad: Character = "0") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}

extension Date: PostgresEncodable, PostgresDecodable {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.timestamptz }
  /// ISO 8601 in UTC with microseconds, e.g. `2026-11-21 22:00:09.123456+00`.
  public var postgresText: String {
    let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded())
    var seconds = micros / 1_000_000
    var fraction = micros % 1_000_000
    if fraction < 0 {
      fraction += 1_000_000
      seconds -= 1
    }
    let days = Int(floorDiv(seconds, 86_400))
    let secondOfDay = Int(seconds - Int64(days) * 86_400)
    let (y, m, d) = civilFromDays(days)
    let date = PostgresDate(year: y, month: m, day: d)
    let time =
      "\(String(secondOfDay / 3600).leftPadded(to: 2)):\(String(secondOfDay / 60 % 60).leftPadded(to: 2)):"
      + "\(String(secondOfDay % 60).leftPadded(to: 2)).\(String(fraction).leftPadded(to: 6))"
    return "\(date) \(time)+00"
  }

  /// Parses `timestamptz` (ISO DateStyle) and `timestamp` (taken as UTC) output.
  public static func decode(postgresText: String, typeOID: UInt32) throws -> Date {
    guard let date = parsePostgresTimestamp(postgresText) else { throw decodingError(postgresText, as: Date.self) }
    return date
  }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
  let q = a / b
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
  let z = z0 + 719_468
  let era = (z >= 0 ? z : z - 146_096) / 146_097
  let doe = z - era * 146_097
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
  let y = yoe + era * 400
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
  let mp = (5 * doy + 2) / 153
  let d = doy - (153 * mp + 2) / 5 + 1
  let m = mp < 10 ? mp + 3 : mp - 9
  return (m <= 2 ? y + 1 : y, m, d)
}

/// A civil date to days since 1970-01-01.
func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
  let y = m <= 2 ? y0 - 1 : y0
  let era = (y >= 0 ? y : y - 399) / 400
  let yoe = y - era * 400
  let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return era * 146_097 + doe - 719_468
}

func parsePostgresTimestamp(_ text: String) -> Date? {
  // yyyy-mm-dd hh:mm:ss[.ffffff][+hh[:mm[:ss]]|-hh...]
  let scalars = Array(text.utf8)
  guard scalars.count >= 19 else { return nil }
  func number(_ from: Int, _ length: Int) -> Int? {
    guard from + length <= scalars.count else { return nil }
    var value = 0
    for i in from..<(from + length) {
      let c = scalars[i]
      guard c >= 48, c <= 57 else { return nil }
      value = value * 10 + Int(c - 48)
    }
    return value
  }
  guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
    let mi = number(14, 2), let s = number(17, 2)
  else { return nil }
  var index = 19
  var micros = 0
  if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
    index += 1
    var digits = 0
    while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
      if digits < 6 {
        micros = micros * 10 + Int(scalars[index] - 48)
        digits += 1
      }
      index += 1
    }
    while digits < 6 {
      micros *= 10
      digits += 1
    }
  }
  var offsetSeconds = 0
  if index < scalars.count {
    let sign = scalars[index]
    guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
    let parts = String(decoding: scalars[(index + 1)...], as: UTF8.self).split(separator: ":")
    guard let oh = Int(parts[0]) else { return nil }
    let om = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    let os = parts.count > 2 ? Int(parts[2]) ?? 0 : 0
    offsetSeconds = (oh * 3600 + om * 60 + os) * (sign == UInt8(ascii: "-") ? -1 : 1)
  }
  let days = daysFromCivil(y, mo, d)
  let seconds = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s) - Int64(offsetSeconds)
  return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
}

extension Array: PostgresEncodable where Element == String {
  public static var postgresTypeOID: UInt32 { PostgresTypeOID.textArray }
  /// An array literal with every element quoted: `{"a","b \"c\""}`.
  public var postgresText: String {
    "{" + map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
      .joined(separator: ",") + "}"
  }
}

extension Array: PostgresDecodable where Element == String {
  /// Parses a one-dimensional array literal; NULL elements are not representable and are rejected.
  public static func decode(postgresText: String, typeOID: UInt32) throws -> [String] {
    guard let parsed = parseTextArray(postgresText) else { throw decodingError(postgresText, as: [String].self) }
    var result: [String] = []
    for element in parsed {
      guard let element else { throw decodingError(postgresText, as: [String].self) }
      result.append(element)
    }
    return result
  }
}

/// Parses `{a,"b c",NULL}` into its elements (nil for NULL).
func parseTextArray(_ text: String) -> [String?]? {
  var chars = Array(text)
  if let eq = chars.firstIndex(of: "="), chars.first == "[" { chars = Array(chars[(eq + 1)...]) }
  guard chars.first == "{", chars.last == "}" else { return nil }
  var result: [String?] = []
  var i = 1
  let end = chars.count - 1
  if i == end { return [] }
  while i <= end {
    var value = ""
    var quoted = false
    if chars[i] == "\"" {
      quoted = true
      i += 1
      while i < end, chars[i] != "\"" {
        if chars[i] == "\\" { i += 1 }
        value.append(chars[i])
        i += 1
      }
      i += 1  // closing quote
    } else {
      while i < end, chars[i] != "," {
        value.append(chars[i])
        i += 1
      }
    }
    result.append(!quoted && value == "NULL" ? nil : value)
    i += 1  // comma or closing brace
  }
  return result
}

/// JSON documents are `jsonb` parameters and decode from `json`/`jsonb` columns.
extension JSONValue: PostgresEncodable, PostgresDecodable {
  public subscript(index: Int) -> JSONValue? {
    if case .array(let array) = self, array.indices.contains(index) { return array[index] }
    return nil
  }
  public var doubleValue: Double? { numberValue }
  public var intValue: Int? { numberValue.flatMap { $0 == $0.rounded() ? Int($0) : nil } }
  public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }

  /// Compact JSON text with sorted keys.
  public var jsonText: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "null"
  }

  public static var postgresTypeOID: UInt32 { PostgresTypeOID.jsonb }
  public var postgresText: String { jsonText }
  public static func decode(postgresText: String, typeOID: UInt32) throws -> JSONValue {
    do {
      return try parse(postgresText)
    } catch {
      throw PostgresError.client("invalid JSON: \(error)")
    }
  }
}
