// Inline SVG charts: each with <title> and <desc> (role="img"), axis labels, colours from the
// page's CSS variables (light and dark mode). Values are parsed only to place shapes.
import Foundation

/// Hands out ids unique within one document (for aria-labelledby).
final class IDs {
  private var next = 0
  func make(_ prefix: String) -> String {
    next += 1
    return "\(prefix)-\(next)"
  }
}

enum Chart {
  static func open(_ ids: IDs, width: Int, height: Int, title: String, desc: String, cssClass: String = "chart") -> String {
    let t = ids.make("t"), d = ids.make("d")
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"\(cssClass)\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
      + "role=\"img\" aria-labelledby=\"\(t) \(d)\"><title id=\"\(t)\">\(esc(title))</title><desc id=\"\(d)\">\(esc(desc))</desc>"
  }

  static func f(_ value: Double) -> String { String(format: "%.1f", value) }

  /// A small line of a daily series (no axes): for the KPI cards.
  static func sparkline(_ ids: IDs, values: [Double?], title: String) -> String {
    let width = 160.0, height = 36.0
    let known = values.compactMap { $0 }
    guard values.count >= 2, let maxValue = known.max() else { return "" }
    let top = maxValue > 0 ? maxValue : 1
    var points: [String] = []
    for (i, value) in values.enumerated() {
      guard let value else { continue }
      let x = 2 + Double(i) * (width - 4) / Double(values.count - 1)
      let y = height - 3 - value / top * (height - 6)
      points.append("\(f(x)),\(f(y))")
    }
    var svg = open(ids, width: Int(width), height: Int(height), title: title,
                   desc: "\(values.count) days, highest \(maxValue.formatted(.number.grouping(.never)))", cssClass: "spark")
    svg += "<polyline class=\"spark-line\" points=\"\(points.joined(separator: " "))\"/></svg>"
    return svg
  }

  /// Horizontal bars: one per label, length value / maxValue, the value's text at its end.
  static func bars(_ ids: IDs, title: String, labels: [String], values: [Double], texts: [String], axis: String,
                   maxValue: Double? = nil, markers: [Double] = [], rowMarkers: [[Double]] = []) -> String {
    // Long labels (paths) go above their bar, short ones to its left.
    let above = labels.contains { $0.count > 30 }
    let labelWidth = above ? 8.0 : 230.0, barArea = above ? 560.0 : 380.0, row = above ? 40.0 : 24.0
    let width = labelWidth + barArea + 150
    let height = Double(labels.count) * row + 44
    let top = max(maxValue ?? (values.max() ?? 1), 1e-9)
    var svg = open(ids, width: Int(width), height: Int(height), title: title,
                   desc: zip(labels, texts).map { "\($0): \($1)" }.joined(separator: "; "))
    for (i, label) in labels.enumerated() {
      let y = 8 + Double(i) * row + (above ? 16 : 0)
      let length = max(0, min(values[i], top)) / top * barArea
      if above {
        svg += "<text class=\"label\" x=\"\(f(labelWidth))\" y=\"\(f(y - 2))\">\(esc(truncate(label, 110)))</text>"
      } else {
        svg += "<text class=\"label\" x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\">\(esc(truncate(label, 32)))</text>"
      }
      svg += "<rect class=\"bar\" x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(length))\" height=\"\(f(above ? 16 : row - 8))\" rx=\"2\"/>"
      svg += "<text class=\"value\" x=\"\(f(labelWidth + length + 6))\" y=\"\(f(y + 15))\">\(esc(texts[i]))</text>"
      for marker in (i < rowMarkers.count ? rowMarkers[i] : []) where marker <= top {
        let x = labelWidth + marker / top * barArea
        svg += "<line class=\"threshold\" x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x))\" y2=\"\(f(y + row - 2))\"><title>threshold \(esc(marker.formatted(.number.grouping(.never)))) % crossed</title></line>"
      }
    }
    let axisY = 8 + Double(labels.count) * row + 4
    for marker in markers where marker <= top {
      let x = labelWidth + marker / top * barArea
      svg += "<line class=\"threshold\" x1=\"\(f(x))\" y1=\"4\" x2=\"\(f(x))\" y2=\"\(f(axisY))\"/>"
    }
    svg += "<line class=\"axis\" x1=\"\(f(labelWidth))\" y1=\"\(f(axisY))\" x2=\"\(f(labelWidth + barArea))\" y2=\"\(f(axisY))\"/>"
    svg += "<text class=\"tick\" x=\"\(f(labelWidth))\" y=\"\(f(axisY + 14))\">0</text>"
    svg += "<text class=\"tick\" x=\"\(f(labelWidth + barArea))\" y=\"\(f(axisY + 14))\" text-anchor=\"end\">\(esc(top.formatted(.number.grouping(.never))))</text>"
    svg += "<text class=\"axis-label\" x=\"\(f(labelWidth + barArea / 2))\" y=\"\(f(axisY + 30))\" text-anchor=\"middle\">\(esc(axis))</text>"
    return svg + "</svg>"
  }

