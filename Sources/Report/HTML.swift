// Markup helpers: escaping for polyglot XHTML (parses as HTML5 and as XML), number text
// formatting (digit grouping, cents shown as money by moving the decimal point: no
// arithmetic on the values), and the data tables that stand behind every chart.
import Foundation

/// Escapes text for an element or a double-quoted attribute. Only the five XML entities.
func esc(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.count)
  for ch in text.unicodeScalars {
    switch ch {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default:
      // Characters XML 1.0 forbids (C0 controls other than tab, newline, return) are dropped.
      if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
      out.unicodeScalars.append(ch)
    }
  }
  return out
}

enum Format {
  /// `1234567.5` -> `1,234,567.5`; non-numbers unchanged; nil -> `–`.
  static func number(_ text: String?) -> String {
    guard let text, !text.isEmpty else { return "–" }
    guard Double(text) != nil else { return text }
    var body = Substring(text)
    var sign = ""
    if body.hasPrefix("-") {
      sign = "−"
      body = body.dropFirst()
    }
    let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let integer = String(parts[0])
    var grouped = ""
    for (i, ch) in integer.enumerated() {
      if i > 0 && (integer.count - i) % 3 == 0 { grouped += "," }
      grouped.append(ch)
    }
    return sign + grouped + (parts.count > 1 ? "." + parts[1] : "")
  }

  /// Integer cents as money text: `15499` -> `154.99 EUR` (the decimal point moved two places).
  static func cents(_ text: String?, currency: String) -> String {
    guard let text, Int64(text) != nil else { return number(text) }
    var digits = text
    var sign = ""
    if digits.hasPrefix("-") {
      sign = "-"
      digits.removeFirst()
    }
    while digits.count < 3 { digits = "0" + digits }
    let units = String(digits.dropLast(2)), fraction = String(digits.suffix(2))
    return number(sign + units + "." + fraction) + " " + currency
  }

  /// A percent value as text: `60.0` -> `60.0 %`.
  static func percent(_ text: String?) -> String {
    guard let text else { return "–" }
    return number(text) + " %"
  }

  /// The value of a metric by its name's convention (`*_cents`, `*_pct`).
  static func metric(_ name: String, _ text: String?, currency: String) -> String {
    if name.hasSuffix("_cents") { return cents(text, currency: currency) }
    if name.hasSuffix("_pct") { return percent(text) }
    return number(text)
  }

  /// A change as text with its direction: `▲ 155.3 %`, `▼ 1.2 pp`, `no base` for NULL.
  static func change(_ text: String?, unit: String) -> (text: String, direction: String) {
    guard let text, let value = Double(text) else { return ("n/a", "none") }
    let suffix = unit == "points" ? " pp" : " %"
    if value > 0 { return ("▲ +" + number(text) + suffix, "up") }
    if value < 0 { return ("▼ " + number(text) + suffix, "down") }
    return ("= " + number(text) + suffix, "flat")
  }

  /// A snake_case column name as a heading: `revenue_cents` -> `revenue (cents)`.
  static func heading(_ column: String) -> String {
    var name = column
    var unit = ""
    for (suffix, label) in [("_cents", "cents"), ("_pct", "%"), ("_ms", "ms")] where name.hasSuffix(suffix) {
      name = String(name.dropLast(suffix.count))
      unit = " (\(label))"
    }
    return name.replacingOccurrences(of: "_", with: " ") + unit
  }
}

/// Rendering helpers for the data tables.
enum TableMarkup {
  /// The table of an RPC's rows, every cell as PostgreSQL printed it (NULL: `–`, marked
  /// `data-null`). `data-rpc` names the source and `data-column` each column, so tests and
  /// scripts can read the numbers back.
  static func table(_ table: DataTable, caption: String, numericRight: Bool = true) -> String {
    // Long tables (a cohort per week offset, a day per row) fold away under their chart.
    let folded = table.rows.count > 24
    var html = folded ? "<details class=\"long\"><summary>\(esc(caption)): \(table.rows.count) rows</summary>" : ""
    html += "<div class=\"table-wrap\"><table class=\"data\" data-rpc=\"\(esc(table.source))\">"
    html += "<caption>\(esc(caption))" + (caption == table.source ? "" : " <span class=\"source\">\(esc(table.source))</span>") + "</caption><thead><tr>"
    for column in table.columns {
      let values = table.column(column).compactMap { $0 }
      let numeric = numericRight && !values.isEmpty && values.allSatisfy { Double($0) != nil }
      html += "<th scope=\"col\"\(numeric ? " class=\"num\"" : "") data-column=\"\(esc(column))\">\(esc(Format.heading(column)))</th>"
    }
    html += "</tr></thead><tbody>"
    for row in table.rows {
      html += "<tr>"
      for cell in row { html += self.cell(cell, numericRight: numericRight) }
      html += "</tr>"
    }
    html += "</tbody></table></div>"
    return html + (folded ? "</details>" : "")
  }

  static func cell(_ value: String?, numericRight: Bool = true) -> String {
    guard let value else { return "<td class=\"null\" data-null=\"true\">–</td>" }
    let numeric = numericRight && Double(value) != nil
    return "<td\(numeric ? " class=\"num\"" : "")>\(esc(value))</td>"
  }
}
