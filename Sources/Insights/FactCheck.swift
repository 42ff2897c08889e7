// FactCheck: an insight text may say only what its own candidate's facts say. The check
// reads the text alone (never the prompt), so a model that ignores the prompt still gets
// nothing through.
//
// The rules, in the order they are applied (the first broken one is the reason):
// 1. Placeholders. `{id}` is replaced by the candidate's fact `id` (``Fact/rendered``); an
//    unknown id, or a brace left over, fails.
// 2. Secrets. Anything ``SecretScrubber`` would blank out fails.
// 3. Own names are masked: the subject key and each of its comma-separated parts, and every
//    text fact of the candidate (city, country, platform and its label, referrer domain and
//    its first label, currency, title, venue, ...). What follows reads the masked text, so
//    a subject that happens to contain a digit or a word like "revenue" is only a label.
// 4. Other names. A name of the organization's data (``OrgVocabulary``: cities, countries,
//    platforms, referrers, venues) left in the masked text fails: "Hamburg" on the Berlin
//    insight; unless the candidate's own template wording uses it ("a newsletter"). Names
//    of two letters (country codes) match case-sensitively, others not.
//    4b. In insight texts (sentence case), any other capitalized word inside a sentence
//    fails too, a name the data does not hold ("Krakow"): sentences start the text and
//    follow `.`, `!`, `?` and `:`; `I` and the organization's own names are allowed.
// 5. Currencies. A currency code (`USD`, `EUR`, ...), symbol (`$`, `€`, `£`, ...) or word
//    (`dollars`, `euros`, ...) fails unless it is the candidate's own `currency` fact.
// 6. Number words. Spelled numbers, multipliers and fractions fail whatever their value:
//    one ... twenty, thirty ... ninety, hundred, thousand, million, billion, dozen, half,
//    halved, third(s), quarter(s), twice, double(d), triple(d), quadruple(d), -fold, ½ ...
// 7. Numbers. Every number written (``NumberMention``, digits anywhere, also glued to
//    letters) must equal a fact of the candidate of a matching unit, after rounding the
//    fact to the decimals written (never more decimals than the fact's own): a plain
//    number a count, days, hour or amount; `41%` a percent; `13 pp` / `13 percentage
//    points` percentage points; `1.4x` / `1.4 times` a ratio; `21:00` / `9 pm` an hour.
//    No arithmetic: no ratio, share or difference that is not a fact of its own; so two
//    numbers joined by a slash (`95/95`) fail whatever they are. A number is read with its
//    sign (``NumberMention``): `-84%` or `rose to -183` writes -84 or -183, a fact only where
//    the fact itself is negative (a growth written as a fall fails here); a number written
//    without a sign matches a fact of either sign by its size (`fell 12%` for -12), the
//    direction being in the words (ProseRules).
// 8. Metrics. A word claiming a metric (revenue, tips, subscribers, unsubscribes,
//    followers, streams, views, visits, clicks, tickets, orders, engagement, conversion)
//    fails unless the candidate measures it: its fact ids and what they measure, or its
//    own template wording, name that metric. "Revenue is way up" on a city's clicks fails.
// 9-12. In insight texts (`prose`): characters, words, direction and attribution
//    (``ProseRules``): an allowlist, so that what the rules cannot vouch for falls back.
import Foundation

/// Checks one text against one candidate's facts.
public struct FactCheck: Sendable {
  public let candidate: InsightCandidate
  public let vocabulary: OrgVocabulary
  public let scrubber: SecretScrubber

  public init(candidate: InsightCandidate, vocabulary: OrgVocabulary = OrgVocabulary(), scrubber: SecretScrubber = SecretScrubber()) {
    self.candidate = candidate
    self.vocabulary = vocabulary
    self.scrubber = scrubber
  }

