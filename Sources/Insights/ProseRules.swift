// ProseRules: what an insight text may be made of, beyond its numbers (FactCheck rules 9-12).
// The model only phrases; so its prose is held to an allowlist, not a blocklist: a word or a
// character the rules cannot vouch for sends the insight back to its template wording,
// which is always safe. The rules read the masked text (the candidate's own names are `•`).
//
// 9.  Characters. Letters a-z, A-Z, digits 0-9, spaces and the punctuation
//     `. , ; : ! ? ' " - ( ) % / & +`, typographic quotes and dashes, `…`, `×` and `•` (a
//     masked name); any other character only when the candidate's own template wording or
//     rendered facts hold it (a currency sign, a letter of its city's name). So no other
//     script, no other digits (`٤١`, `４１`, `⁴¹`), no control, format or bidi character,
//     no markup (`<`, `>`, `[`, `]`, backquote, `*`, `#`).
// 10. Words. No word that claims what no fact says, unless the candidate's own template
//     wording or fact names use it (``ProseRules/forbiddenWords``): a cause ("because",
//     "thanks to", "driven by", "viral"), a forecast ("will", "expect"), a period or date the
//     facts do not state ("week", "month", "year", "season", "December", "weekend"), in a
//     title or description; a number word of another language ("quarante", "cuarenta",
//     "prozent", German compounds in -zig and -ßig) anywhere.
//     And no name the rules cannot vouch for: a capitalized word starting a sentence, or any
//     word right after "from", "in", "at", "to", "near" or "around", must be common wording
//     (``ProseRules/commonWords``) or the candidate's own: "Krakow link clicks", "Rotterdam
//     fans", "clicks from krakow" fail.
// 11. Direction. When the template wording says the change went one way (up, rose, grew...
//     or down, fell, dropped...) and never the other, a text saying the other way fails, and
//     so does "from A to B" with A and B in the other order.
// 12. Attribution. A number followed by what it counts must count what its fact measures:
//     `{clicks} fans` fails when clicks is not a count of fans; a number followed by a unit
//     of time must be a fact in that unit (`{period_days} weeks` fails: it is days).
import Foundation

public enum ProseRules {
  /// Punctuation and symbols any insight text may use.
  static let allowedSymbols: Set<Character> = [
    " ", ".", ",", ";", ":", "!", "?", "'", "\"", "-", "(", ")", "%", "/", "&", "+", "’", "‘", "“", "”", "–", "—", "…", "×", "•",
    "\u{00A0}",
  ]

  /// The first character of `text` outside the allowed set (rule 9), or nil. `own` holds the
  /// characters of the candidate's own wording and facts.
  static func foreignCharacter(in text: String, own: Set<Character>) -> Character? {
    text.first { c in
      !(c.isASCII && (c.isLetter || c.isNumber)) && !allowedSymbols.contains(c) && !own.contains(c)
    }
  }

  /// How a character is named in a reason: itself when printable, else its code points.
  static func describe(_ c: Character) -> String {
    let points = c.unicodeScalars.map { String(format: "U+%04X", $0.value) }.joined(separator: " ")
    let printable = c.unicodeScalars.allSatisfy { !$0.properties.generalCategory.isControlOrFormat && !$0.properties.isWhitespace }
    return printable ? "\"\(c)\" (\(points))" : points
  }

  /// The words of `text`, lower-cased: runs of letters, split at apostrophes and hyphens.
  static func words(_ text: String) -> [String] {
    text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
  }

  /// The first word of `text` that claims what no fact says (rule 10), unless `own` holds it:
  /// in a claim (title, description) any of ``forbiddenWords``; in an action suggestion,
  /// which may well say "this season" or "it will help", only the number words.
  static func forbiddenWord(in text: String, own: Set<String>, claims: Bool) -> String? {
    words(text).first { word in
      guard !own.contains(word) else { return false }
      // German number compounds: einundvierzig, dreiundzwanzig, dreißig...
      let german = word.count > 5 && (word.hasSuffix("zig") || word.hasSuffix("ßig") || word.hasSuffix("zehn"))
      return german || (claims ? forbiddenWords : foreignNumberWords).contains(word)
    }
  }