  /// A daily line chart with an optional interval band and marked points, axes labelled.
  static func line(_ ids: IDs, title: String, days: [String], values: [Double?], yLabel: String,
                   band: [(day: String, low: Double, high: Double)] = [], marks: [String] = []) -> String {
    let width = 720.0, height = 260.0, left = 64.0, right = 16.0, topPad = 16.0, bottom = 48.0
    let allDays = (days + band.map(\.day).filter { !days.contains($0) })
    guard allDays.count >= 1 else { return "" }
    let maxValue = max((values.compactMap { $0 } + band.map(\.high)).max() ?? 1, 1e-9)
    let plotW = width - left - right, plotH = height - topPad - bottom
    func x(_ i: Int) -> Double { left + (allDays.count == 1 ? plotW / 2 : Double(i) * plotW / Double(allDays.count - 1)) }
    func y(_ v: Double) -> Double { topPad + plotH - v / maxValue * plotH }
    var svg = open(ids, width: Int(width), height: Int(height), title: title,
                   desc: "\(days.count) days from \(days.first ?? "") to \(days.last ?? "")"
                     + (band.isEmpty ? "" : ", forecast interval for \(band.count) days") + (marks.isEmpty ? "" : ", \(marks.count) anomalies marked"))
    for fraction in [0.0, 0.5, 1.0] {
      let v = maxValue * fraction
      svg += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y(v)))\" x2=\"\(f(width - right))\" y2=\"\(f(y(v)))\"/>"
      svg += "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" text-anchor=\"end\">\(esc(v.formatted(.number.precision(.significantDigits(1...4)).grouping(.never))))</text>"
    }
    if !band.isEmpty {
      let indexed = band.compactMap { b in allDays.firstIndex(of: b.day).map { ($0, b) } }
      let upper = indexed.map { "\(f(x($0.0))),\(f(y($0.1.high)))" }
      let lower = indexed.reversed().map { "\(f(x($0.0))),\(f(y($0.1.low)))" }
      svg += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\"/>"
    }
    let points = values.enumerated().compactMap { i, v in v.map { "\(f(x(i))),\(f(y($0)))" } }
    svg += "<polyline class=\"series\" points=\"\(points.joined(separator: " "))\"/>"
    for mark in marks {
      if let i = days.firstIndex(of: mark), let v = values[i] {
        svg += "<circle class=\"mark\" cx=\"\(f(x(i)))\" cy=\"\(f(y(v)))\" r=\"5\"><title>anomaly on \(esc(mark))</title></circle>"
      }
    }
    let axisY = topPad + plotH
    svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(width - right))\" y2=\"\(f(axisY))\"/>"
    svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(topPad))\" x2=\"\(f(left))\" y2=\"\(f(axisY))\"/>"
    let tickEvery = max(1, allDays.count / 6)
    for (i, day) in allDays.enumerated() where i % tickEvery == 0 || i == allDays.count - 1 {
      svg += "<text class=\"tick\" x=\"\(f(x(i)))\" y=\"\(f(axisY + 16))\" text-anchor=\"middle\">\(esc(String(day.prefix(10).dropFirst(5))))</text>"
    }
    svg += "<text class=\"axis-label\" x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">local day (month-day)</text>"
    svg += "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"\(f(-(topPad + plotH / 2)))\" y=\"14\" text-anchor=\"middle\">\(esc(yLabel))</text>"
    return svg + "</svg>"
  }

  /// Forecast per period: the spend so far (bar), the interval (band) and the projected
  /// total (a tick), on one scale.
  static func forecast(_ ids: IDs, title: String, labels: [String], spent: [Double?], projected: [Double?],
                       low: [Double?], high: [Double?], texts: [String], axis: String) -> String {
    let labelWidth = 90.0, barArea = 520.0, row = 34.0
    let width = labelWidth + barArea + 40, height = Double(labels.count) * row + 50
    let top = max((spent + projected + high).compactMap { $0 }.max() ?? 1, 1e-9)
    func x(_ v: Double) -> Double { labelWidth + max(0, v) / top * barArea }
    var svg = open(ids, width: Int(width), height: Int(height), title: title,
                   desc: zip(labels, texts).map { "\($0): \($1)" }.joined(separator: "; "))
    for (i, label) in labels.enumerated() {
      let y = 6 + Double(i) * row
      svg += "<text class=\"label\" x=\"\(f(labelWidth - 8))\" y=\"\(f(y + 13))\" text-anchor=\"end\">\(esc(label))</text>"
      if let l = low[i], let h = high[i] {
        svg += "<rect class=\"band\" x=\"\(f(x(l)))\" y=\"\(f(y))\" width=\"\(f(max(1, x(h) - x(l))))\" height=\"18\"/>"
      }
      if let s = spent[i] { svg += "<rect class=\"bar\" x=\"\(f(labelWidth))\" y=\"\(f(y + 4))\" width=\"\(f(x(s) - labelWidth))\" height=\"10\"/>" }
      if let p = projected[i] { svg += "<line class=\"mark-line\" x1=\"\(f(x(p)))\" y1=\"\(f(y - 2))\" x2=\"\(f(x(p)))\" y2=\"\(f(y + 20))\"/>" }
      svg += "<text class=\"tick\" x=\"\(f(labelWidth))\" y=\"\(f(y + 31))\">\(esc(texts[i]))</text>"
    }
    let axisY = 6 + Double(labels.count) * row + 2
    svg += "<line class=\"axis\" x1=\"\(f(labelWidth))\" y1=\"\(f(axisY))\" x2=\"\(f(labelWidth + barArea))\" y2=\"\(f(axisY))\"/>"
    svg += "<text class=\"tick\" x=\"\(f(labelWidth))\" y=\"\(f(axisY + 14))\">0</text>"
    svg += "<text class=\"tick\" x=\"\(f(labelWidth + barArea))\" y=\"\(f(axisY + 14))\" text-anchor=\"end\">\(esc(top.formatted(.number.grouping(.never))))</text>"
    svg += "<text class=\"axis-label\" x=\"\(f(labelWidth + barArea / 2))\" y=\"\(f(axisY + 30))\" text-anchor=\"middle\">\(esc(axis))</text>"
    return svg + "</svg>"
  }

  static func truncate(_ text: String, _ length: Int) -> String {
    text.count <= length ? text : String(text.prefix(length - 1)) + "…"
  }
}