  /// `text` with its `{id}` placeholders rendered from the facts, or why it cannot be.
  public func render(_ text: String) -> Result<String, FactViolation> {
    var result = ""
    var rest = Substring(text)
    while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
      result += rest[..<open]
      guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
        return .failure(FactViolation("has a stray brace"))
      }
      let id = String(rest[rest.index(after: open)..<close])
      guard let fact = candidate.facts.first(where: { $0.id == id }) else {
        return .failure(FactViolation("uses {\(AnswerValidator.capped(scrubber.scrub(id)))}, which is not a fact of this insight"))
      }
      result += fact.rendered
      rest = rest[rest.index(after: close)...]
    }
    return .success(result + rest)
  }

  /// The first rule (2-8 above) that rendered `text` breaks, or nil. `prose` (insight texts,
  /// written in sentence case) also refuses any other capitalized word inside a sentence
  /// (rule 4b): a name that is not a fact, like a city the data does not even hold.
  /// `claims` (a title or description: what the insight states) also holds the text to the
  /// direction of the template wording (rule 11); an action suggestion may "follow up".
  public func violation(in text: String, prose: Bool = false, claims: Bool = false) -> FactViolation? {
    if scrubber.containsSecret(text) { return FactViolation("contains something shaped like an API key or token") }
    let masked = Self.mask(text, names: ownNames + vocabulary.organization)
    if let name = otherName(in: masked) { return FactViolation("names \(name), which is not this insight's") }
    if prose, let name = Self.properNoun(in: masked) {
      return FactViolation("names \(name), which is not among this insight's facts")
    }
    if let currency = foreignCurrency(in: masked) { return FactViolation("names the currency \(currency), which is not this insight's") }
    if let word = Self.numberWord(in: masked) { return FactViolation("writes the number word \"\(word)\"; numbers must be facts") }
    if let ratio = Self.writtenRatio(in: masked) {
      return FactViolation("writes \(ratio), a ratio of two numbers that is not one of this insight's facts")
    }
    for mention in NumberMention.scan(masked) where !isFact(mention) {
      return FactViolation("writes \(mention.text), which is not one of this insight's facts")
    }
    if let metric = unmeasuredMetric(in: masked) {
      return FactViolation("speaks of \(metric), which this insight does not measure")
    }
    guard prose else { return nil }
    if let c = ProseRules.foreignCharacter(in: masked, own: ownCharacters) {
      return FactViolation("uses the character \(ProseRules.describe(c)), which insight texts do not")
    }
    let own = ownWords
    if let word = ProseRules.forbiddenWord(in: masked, own: own, claims: claims) {
      return FactViolation("says \"\(word)\", which claims what none of this insight's facts says")
    }
    if let name = ProseRules.unknownName(in: masked, own: own) {
      return FactViolation("names \(AnswerValidator.capped(name)), which is not among this insight's facts")
    }
    if claims, let problem = directionProblem(in: masked) { return problem }
    return attributionProblem(in: masked)
  }

  // MARK: prose (rules 9-12)

  /// The candidate's template wording (title and description: what it states).
  private var templateClaims: String { candidate.title + " " + candidate.description }

  /// Characters the candidate's own wording, facts and names hold (rule 9).
  var ownCharacters: Set<Character> {
    let texts = [candidate.title, candidate.description, candidate.actionSuggestion, candidate.subjectKey]
      + candidate.facts.map(\.rendered) + vocabulary.organization
    return Set(texts.joined())
  }

  /// Words of the candidate's own wording, fact ids and what they measure (rule 10).
  var ownWords: Set<String> {
    let texts = [candidate.title, candidate.description, candidate.actionSuggestion, candidate.subjectKey]
      + candidate.facts.flatMap { [$0.id, $0.measures] + ($0.text.map { [$0] } ?? []) } + vocabulary.organization
    return Set(texts.flatMap(ProseRules.words))
  }

  /// Rule 11: a change told the other way than the template tells it.
  private func directionProblem(in masked: String) -> FactViolation? {
    let expected = ProseRules.direction(of: templateClaims)
    guard expected != 0 else { return nil }
    let wrong = expected > 0 ? ProseRules.downWords : ProseRules.upWords
    if let word = ProseRules.words(masked).first(where: { wrong.contains($0) }) {
      return FactViolation("says \"\(word)\", but this insight's change went \(expected > 0 ? "up" : "down")")
    }
    for match in masked.matches(of: /(?i)\bfrom\s+([0-9][0-9.,]*)\S*\s+to\s+([0-9][0-9.,]*)/) {
      guard let from = NumberMention.scan(String(match.output.1)).first, let to = NumberMention.scan(String(match.output.2)).first
      else { continue }
      let (a, b) = (from.value * from.scale, to.value * to.scale)
      if a != b, (b > a) != (expected > 0) {
        return FactViolation("goes from \(from.text) to \(to.text), but this insight's change went \(expected > 0 ? "up" : "down")")
      }
    }
    return nil
  }

  /// Rule 12: what a number is said to count, or the unit of time after it. The template
  /// wording's own pairs (`{unsubscribed} subscribers left`) are always allowed.
  private func attributionProblem(in masked: String) -> FactViolation? {
    let allowed = Set(
      [candidate.title, candidate.description, candidate.actionSuggestion].flatMap { text in
        countedPairs(in: Self.mask(text, names: ownNames)).flatMap { pair in pair.facts.map { "\($0.id)|\(pair.word)" } }
      })
    for pair in countedPairs(in: masked) where !pair.facts.contains(where: { allowed.contains("\($0.id)|\(pair.word)") }) {
      if let unit = ProseRules.timeWords[pair.word] {
        guard let unit, pair.facts.contains(where: { $0.unit == unit }) else {
          return FactViolation("writes \(pair.mention.text) \(pair.word), but no fact of this insight is that many \(pair.word)")
        }
      } else if pair.mention.kind == .plain, let metric = ProseRules.countedWords[pair.word] {
        let counted = pair.facts.contains { fact in
          ProseRules.words(fact.id + " " + fact.measures).contains { ProseRules.countedWords[$0] == metric }
        }
        if !counted {
          return FactViolation("writes \(pair.mention.text) \(pair.word), but the fact \(pair.mention.text) does not count \(pair.word)")
        }
      }
    }
    return nil
  }

  /// Each number of `text` with the facts it writes and the word after it (past at most two
  /// of ``ProseRules/countQualifiers``).
  private func countedPairs(in text: String) -> [(mention: NumberMention, facts: [Fact], word: String)] {
    var pairs: [(mention: NumberMention, facts: [Fact], word: String)] = []
    var searchFrom = text.startIndex
    for mention in NumberMention.scan(text) {
      guard let range = text.range(of: mention.text, range: searchFrom..<text.endIndex) else { continue }
      searchFrom = range.upperBound
      var following = ProseRules.words(String(text[range.upperBound...].prefix(60)))
      var skipped = 0
      while let first = following.first, ProseRules.countQualifiers.contains(first), skipped < 2 {
        following.removeFirst()
        skipped += 1
      }
      guard let word = following.first else { continue }
      pairs.append((mention, matchingFacts(mention), word))
    }
    return pairs
  }

  // MARK: names

  /// The candidate's own names, longest first.
  var ownNames: [String] {
    var names = [candidate.subjectKey]
    names += candidate.subjectKey.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    for fact in candidate.facts where fact.unit == .text {
      guard let text = fact.text else { continue }
      names.append(text)
      names.append(text.replacingOccurrences(of: "_", with: " "))
      if text.wholeMatch(of: Self.domainShape) != nil, let first = text.split(separator: ".").first { names.append(String(first)) }
    }
    let cleaned = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count >= 2 }
    return Array(Set(cleaned)).sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
  }

  private func otherName(in masked: String) -> String? {
    let own = Set(ownNames.map { $0.lowercased() })
    var originals: [String] = []
    var variants: [String] = []
    for name in vocabulary.names {
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      guard trimmed.count >= 2 else { continue }
      originals.append(trimmed)
      if trimmed.contains("_") { variants.append(trimmed.replacingOccurrences(of: "_", with: " ")) }
      if trimmed.wholeMatch(of: Self.domainShape) != nil, let first = trimmed.split(separator: ".").first, first.count >= 3 {
        variants.append(String(first))
      }
    }
    // One spelling per name: the data's own before a derived variant.
    var seen: Set<String> = []
    let candidates = (originals + variants).filter { seen.insert($0.lowercased()).inserted || $0.count <= 2 }
    let ordered = candidates.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
    // The template wording's own words are the candidate's ("a newsletter" in an action
    // suggestion, when an organization also has a source named newsletter).
    let template = [candidate.title, candidate.description, candidate.actionSuggestion].joined(separator: " ")
    for name in ordered.map(\.element) where !own.contains(name.lowercased()) {
      if Self.occurs(name, in: masked, caseSensitive: name.count <= 2), !Self.occurs(name, in: template, caseSensitive: name.count <= 2) {
        return name
      }
    }
    return nil
  }

  /// Replaces whole-word occurrences of each name (case-insensitive) with `•`.
  static func mask(_ text: String, names: [String]) -> String {
    var result = text
    for name in names {
      var output = ""
      var rest = Substring(result)
      while let range = rest.range(of: name, options: [.caseInsensitive]) {
        let before = rest[..<range.lowerBound]
        let boundaryBefore = (before.last ?? output.last).map { !isWordCharacter($0) } ?? true
        var end = range.upperBound
        if end < rest.endIndex, rest[end] == "s" { end = rest.index(after: end) }  // "Thursdays"
        let boundaryAfter = end == rest.endIndex || !isWordCharacter(rest[end])
        output += before
        if boundaryBefore && boundaryAfter {
          output += "•"
          rest = rest[end...]
        } else {
          output += String(rest[range])
          rest = rest[range.upperBound...]
        }
      }
      result = output + rest
    }
    return result
  }

  static func occurs(_ name: String, in text: String, caseSensitive: Bool) -> Bool {
    var rest = Substring(text)
    while let range = rest.range(of: name, options: caseSensitive ? [] : [.caseInsensitive]) {
      let before = range.lowerBound == rest.startIndex ? nil : rest[rest.index(before: range.lowerBound)]
      let boundaryBefore = before.map { !isWordCharacter($0) } ?? true
      let boundaryAfter = range.upperBound == rest.endIndex || !isWordCharacter(rest[range.upperBound])
      if boundaryBefore && boundaryAfter { return true }
      rest = rest[range.upperBound...]
    }
    return false
  }

  /// The first capitalized word that does not start a sentence (`I` excepted), or nil.
  /// Sentences start the text and follow `.`, `!`, `?` or `:`.
  static func properNoun(in text: String) -> String? {
    var sentenceStart = true
    var word = ""
    var found: String?
    func flush() {
      defer { word = "" }
      guard !word.isEmpty, found == nil else { return }
      if let first = word.first, first.isUppercase, !sentenceStart, word != "I" { found = word }
      sentenceStart = false
    }
    for c in text {
      if c.isLetter || c.isNumber || c == "'" || c == "’" || c == "-" {
        word.append(c)
      } else {
        flush()
        if ".!?:".contains(c) { sentenceStart = true }
      }
    }
    flush()
    return found
  }

  static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }

  private static var domainShape: Regex<Substring> { /(?i)[a-z0-9\-]+(?:\.[a-z0-9\-]+)+/ }

  // MARK: currencies

  static let currencyCodes: Set<String> = [
    "USD", "EUR", "GBP", "AUD", "CAD", "NZD", "JPY", "CNY", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON",
    "BGN", "TRY", "RUB", "UAH", "INR", "BRL", "MXN", "ARS", "CLP", "COP", "ZAR", "NGN", "KES", "KRW", "SGD", "HKD",
    "TWD", "THB", "IDR", "MYR", "PHP", "VND", "ILS", "AED", "SAR", "ISK",
  ]
  static let currencySymbols: [String: Set<String>] = [
    "$": ["USD", "AUD", "CAD", "NZD", "MXN", "ARS", "CLP", "COP", "SGD", "HKD", "TWD"], "US$": ["USD"], "A$": ["AUD"],
    "C$": ["CAD"], "NZ$": ["NZD"], "€": ["EUR"], "£": ["GBP"], "¥": ["JPY", "CNY"], "₹": ["INR"], "₩": ["KRW"],
    "₽": ["RUB"], "₺": ["TRY"], "₪": ["ILS"], "₫": ["VND"], "₱": ["PHP"], "฿": ["THB"], "₴": ["UAH"], "₦": ["NGN"],
    "zł": ["PLN"], "R$": ["BRL"], "Fr.": ["CHF"], "kr": ["SEK", "NOK", "DKK", "ISK"], "¢": ["USD", "AUD", "CAD", "NZD", "EUR"],
  ]
  static let currencyWords: [String: Set<String>] = [
    "dollar": ["USD", "AUD", "CAD", "NZD", "SGD", "HKD"], "dollars": ["USD", "AUD", "CAD", "NZD", "SGD", "HKD"],
    "euro": ["EUR"], "euros": ["EUR"], "pound": ["GBP"], "pounds": ["GBP"], "yen": ["JPY"], "zloty": ["PLN"],
    "złoty": ["PLN"], "francs": ["CHF"], "rupees": ["INR"], "cents": ["USD", "AUD", "CAD", "NZD", "EUR"],
  ]

  private func foreignCurrency(in masked: String) -> String? {
    let own = Set(candidate.facts.filter { $0.id == "currency" || $0.id.hasSuffix("_currency") }.compactMap { $0.text?.uppercased() })
    for code in Self.currencyCodes.sorted() where Self.occurs(code, in: masked, caseSensitive: true) && !own.contains(code) {
      return code
    }
    for (symbol, codes) in Self.currencySymbols.sorted(by: { $0.key < $1.key }) where codes.isDisjoint(with: own) {
      let found = symbol.first!.isLetter ? Self.occurs(symbol, in: masked, caseSensitive: true) : masked.contains(symbol)
      if found { return symbol }
    }
    for (word, codes) in Self.currencyWords.sorted(by: { $0.key < $1.key }) where codes.isDisjoint(with: own) {
      if Self.occurs(word, in: masked, caseSensitive: false) { return word }
    }
    return nil
  }

  // MARK: number words

  static let numberWords: [String] = {
    let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
                 "forty", "fourty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand",
                 "thousands", "million", "millions", "billion", "billions", "dozen", "dozens", "half", "halves", "halved",
                 "halving", "third", "thirds", "quarter", "quarters", "twice", "thrice", "double", "doubled", "doubling",
                 "doubles", "triple", "tripled", "tripling", "triples", "quadruple", "quadrupled", "quadrupling",
                 "quintupled", "tenfold", "twofold", "threefold", "fourfold", "fivefold", "hundredfold", "percent"]
    return units
  }()

  /// The first number word in `text`, or a fraction sign, or nil.
  static func numberWord(in text: String) -> String? {
    if let fraction = text.first(where: { "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞".contains($0) }) { return String(fraction) }
    var word = ""
    func check() -> String? {
      defer { word = "" }
      let lower = word.lowercased()
      guard !lower.isEmpty else { return nil }
      for part in lower.split(separator: "-") where numberWords.contains(String(part)) {
        // "percent" alone is a number word only without digits before it (read by NumberMention).
        if part == "percent" { continue }
        return word
      }
      if lower.hasSuffix("fold"), lower.count > 4, !["manifold", "scaffold", "blindfold", "unfold", "enfold"].contains(lower) {
        return word
      }
      return nil
    }
    for c in text {
      if c.isLetter || c == "-" {
        word.append(c)
      } else if let found = check() {
        return found
      }
    }
    return check()
  }

  // MARK: numbers

  /// Two numbers joined by a slash (`95/95`, `145 / 103`, `41%/2`): a ratio or a share the
  /// facts do not state as such (rule 7), or nil.
  static func writtenRatio(in text: String) -> String? {
    guard let match = text.firstMatch(of: /[0-9](?:[.,]?[0-9])*%?[ \u{00A0}]*[\/\u{2215}\u{2044}][ \u{00A0}]*[\-\u{2212}\u{2013}]?[0-9](?:[.,]?[0-9])*%?/)
    else { return nil }
    return String(match.output)
  }

  func isFact(_ mention: NumberMention) -> Bool { !matchingFacts(mention).isEmpty }

  /// The facts `mention` writes (rule 7); a figure with a scale (`1.2k`) is at least 1 and
  /// within 5 % of its fact: `0.1k` is not 53.
  func matchingFacts(_ mention: NumberMention) -> [Fact] {
    let units: Set<Fact.Unit>
    switch mention.kind {
    case .plain: units = [.count, .days, .hour, .amount]
    case .percent: units = [.percent]
    case .percentagePoints: units = [.percentagePoints]
    case .multiplier: units = [.ratio]
    case .clock(let minute, let pm):
      guard minute == 0, !mention.negative else { return [] }
      guard mention.value < 25 else { return [] }
      var hours: Set<Int> = [Int(mention.value)]
      if let pm { hours = [Int(mention.value) % 12 + (pm ? 12 : 0)] }
      return candidate.facts.filter { fact in
        fact.unit == .hour && fact.number.map { hours.contains(Int($0)) && $0 == $0.rounded() } == true
      }
    }
    let extra = mention.scale >= 1_000_000 ? 6 : mention.scale >= 1_000 ? 3 : 0
    if mention.scale > 1, mention.value < 1 { return [] }
    return candidate.facts.filter { fact in
      guard units.contains(fact.unit), let value = fact.number, mention.decimals - extra <= fact.decimals else { return false }
      // A minus as written: `-84%` is a fact of -84, never of 84. A number written without
      // one matches by its size (`fell 12%` for -12: the direction is in the words, ProseRules).
      guard !mention.negative || value < 0 else { return false }
      if mention.scale > 1, abs(abs(value) - mention.value * mention.scale) > 0.05 * abs(value) { return false }
      let factor = pow(10, Double(mention.decimals))
      return Self.roundHalfUp(abs(value) / mention.scale * factor) == Self.roundHalfUp(mention.value * factor)
    }
  }

  /// Half away from zero for a non-negative x, tolerant of binary noise.
  static func roundHalfUp(_ x: Double) -> Double {
    (x + 0.5 + 1e-9 * max(1, x)).rounded(.down)
  }

  // MARK: metrics

  /// Metric names and the words that claim them (whole words, case-insensitive).
  /// Plural nouns and past forms only: "in order to", "plan a visit", "a quick tip" claim
  /// nothing.
  static let metrics: [(String, [String])] = [
    ("revenue", ["revenue", "revenues", "sales", "sold", "income", "earnings", "earned", "money", "profit", "profits", "payouts",
                 "amount"]),
    ("tips", ["tips", "tipped", "tippers"]),
    ("subscribers", ["subscriber", "subscribers", "subscriptions", "subscribed", "signups", "sign-ups"]),
    ("unsubscribes", ["unsubscribed", "unsubscribes", "unsubscribers", "churn", "churned"]),
    ("followers", ["follower", "followers"]),
    ("streams", ["streams", "streamed", "listeners", "listens", "plays", "spins"]),
    ("views", ["views", "viewed", "pageviews", "impressions"]),
    ("visits", ["visits", "visitor", "visitors", "traffic"]),
    ("clicks", ["clicks", "clicked"]),
    ("tickets", ["tickets"]),
    ("orders", ["orders", "purchases", "purchased", "bought", "buyer", "buyers", "customers"]),
    ("engagement", ["engaged", "engagement", "interactions"]),
    ("conversion", ["conversion", "conversions", "converted"]),
  ]

  static func metricsNamed(in text: String) -> [String] {
    let words = Set(text.lowercased().split(whereSeparator: { !($0.isLetter || $0 == "-") }).map(String.init))
    return metrics.filter { _, claims in claims.contains { words.contains($0) } }.map(\.0)
  }

  /// The metrics the candidate measures: named by its facts or its own template wording.
  var measuredMetrics: Set<String> {
    var texts = candidate.facts.map { "\($0.id.replacingOccurrences(of: "_", with: " ")) \($0.measures)" }
    texts += [candidate.title, candidate.description, candidate.actionSuggestion].map { Self.mask($0, names: ownNames) }
    return Set(Self.metricsNamed(in: texts.joined(separator: " ")))
  }

  private func unmeasuredMetric(in masked: String) -> String? {
    let measured = measuredMetrics
    return Self.metricsNamed(in: masked).first { !measured.contains($0) }
  }
}

/// Why a text is not only facts.
public struct FactViolation: Error, Sendable, Hashable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}