  /// The first word that stands where a name would (starting a sentence capitalized, or after
  /// a preposition of place) and is neither common wording nor in `own` (rule 10), or nil.
  static func unknownName(in text: String, own: Set<String>) -> String? {
    var sentenceStart = true
    var previous = ""
    var word = ""
    var found: String?
    func flush() {
      defer { word = "" }
      guard !word.isEmpty, found == nil else { return }
      let lower = word.lowercased()
      let known = commonWords.contains(lower) || own.contains(lower)
      if !known, (sentenceStart && word.first?.isUppercase == true) || placePrepositions.contains(previous) {
        found = word
      }
      previous = lower
      sentenceStart = false
    }
    for c in text {
      if c.isLetter {
        word.append(c)
      } else {
        flush()
        if ".!?:".contains(c) { sentenceStart = true }
        if c == "•" { previous = "" }
      }
    }
    flush()
    return found
  }

  static let placePrepositions: Set<String> = ["from", "in", "at", "to", "near", "around"]

  /// Words that claim what no fact says (rule 10): causes, forecasts, periods, and the
  /// number words of other languages.
  public static let forbiddenWords: Set<String> = Set<String>([
    // causes
    "because", "cause", "caused", "causes", "causing", "due", "thanks", "driven", "owing", "attributed", "attributable",
    "triggered", "sparked", "fueled", "fuelled", "viral", "interview", "campaigned", "credited", "reason", "reasons",
    // forecasts
    "will", "won't", "wont", "shall", "expect", "expected", "expects", "expecting", "predict", "predicted", "predicts",
    "prediction", "forecast", "forecasts", "projected", "projection", "guaranteed", "certainly", "definitely",
    "record", "ever", "always", "never",
    // periods and dates
    "week", "weeks", "weekly", "weekend", "weekends", "month", "months", "monthly", "year", "years", "yearly", "annual",
    "annually", "quarter", "quarterly", "season", "seasons", "yesterday", "tomorrow", "decade", "january", "february",
    "march", "april", "june", "july", "august", "september", "october", "november", "december", "spring", "summer",
    "autumn", "winter", "christmas", "holiday", "holidays",
  ]).union(foreignNumberWords)

  /// Number words and percent of other languages (in any field).
  public static let foreignNumberWords: Set<String> = [
    "prozent", "pourcent", "ciento", "cento", "procent", "porcentaje", "zwei", "drei", "vier", "fünf", "sechs",
    "sieben", "acht", "neun", "zehn", "zwölf", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig",
    "achtzig", "neunzig", "hundert", "tausend", "deux", "trois", "quatre", "cinq", "huit", "neuf", "onze", "douze",
    "treize", "quatorze", "quinze", "seize", "vingt", "trente", "quarante", "cinquante", "soixante", "mille", "dos",
    "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "veinte", "treinta", "cuarenta", "cincuenta",
    "sesenta", "setenta", "ochenta", "noventa", "cien", "mil", "quattro", "cinque", "sette", "dieci", "venti",
    "trenta", "quaranta", "cinquanta", "dois", "três", "quatro", "oito", "dez", "vinte", "trinta", "twee", "drie",
    "vijf", "zes", "zeven", "negen", "tien", "twintig", "dertig", "veertig", "vijftig", "honderd", "duizend",
  ]

  static let upWords: Set<String> = [
    "up", "rose", "risen", "rise", "rises", "rising", "grew", "grown", "grow", "grows", "growing", "growth", "increase",
    "increased", "increases", "increasing", "gain", "gained", "gains", "gaining", "climbed", "climb", "climbing", "jumped",
    "jump", "jumps", "higher", "surged", "surge", "boosted", "soared", "doubled",
  ]
  static let downWords: Set<String> = [
    "down", "fell", "fallen", "fall", "falls", "falling", "drop", "dropped", "drops", "dropping", "decline", "declined",
    "declines", "declining", "decrease", "decreased", "decreases", "decreasing", "lower", "fewer", "shrank", "shrunk",
    "shrinking", "lost", "lose", "loses", "losing", "slumped", "dipped", "dip", "less",
  ]

