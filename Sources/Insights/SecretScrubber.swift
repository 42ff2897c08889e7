// SecretScrubber: nothing shaped like a key leaves through an error, a run record or a stored
// insight. Applied to every model-written or server-written string before it is stored or
// printed.
import Foundation

/// Blanks out the configured keys and anything shaped like a bearer token or an API key.
///
/// Shapes (each replaced by `[redacted]`):
/// - the configured keys, verbatim;
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

  /// `text` with every secret blanked out.
  public func scrub(_ text: String) -> String {
    var result = text
    for secret in secrets.sorted(by: { $0.reveal().count > $1.reveal().count }) {
      result = result.replacingOccurrences(of: secret.reveal(), with: Self.redacted)
    }
    result = result.replacing(Self.bearerPattern) { "\($0.output.1)\(Self.redacted)" }
    result = result.replacing(Self.assignmentPattern) { "\($0.output.1)\($0.output.2)\(Self.redacted)" }
    for pattern in Self.tokenPatterns {
      result = result.replacing(pattern) { _ in Self.redacted }
    }
    return result
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
