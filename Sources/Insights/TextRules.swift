// TextRules: sentence counting and contact-detail detection for phrased insights.
import Foundation

/// The text checks of ``AnswerValidator`` other than grounding.
public enum TextRules {
  /// Abbreviations whose full stop does not end a sentence (matched case-insensitively,
  /// as whole words).
  public static let abbreviations = ["e.g.", "i.e.", "etc.", "vs.", "approx.", "ca.", "st.", "mt.", "ft.", "dr.", "mr.", "mrs.", "ms.", "no."]

  /// How many sentences `text` has.
  ///
  /// A sentence ends at a run of `.`, `!`, `?` or `…` followed by whitespace or the end of the
  /// text (closing quotes and brackets may come between). A full stop inside a number
  /// (`41.5`), in one of ``abbreviations``, or inside the subject key or one of its
  /// comma-separated parts (`St. Louis, US`) ends nothing. Text after the last end that
  /// contains a letter or digit is one more sentence. Blank text has 0.
  public static func sentenceCount(_ text: String, subjectKey: String = "") -> Int {
    var masked = text
    var protected = [subjectKey] + subjectKey.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    protected = protected.filter { $0.contains(".") || $0.contains("!") || $0.contains("?") }
    for phrase in protected.sorted(by: { $0.count > $1.count }) {
      masked = masked.replacingOccurrences(of: phrase, with: "X", options: [.caseInsensitive])
    }
    for abbreviation in abbreviations {
      masked = replacingWord(abbreviation, in: masked)
    }

    let chars = Array(masked)
    let terminators: Set<Character> = [".", "!", "?", "…"]
    let closers: Set<Character> = ["\"", "'", ")", "]", "”", "’", "»"]
    var count = 0
    var contentSinceEnd = false
    var i = 0
    while i < chars.count {
      let c = chars[i]
      if terminators.contains(c) {
        var j = i
        while j < chars.count, terminators.contains(chars[j]) { j += 1 }
        while j < chars.count, closers.contains(chars[j]) { j += 1 }
        if j == chars.count || chars[j].isWhitespace {
          if contentSinceEnd { count += 1 }
          contentSinceEnd = false
        }
        i = j
        continue
      }
      if c.isLetter || c.isNumber { contentSinceEnd = true }
      i += 1
    }
    if contentSinceEnd { count += 1 }
    return count
  }

  /// Replaces whole-word, case-insensitive occurrences of `word` (which ends in ".") with its
  /// letters alone.
  private static func replacingWord(_ word: String, in text: String) -> String {
    let bare = word.replacingOccurrences(of: ".", with: "")
    var result = ""
    var rest = Substring(text)
    while let range = rest.range(of: word, options: [.caseInsensitive]) {
      let before = rest[..<range.lowerBound]
      let atWordStart = before.last.map { !$0.isLetter } ?? (result.last.map { !$0.isLetter } ?? true)
      result += before
      result += atWordStart ? bare : String(rest[range])
      rest = rest[range.upperBound...]
    }
    return result + rest
  }

  /// The first contact detail in `text`, named for an operator (`an e-mail address`, `a URL`,
  /// `a phone number`, `a social media handle`), or nil.
  ///
  /// - e-mail: `name@domain.tld`.
  /// - URL: a scheme (`https://`, `ftp://`, ...), `www.`, or a bare domain ending in a common
  ///   top-level domain (`.com`, `.net`, `.org`, `.io`, `.fm`, `.de`, ... see the source).
  /// - phone number: 7 or more digits in groups of 2 to 8 joined by single spaces, dashes or
  ///   dots, optionally led by `+country` and an area code in brackets (`+49 30 1234567`,
  ///   `(555) 123-4567`, `555-1234`). A run of digits alone (`1234567`), a decimal number
  ///   (`1234.5678`) and an ISO date (`2025-05-01`) are not phone numbers.
  /// - social media handle: `@name` at the start of a word.
  ///
  /// `knownDomains` (lower case) are names the data itself carries, such as the referrer
  /// `instagram.com` an insight is about: a bare mention of one is not a URL. The same name
  /// with a path (`instagram.com/promo`), a subdomain or an address around it still is.
  public static func contactDetail(in text: String, knownDomains: Set<String> = []) -> String? {
    if text.contains(emailPattern) { return "an e-mail address" }
    if text.contains(schemeURLPattern) || text.contains(wwwPattern) { return "a URL" }
    for match in text.matches(of: domainPattern) where !knownDomains.contains(match.output.lowercased()) || continuesAsAddress(text, after: match.range) {
      return "a URL"
    }
    for match in text.matches(of: phonePattern) {
      let run = String(match.output)
      let digitCount = run.filter { $0.isASCII && $0.isNumber }.count
      let joined = run.contains { !($0.isASCII && $0.isNumber) }
      guard digitCount >= 7, joined else { continue }
      if run.wholeMatch(of: plainNumberPattern) != nil || run.wholeMatch(of: isoDatePattern) != nil { continue }
      return "a phone number"
    }
    if text.contains(handlePattern) { return "a social media handle" }
    return nil
  }

  /// The bare domain names among `values` (e.g. a subject key and a snapshot's strings), in lower case.
  public static func domainNames(in values: [String]) -> Set<String> {
    Set(values.filter { $0.wholeMatch(of: domainPattern) != nil }.map { $0.lowercased() })
  }

  /// Whether the domain at `range` goes on as an address: a path, a port or more name.
  private static func continuesAsAddress(_ text: String, after range: Range<String.Index>) -> Bool {
    guard range.upperBound < text.endIndex else { return false }
    let next = text[range.upperBound]
    if next == "/" || next == ":" || next == "@" { return true }
    if next == ".", let after = text[text.index(after: range.upperBound)...].first, after.isLetter || after.isNumber { return true }
    return false
  }

  // Regexes are built per use: `Regex` is not `Sendable`, so no global constants.
  private static var emailPattern: Regex<Substring> { /[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}/ }
  private static var schemeURLPattern: Regex<Substring> { /(?i)\b[a-z][a-z0-9+.\-]*:\/\/[^\s]+/ }
  private static var wwwPattern: Regex<Substring> { /(?i)\bwww\.[a-z0-9\-]+/ }
  private static var domainPattern: Regex<Substring> {
    /(?i)\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|net|org|io|co|fm|me|app|dev|info|biz|ly|gg|tv|link|ee|to|xyz|page|site|online|store|shop|music|band|live|de|uk|fr|es|it|nl|us|ca|au|at|ch|be|se|no|dk|pt|pl|ie|br|mx|jp)\b(?![\-])/
  }
  private static var phonePattern: Regex<Substring> {
    /(?:\+\d{1,3}[ \-.]?)?(?:\(\d{1,5}\)[ \-.]?)?\d{2,8}(?:[ \-.]\d{2,8}){0,4}/
  }
  private static var plainNumberPattern: Regex<Substring> { /\d+(?:\.\d+)?/ }
  private static var isoDatePattern: Regex<Substring> { /\d{4}-\d{2}-\d{2}/ }
  private static var handlePattern: Regex<Substring> { /(?:^|[\s(\[])@[A-Za-z0-9_]{2,}/ }
}