  /// Which way the wording says a change went: +1 up, -1 down, 0 neither or both.
  static func direction(of text: String) -> Int {
    let found = Set(words(text))
    let up = !found.isDisjoint(with: upWords)
    let down = !found.isDisjoint(with: downWords)
    return up == down ? 0 : up ? 1 : -1
  }

  /// Words that say what a number counts, and the metric each claims (FactCheck's metric
  /// names, plus fans and people).
  static let countedWords: [String: String] = {
    var map: [String: String] = [:]
    for (metric, words) in FactCheck.metrics { for word in words { map[word] = metric } }
    for word in ["fans", "fan", "followers", "follower"] { map[word] = "followers" }
    return map
  }()

  /// Units of time a number may be followed by, and the fact unit it must then be (nil: no
  /// fact is in that unit).
  static let timeWords: [String: Fact.Unit?] = [
    "day": .days, "days": .days, "hour": .hour, "hours": .hour, "week": nil, "weeks": nil, "month": nil,
    "months": nil, "year": nil, "years": nil, "minute": nil, "minutes": nil, "quarter": nil, "quarters": nil,
  ]

  /// Words that may stand between a number and what it counts (`53 new link clicks`).
  static let countQualifiers: Set<String> = [
    "new", "more", "additional", "active", "engaged", "link", "music", "unique", "total", "of", "your", "the", "local",
    "returning", "extra", "different", "separate",
  ]

