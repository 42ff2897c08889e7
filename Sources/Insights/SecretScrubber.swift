// SecretScrubber: nothing shaped like a key leaves through an error, a run record or a stored
// insight. Applied to every model-written or server-written string before it is stored or
// printed.
import Foundation

/// Blanks out the configured keys and anything shaped like a bearer token or an API key.
///
/// Shapes (each replaced by `[redacted]`):
/// - the configured keys, in any letter case, and every part of one that is at least
///   ``minKeyFragment`` (8) characters long (an error body that echoes a key's suffix, or the
///   key upper-cased, shows neither);
/// - a key written out with separators (`Z q 7 M a n g o - Q u o k k a`, or with punctuation or
///   zero-width characters between its characters): a text that holds a part of a key of
///   ``minKeyFragment`` characters once everything but letters and digits is removed and case
///   is ignored (broken up twice or more, or once by anything but a single space: two words
///   that happen to join into a part of the key are not it) is replaced whole by ``keyReply``
///   (the separators leave no part of it that could be cut out and still be read);
/// - `Bearer <token>` (the token; 6+ characters);
/// - `x-api-key`, `api_key`, `api-key`, `authorization`, `token`, `secret`, `password` followed
///   by `:` or `=` and a value of 6+ characters (the value);
/// - `sk-...`, `pk-...`, `rk-...` (8+ characters after the dash: OpenAI, Anthropic `sk-ant-...`),
///   AWS `AKIA...`, GitHub `ghp_...`, Slack `xox?-...`, Google `AIza...`, JWTs `eyJ....`;
/// - any run of 32 or more letters, digits and underscores holding both a letter and a digit.
public struct SecretScrubber: Sendable, Hashable {
  public var secrets: [APIKey]

  public init(secrets: [APIKey] = []) {
    self.secrets = secrets.filter { !$0.reveal().isEmpty }
  }

  public static let redacted = "[redacted]"

  /// What replaces a whole text that holds a key written out with separators.
  public static let keyReply = "[redacted: the reply contained the API key]"

  /// The shortest part of a configured key that is blanked out on its own (a shorter key is
  /// blanked out whole only).
  public static let minKeyFragment = 8

  /// `text` with every secret blanked out.
  public func scrub(_ text: String) -> String {
    var result = scrubKeys(text)
    result = result.replacing(Self.bearerPattern) { "\($0.output.1)\(Self.redacted)" }
    result = result.replacing(Self.assignmentPattern) { "\($0.output.1)\($0.output.2)\(Self.redacted)" }
    for pattern in Self.tokenPatterns {
      result = result.replacing(pattern) { _ in Self.redacted }
    }
    return result
  }

  /// `text` with the configured keys blanked out (not the other shapes): each key in any letter
  /// case, and any run of text of ``minKeyFragment`` or more characters that is part of a key.
  /// Consecutive blanked characters become one `[redacted]`. A text that still holds a part of
  /// a key once its separators are removed (the key spelled out with spaces, punctuation or
  /// zero-width characters between its characters) is replaced whole by ``keyReply``.
  public func scrubKeys(_ text: String) -> String {
    guard !secrets.isEmpty, !text.isEmpty else { return text }
    let scrubbed = scrubKeyParts(text)
    return holdsSeparatedKey(scrubbed) ? Self.keyReply : scrubbed
  }

