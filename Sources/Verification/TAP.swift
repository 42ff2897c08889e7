// Parses the TAP stream pgTAP produces (plan, ok / not ok lines, # diagnostics).

/// One pgTAP assertion.
public struct AssertionResult: Sendable, Equatable, Codable {
  public var number: Int
  public var description: String
  public var passed: Bool
  /// `# SKIP` or `# TODO` directive, when present.
  public var directive: String?
  /// The `#` lines that followed it (have / want, error messages).
  public var diagnostics: [String]
}

/// A parsed TAP stream.
public struct TAPStream: Sendable, Equatable {
  public var planned: Int?
  public var assertions: [AssertionResult]
  /// `#` lines before the first assertion, or after the last not attached to one (e.g. finish()'s summary).
  public var comments: [String]

  /// Parses lines; anything that is not TAP (fixture output) is ignored.
  public static func parse(_ lines: [String]) -> TAPStream {
    var stream = TAPStream(planned: nil, assertions: [], comments: [])
    let planPattern = /^1\.\.(\d+)/
    let testPattern = /^(not )?ok (\d+)(?: - ?)?(.*)$/
    for raw in lines {
      let line = raw.trimmingSuffixWhitespace()
      if let match = line.wholeMatch(of: planPattern) ?? line.prefixMatch(of: planPattern) {
        stream.planned = Int(match.1)
      } else if let match = line.wholeMatch(of: testPattern) {
        var description = String(match.3)
        var directive: String?
        if let hash = description.range(of: " # ") ?? (description.hasPrefix("# ") ? description.range(of: "# ") : nil) {
          let text = description[hash.upperBound...]
          let upper = text.uppercased()
          if upper.hasPrefix("SKIP") || upper.hasPrefix("TODO") {
            directive = String(text)
            description = String(description[..<hash.lowerBound])
          }
        }
        stream.assertions.append(
          AssertionResult(
            number: Int(match.2) ?? stream.assertions.count + 1, description: description, passed: match.1 == nil,
            directive: directive, diagnostics: []))
      } else if line.hasPrefix("#") {
        let text = String(line.dropFirst()).trimmingPrefixWhitespace()
        if let last = stream.assertions.indices.last, !text.hasPrefix("Looks like") {
          stream.assertions[last].diagnostics.append(text)
        } else {
          stream.comments.append(text)
        }
      }
    }
    return stream
  }

  /// Failures that count: a `not ok` without TODO, or a plan that does not match what ran.
  public var failures: [String] {
    var problems: [String] = []
    for assertion in assertions where !assertion.passed && !(assertion.directive?.uppercased().hasPrefix("TODO") ?? false) {
      problems.append("not ok \(assertion.number) - \(assertion.description)")
    }
    if let planned, planned != assertions.count {
      problems.append("planned \(planned) tests but ran \(assertions.count)")
    } else if planned == nil {
      problems.append("no plan (the file must start with select plan(N))")
    }
    return problems
  }
}

extension String {
  func trimmingSuffixWhitespace() -> String {
    var copy = self
    while let last = copy.last, last.isWhitespace { copy.removeLast() }
    return copy
  }
  func trimmingPrefixWhitespace() -> String {
    String(drop(while: { $0.isWhitespace }))
  }
}