  /// Function words, and the verbs, nouns and adjectives that insights are phrased with.
  /// Not in it on purpose: number words, names, causes (because, thanks, due, driven,
  /// caused), forecasts (will, expect, predict, forecast), calendar words (week, month,
  /// year, months and weekdays), superlatives about the world (record, viral, ever).
  public static let commonWords: Set<String> = Set<String>([
    // articles, pronouns, determiners
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "it's", "they", "them", "their", "there", "here",
    "you", "your", "yours", "we", "our", "us", "he", "she", "his", "her", "who", "whom", "whose", "which", "what",
    "each", "every", "all", "both", "some", "any", "many", "much", "most", "more", "few", "fewer", "less", "least",
    "other", "others", "another", "same", "such", "own", "one's", "no", "not", "none", "nothing", "something",
    "everyone", "someone", "anyone",
    // apostrophe parts
    "s", "t", "re", "ve", "ll", "d", "m",
    // prepositions and conjunctions
    "of", "in", "on", "at", "to", "from", "for", "with", "without", "by", "about", "over", "under", "into", "onto",
    "out", "off", "up", "down", "through", "across", "around", "after", "before", "between", "among", "against",
    "than", "as", "like", "per", "via", "within", "toward", "towards", "near", "beyond", "since", "during", "while",
    "and", "or", "but", "so", "yet", "nor", "if", "when", "where", "how", "then", "also", "too", "either", "neither",
    "vs",
    // auxiliaries and modals (no "will": a forecast)
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "having", "do", "does", "did",
    "can", "could", "should", "may", "might", "must", "let", "lets",
    // adverbs
    "now", "still", "already", "just", "only", "even", "again", "also", "very", "well", "far", "nearly", "almost",
    "about", "around", "roughly", "clearly", "strongly", "sharply", "steadily", "quickly", "fast", "soon", "next",
    "recently", "lately", "currently", "together", "especially", "mostly", "mainly", "right", "away", "back", "ahead",
    "instead", "yet", "today", "tonight", "locally", "directly", "first", "last", "previous", "prior",
    "earlier", "later", "compared", "relative", "overall", "total", "combined",
    // change (and upWords, downWords)
    "high", "boost", "strong", "stronger", "strongest", "low", "change", "changed", "changes", "shift", "shifted",
    "steady", "stable", "flat", "momentum", "trend", "trending", "spike", "peak", "peaks", "peaked", "lead", "leads",
    "leading", "led", "ahead", "behind", "reached", "reach", "reaches", "hit", "hits", "topped", "top", "tops",
    "came", "come", "comes", "coming", "went", "go", "goes", "going", "got", "get", "gets", "getting", "made", "make",
    "makes", "saw", "see", "sees", "seen", "brought", "bring", "brings", "drew", "draw", "draws", "drawn", "sent",
    "send", "sends", "gave", "give", "gives", "took", "take", "takes", "kept", "keep", "keeps", "stayed", "stay",
    "stays", "remained", "remain", "remains", "showed", "show", "shows", "showing", "outpaced", "outperformed",
    "beat", "beats",
    // audience and activity nouns
    "audience", "audiences", "fans", "fan", "fanbase", "people", "listeners", "community", "crowd", "market",
    "markets", "city", "cities", "region", "area", "local", "scene", "activity", "active", "interest", "interested",
    "demand", "attention", "reach", "presence", "base", "share", "rate", "rates", "level", "number", "numbers",
    "count", "period", "days", "day", "time", "times", "hour", "hours", "h", "moment", "window", "stretch", "link",
    "links", "page", "pages", "profile", "bio", "bios", "post", "posts", "posting", "ad", "ads", "campaign",
    "campaigns", "newsletter", "newsletters", "email", "mail", "content", "release", "releases", "track", "tracks",
    "song", "songs", "music", "show", "shows", "gig", "gigs", "concert", "concerts", "tour", "date", "dates",
    "event", "events", "ticket", "tickets", "merch", "offer", "offers", "platform", "platforms", "source", "sources",
    "device", "devices", "mobile", "desktop", "tablet", "phone", "phones", "traffic", "visit", "visits", "visitor",
    "visitors", "click", "clicks", "clicked", "view", "views", "viewed", "play", "plays", "played", "stream",
    "streams", "follower", "followers", "follow", "follows", "followed", "subscriber", "subscribers", "subscription",
    "subscriptions", "subscribe", "subscribed", "unsubscribed", "tip", "tips", "tipped", "revenue", "sales", "order",
    "orders", "buyers", "buyer", "customers", "engagement", "engaged", "interactions", "interaction", "conversion",
    "conversions", "capture", "referral", "referrals", "referred", "referrer", "mention", "mentions", "feature",
    "featured", "spot", "spots", "slot", "slots", "chance", "opportunity", "opportunities", "signal", "sign", "signs",
    "plan", "plans", "planned", "upcoming", "booking", "booked", "venue", "venues", "stop", "stops", "meet",
    "growing", "emerging", "rising", "new", "newer", "newest", "fresh", "recent", "latest", "current", "previous",
    "big", "bigger", "biggest", "large", "larger", "largest", "small", "smaller", "major", "main", "key", "best",
    "better", "good", "great", "solid", "clear", "notable", "noticeable", "real", "sharp", "quick", "rapid",
    "early", "late", "loyal", "close", "closer", "whole", "full", "half", "part", "rest", "long", "longer", "short",
    "shortly", "soonest", "worth", "worthwhile", "ready", "likely", "possible", "right", "nearby", "home",
    // actions
    "consider", "considering", "plan", "book", "promote", "promoting", "post", "share", "engage", "reengage",
    "re", "target", "targeted", "targeting", "focus", "try", "test", "run", "running", "use", "using", "put",
    "tell", "thank", "invite", "announce", "schedule", "check", "build", "add", "start", "keep", "lean", "double",
    "reach", "follow", "highlight", "pin", "prioritize", "prioritise", "reward", "welcome", "greet", "offer",
    "list", "link", "point", "send", "ask", "find", "learn", "watch", "look", "review", "update", "adjust", "move",
    "shift", "spend", "invest", "aim", "open", "grab", "capitalize", "capitalise", "expand", "extend", "tap",
    "connect", "reach", "visit", "set", "give", "make", "take", "catch", "turn", "nurture", "support", "remind",
    "drive", "push", "feature", "show", "place", "pitch", "repeat", "do", "don't", "need", "needs", "want", "wants",
    "worth", "might", "help", "helps", "work", "works", "worked", "working", "know",
    // units and the like written after numbers
    "percent", "pp", "points", "point", "x", "k",
  ]).union(upWords).union(downWords)
}

extension Unicode.GeneralCategory {
  var isControlOrFormat: Bool {
    switch self {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return true
    default: return false
    }
  }
}