  /// Whether `text`, with everything but letters and digits removed and case folded, holds a
  /// part of ``minKeyFragment`` characters of a key (its letters and digits), of a key that
  /// has that many, broken up by separators at least twice, or once by anything but a single
  /// whitespace character: two words of a sentence that happen to join into a part of the key
  /// (`got secret1` for a key holding `t-secret1`) are not the key. What
  /// ``scrubKeyParts(_:)`` blanked out is no longer there to be found.
  private func holdsSeparatedKey(_ text: String) -> Bool {
    var folded: [UInt32] = []
    // For each kept character, how many separator runs came before it; for each run, whether
    // it was one whitespace character.
    var gapsBefore: [Int] = []
    var gapIsSpace: [Bool] = [false]
    var pending: [Unicode.Scalar] = []
    for scalar in text.unicodeScalars {
      guard Self.isKeyCharacter(scalar) else {
        pending.append(scalar)
        continue
      }
      if !pending.isEmpty, !folded.isEmpty {
        gapIsSpace.append(pending.count == 1 && pending[0].properties.isWhitespace)
      }
      pending = []
      folded.append(Self.fold(scalar))
      gapsBefore.append(gapIsSpace.count - 1)
    }
    let width = Self.minKeyFragment
    for secret in secrets {
      let key = secret.reveal().unicodeScalars.filter(Self.isKeyCharacter).map(Self.fold)
      guard key.count >= width, folded.count >= width else { continue }
      var windows = Set<ArraySlice<UInt32>>()
      for start in 0...(key.count - width) { windows.insert(key[start..<(start + width)]) }
      for start in 0...(folded.count - width) where windows.contains(folded[start..<(start + width)]) {
        let last = start + width - 1
        let gaps = gapsBefore[last] - gapsBefore[start]
        if gaps != 1 || !gapIsSpace[gapsBefore[last]] { return true }
      }
    }
    return false
  }

  /// A letter or a digit of any script: what is left of a text once separators (whitespace,
  /// punctuation, symbols, control and zero-width characters) are removed.
  private static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isAlphabetic || scalar.properties.numericType != nil
  }

  /// The unbroken parts: each key in any letter case, and any run of ``minKeyFragment`` or
  /// more characters that is part of a key, blanked out in place.
  private func scrubKeyParts(_ text: String) -> String {
    let scalars = Array(text.unicodeScalars)
    let folded = scalars.map(Self.fold)
    var hidden = [Bool](repeating: false, count: scalars.count)
    for secret in secrets {
      let key = secret.reveal().unicodeScalars.map(Self.fold)
      let width = min(key.count, Self.minKeyFragment)
      guard width > 0, folded.count >= width else { continue }
      // Every window of `width` characters of the text that is also one of the key's: the
      // union of those windows covers every part of the key of `width` or more characters.
      var windows = Set<ArraySlice<UInt32>>()
      for start in 0...(key.count - width) { windows.insert(key[start..<(start + width)]) }
      for start in 0...(folded.count - width) where windows.contains(folded[start..<(start + width)]) {
        for index in start..<(start + width) { hidden[index] = true }
      }
    }
    guard hidden.contains(true) else { return text }
    var result = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
      if hidden[index] {
        result.append(contentsOf: Self.redacted.unicodeScalars)
        while index < scalars.count, hidden[index] { index += 1 }
      } else {
        result.append(scalars[index])
        index += 1
      }
    }
    return String(result)
  }

  /// A character compared without its letter case (simple lower-case mapping).
  private static func fold(_ scalar: Unicode.Scalar) -> UInt32 {
    if scalar.isASCII {
      return (65...90).contains(scalar.value) ? scalar.value + 32 : scalar.value
    }
    let lower = scalar.properties.lowercaseMapping.unicodeScalars
    return lower.count == 1 ? lower.first!.value : scalar.value
  }

  /// Whether `text` holds a configured key or something shaped like one.
  public func containsSecret(_ text: String) -> Bool {
    scrub(text) != text
  }

  // Regexes are built per use: `Regex` is not `Sendable`.
  private static var bearerPattern: Regex<(Substring, Substring)> { /(?i)(bearer\s+)[A-Za-z0-9._~+\/=\-]{6,}/ }
  private static var assignmentPattern: Regex<(Substring, Substring, Substring)> {
    /(?i)(x-api-key|api[_\-]?key|authorization|access[_\-]?token|token|secret|password)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"',;}]{6,}/
  }
  private static var tokenPatterns: [Regex<Substring>] {
    [
      /\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}/,
      /\b(?:AKIA|ASIA)[A-Z0-9]{12,}/,
      /\bgh[pousr]_[A-Za-z0-9]{20,}/,
      /\bxox[abposr]-[A-Za-z0-9\-]{10,}/,
      /\bAIza[0-9A-Za-z_\-]{20,}/,
      /\beyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{5,}/,
      /\b(?=[A-Za-z0-9_]*[0-9])(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{32,}\b/,
    ]
  }
}
