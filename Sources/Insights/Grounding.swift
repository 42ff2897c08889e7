// Grounding: every number an LLM writes must come from the candidate's data snapshot.
//
// The rules, precisely (each has a test in GroundingTests):
//
// Reading numbers out of a text
// - A number is a run of ASCII digits with optional thousands groups and decimals:
//   `141`, `1,234` (= 1234), `1,234,567.5`, `41.5`. A comma counts as a thousands separator
//   only before exactly three digits (`3,5` is the numbers 3 and 5). A trailing full stop is
//   punctuation (`grew 41.` is 41).
// - Its precision is the number of decimals written: `41` has 0, `41.0` and `41.5` have 1.
// - Signs are ignored (`-12%` and `12%` are both 12): the direction of a change is in the words.
// - Digits glued to a letter before them are part of a word and not numbers (`mp3`, `Q3`, `B2B`).
// - What follows the number decides its kind:
//   `%`, ` %`, ` percent`, ` per cent`               → a percentage;
//   ` percentage point(s)`, `pp`, ` pp`              → percentage points (` points` alone
//                                                      is a plain number);
//   `x`, `×` (not followed by a letter or digit), ` times` → a multiplier;
//   `k`/`K`, ` thousand` → x 1,000 and `M`, ` million` → x 1,000,000 (precision applies to the
//   written figure: `1.2k` is 1.2 thousands at one decimal);
//   `H:MM` and `H am`/`H pm`/`H:MM pm` (also `a.m.`, `p.m.`) → a clock time;
//   `st`, `nd`, `rd`, `th` (ordinals) → a plain number; anything else → a plain number.
// - The words two ... twelve are plain numbers; `twice` and `doubled` are the multiplier 2,
//   `tripled` 3, `quadrupled` 4. Other number words (one, half, a third, dozens) are not read.
//
// The numbers of a snapshot
// - Every JSON number anywhere in `data_snapshot` (nested objects and arrays included), every
//   string that is entirely a decimal number (`"41.2"`), every object key that is one
//   (`{"21": 50}`), and every number in the candidate's `subject_key` (a clock time gives its
//   hour and minutes). Absolute values.
//
// When a number is grounded ("matches v" = v rounded half away from zero to the number's
// precision, after dividing by its scale, equals the number as written)
// - plain: matches some snapshot number v.
// - percentage: matches v, or matches v x 100 (a share stored as a fraction: 0.41 → 41%), or
//   matches the percent change |b - a| / |a| x 100 of two pair numbers a ≠ 0 and b.
// - percentage points: matches v, or |b - a|, or |b - a| x 100 (fractions) of any two snapshot
//   numbers (points are differences of percentages and shares).
// - multiplier: matches v, or the ratio |b| / |a| of two pair numbers a ≠ 0 and b.
// - clock time: its hour (as written, or on a 24-hour clock for am/pm) is a snapshot number
//   and its minutes are 00 or a snapshot number.
// Pair numbers are the snapshot numbers that are measurements rather than derived figures:
// those whose key (the nearest one, for array elements) contains none of pct, percent, share,
// rate, ratio, growth, change (case-insensitive). A percent change between 100 clicks and a
// 41% growth figure means nothing, and would let "doubled" through. The subject's numbers and
// numeric keys are not pair numbers. Plain numbers are never differences: "41 more fans" needs
// 41 in the snapshot.
//
// Examples with snapshot {"clicks_now": 141, "clicks_before": 100, "growth_pct": 41.0}:
// "41%" yes (growth_pct); "41.0%" yes; "41.2%" no; "40%" no; "141" yes; "1.4x" yes (141/100);
// "3x" no; "55" no; "doubled" no (ratio 1.41 rounds to 1).
import Foundation

/// A number as it is written in a text.
public struct NumberMention: Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    case plain
    case percent
    case percentagePoints
    case multiplier
    /// A time of day: the hour as written, its minutes, and whether it said am (false) or pm (true).
    case clock(minute: Int, pm: Bool?)
  }

  /// The number as written, with its suffix: `41%`, `1,234`, `3x`, `21:00`, `9pm`, `doubled`.
  public var text: String
  /// The written figure without separators, sign or scale: `1,234` → 1234, `1.2k` → 1.2.
  public var value: Double
  /// Decimals written (the precision).
  public var decimals: Int
  /// 1, 1,000 (`k`, thousand) or 1,000,000 (`M`, million).
  public var scale: Double
  public var kind: Kind

  public init(text: String, value: Double, decimals: Int, scale: Double = 1, kind: Kind) {
    self.text = text
    self.value = value
    self.decimals = decimals
    self.scale = scale
    self.kind = kind
  }

  public var description: String { text }

  /// Every number in `text`, in order.
  public static func scan(_ text: String) -> [NumberMention] {
    var scanner = NumberScanner(text)
    return scanner.scan()
  }
}

/// The numbers of one candidate's snapshot and the rules that ground a written number in them.
public struct Grounding: Sendable, Hashable {
  /// The snapshot's numbers (and the subject's), absolute, without duplicates, ascending.
  public let numbers: [Double]
  /// The numbers that percent changes and ratios are computed from: those under
  /// keys that do not name a derived figure (see ``derivedKeyWords``), ascending.
  public let pairNumbers: [Double]

  /// A key containing one of these (case-insensitively) holds a derived figure.
  public static let derivedKeyWords = ["pct", "percent", "share", "rate", "ratio", "growth", "change"]

  public init(snapshot: JSONValue, subjectKey: String = "") {
    var found: Set<Double> = []
    var measured: Set<Double> = []
    Self.collect(snapshot, key: nil, into: &found, measured: &measured)
    pairNumbers = measured.sorted()
    for mention in NumberMention.scan(subjectKey) {
      switch mention.kind {
      case .clock(let minute, _):
        found.insert(mention.value)
        found.insert(Double(minute))
      default:
        found.insert(mention.value * mention.scale)
      }
    }
    numbers = found.sorted()
  }

  /// Whether `mention` is grounded in the snapshot (see the rules at the top of this file).
  public func isGrounded(_ mention: NumberMention) -> Bool {
    switch mention.kind {
    case .plain:
      return numbers.contains { matches($0, mention) }
    case .percent:
      if numbers.contains(where: { matches($0, mention) || matches($0 * 100, mention) }) { return true }
      return anyPair(of: pairNumbers) { a, b in a != 0 && matches(abs(b - a) / abs(a) * 100, mention) }
    case .percentagePoints:
      if numbers.contains(where: { matches($0, mention) }) { return true }
      return anyPair(of: numbers) { a, b in matches(abs(b - a), mention) || matches(abs(b - a) * 100, mention) }
    case .multiplier:
      if numbers.contains(where: { matches($0, mention) }) { return true }
      return anyPair(of: pairNumbers) { a, b in a != 0 && matches(abs(b) / abs(a), mention) }
    case .clock(let minute, let pm):
      let hour = Int(mention.value)
      var hours: Set<Int> = [hour]
      if let pm { hours.insert(hour % 12 + (pm ? 12 : 0)) }
      let hourFound = hours.contains { numbers.contains(Double($0)) }
      return hourFound && (minute == 0 || numbers.contains(Double(minute)))
    }
  }

  /// The first number in `text` that is not grounded, or nil when all are.
  public func firstUngrounded(in text: String) -> NumberMention? {
    NumberMention.scan(text).first { !isGrounded($0) }
  }

  private func anyPair(of values: [Double], _ test: (Double, Double) -> Bool) -> Bool {
    for (i, a) in values.enumerated() {
      for (j, b) in values.enumerated() where i != j {
        if test(a, b) { return true }
      }
    }
    return false
  }

  /// `v` (absolute, divided by the mention's scale) rounded half away from zero to the
  /// mention's decimals equals the mention's written value.
  func matches(_ v: Double, _ mention: NumberMention) -> Bool {
    guard v.isFinite else { return false }
    let factor = pow(10, Double(mention.decimals))
    return Self.roundHalfUp(abs(v) / mention.scale * factor) == Self.roundHalfUp(mention.value * factor)
  }

  /// Half away from zero for a non-negative x, tolerant of binary noise (41.45 x 10 is
  /// 414.49999999999994 in a Double but 414.5 in the snapshot's decimal numeric).
  static func roundHalfUp(_ x: Double) -> Double {
    (x + 0.5 + 1e-9 * max(1, x)).rounded(.down)
  }

  private static func collect(_ value: JSONValue, key: String?, into found: inout Set<Double>, measured: inout Set<Double>) {
    func add(_ number: Double) {
      found.insert(number)
      let derived = key.map { key in derivedKeyWords.contains { key.lowercased().contains($0) } } ?? false
      if !derived { measured.insert(number) }
    }
    switch value {
    case .number(let number):
      if number.isFinite { add(abs(number)) }
    case .string(let text):
      if let number = decimalNumber(text) { add(number) }
    case .array(let values):
      for element in values { collect(element, key: key, into: &found, measured: &measured) }
    case .object(let members):
      for (member, memberValue) in members {
        if let number = decimalNumber(member) { found.insert(number) }
        collect(memberValue, key: member, into: &found, measured: &measured)
      }
    case .null, .bool:
      break
    }
  }

  /// `"41"`, `"-41.25"`, `" 3 "` → the number; anything else (`"3 fans"`, `"1e3"`, `"inf"`) → nil.
  static func decimalNumber(_ text: String) -> Double? {
    var body = Substring(text.trimmingCharacters(in: .whitespaces))
    if body.hasPrefix("-") || body.hasPrefix("+") { body = body.dropFirst() }
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count),
      parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } })
    else { return nil }
    return Double(body).map(abs)
  }
}

/// Reads numbers out of prose (the rules at the top of this file).
struct NumberScanner {
  private let chars: [Character]
  private var index = 0
  private var found: [NumberMention] = []

  init(_ text: String) { chars = Array(text) }

  static let spelled: [String: (Double, NumberMention.Kind)] = [
    "two": (2, .plain), "three": (3, .plain), "four": (4, .plain), "five": (5, .plain), "six": (6, .plain),
    "seven": (7, .plain), "eight": (8, .plain), "nine": (9, .plain), "ten": (10, .plain), "eleven": (11, .plain),
    "twelve": (12, .plain), "twice": (2, .multiplier), "doubled": (2, .multiplier), "tripled": (3, .multiplier),
    "quadrupled": (4, .multiplier),
  ]

  mutating func scan() -> [NumberMention] {
    while index < chars.count {
      let c = chars[index]
      if Self.isDigit(c) {
        if index > 0, chars[index - 1].isLetter || chars[index - 1] == "_" {
          skipWord()
        } else {
          readNumber()
        }
      } else if c.isLetter {
        let start = index
        while index < chars.count, chars[index].isLetter { index += 1 }
        let word = String(chars[start..<index])
        if index < chars.count, Self.isDigit(chars[index]) {
          skipWord()  // "mp3", "B2B"
        } else if let (value, kind) = Self.spelled[word.lowercased()] {
          found.append(NumberMention(text: word, value: value, decimals: 0, kind: kind))
        }
      } else {
        index += 1
      }
    }
    return found
  }

  private mutating func skipWord() {
    while index < chars.count, chars[index].isLetter || Self.isDigit(chars[index]) || chars[index] == "_" { index += 1 }
  }

  private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

  private func digits(from position: Int) -> Int {
    var end = position
    while end < chars.count, Self.isDigit(chars[end]) { end += 1 }
    return end - position
  }

  private func isLetter(at position: Int) -> Bool { position < chars.count && chars[position].isLetter }

  /// The lower-cased letters of the word starting at `position`, after at most one space
  /// (when `allowSpace`), and where that word ends.
  private func word(after position: Int, allowSpace: Bool = true) -> (String, Int)? {
    var start = position
    if allowSpace, start < chars.count, chars[start] == " " || chars[start] == "\u{00A0}" { start += 1 }
    var end = start
    while end < chars.count, chars[end].isLetter { end += 1 }
    guard end > start else { return nil }
    return (String(chars[start..<end]).lowercased(), end)
  }

  private mutating func readNumber() {
    let start = index
    var end = index + digits(from: index)
    var written = String(chars[start..<end])
    var grouped = false
    if end - start <= 3 {
      while end < chars.count, chars[end] == ",", digits(from: end + 1) == 3 {
        written += String(chars[(end + 1)..<(end + 4)])
        end += 4
        grouped = true
      }
    }
    var decimals = 0
    if end + 1 < chars.count, chars[end] == ".", Self.isDigit(chars[end + 1]) {
      decimals = digits(from: end + 1)
      written += "." + String(chars[(end + 1)..<(end + 1 + decimals)])
      end += 1 + decimals
    }
    let value = Double(written) ?? 0

    // A clock time: H:MM or HH:MM, optionally am/pm.
    if !grouped, decimals == 0, end - start <= 2, end < chars.count, chars[end] == ":", digits(from: end + 1) == 2 {
      let minute = Int(String(chars[(end + 1)..<(end + 3)])) ?? 0
      end += 3
      var pm: Bool?
      if let (suffix, suffixEnd) = meridiem(after: end) {
        pm = suffix
        end = suffixEnd
      }
      emit(start, end, value: value, decimals: 0, kind: .clock(minute: minute, pm: pm))
      return
    }
    if !grouped, decimals == 0, (1...12).contains(value), let (pm, suffixEnd) = meridiem(after: end) {
      emit(start, suffixEnd, value: value, decimals: 0, kind: .clock(minute: 0, pm: pm))
      return
    }

    var scale: Double = 1
    if end < chars.count, chars[end] == "k" || chars[end] == "K" || chars[end] == "M", !isLetter(at: end + 1) {
      scale = chars[end] == "M" ? 1_000_000 : 1_000
      end += 1
    } else if let (word, wordEnd) = word(after: end), word == "thousand" || word == "million" {
      scale = word == "million" ? 1_000_000 : 1_000
      end = wordEnd
    }

    // The kind, from what follows.
    if end < chars.count, chars[end] == "%" {
      emit(start, end + 1, value: value, decimals: decimals, scale: scale, kind: .percent)
    } else if end + 1 < chars.count, chars[end] == " ", chars[end + 1] == "%" {
      emit(start, end + 2, value: value, decimals: decimals, scale: scale, kind: .percent)
    } else if end < chars.count, chars[end] == "x" || chars[end] == "X" || chars[end] == "×",
      !isLetter(at: end + 1), !(end + 1 < chars.count && Self.isDigit(chars[end + 1]))
    {
      emit(start, end + 1, value: value, decimals: decimals, scale: scale, kind: .multiplier)
    } else if let (word, wordEnd) = word(after: end, allowSpace: false), ["pp"].contains(word) {
      emit(start, wordEnd, value: value, decimals: decimals, scale: scale, kind: .percentagePoints)
    } else if let (word, wordEnd) = word(after: end, allowSpace: false), ["st", "nd", "rd", "th"].contains(word) {
      emit(start, wordEnd, value: value, decimals: decimals, scale: scale, kind: .plain)
    } else if let (word, wordEnd) = word(after: end) {
      switch word {
      case "percent":
        emit(start, wordEnd, value: value, decimals: decimals, scale: scale, kind: .percent)
      case "per":
        if let (next, nextEnd) = self.word(after: wordEnd), next == "cent" {
          emit(start, nextEnd, value: value, decimals: decimals, scale: scale, kind: .percent)
        } else {
          emit(start, end, value: value, decimals: decimals, scale: scale, kind: .plain)
        }
      case "percentage":
        if let (next, nextEnd) = self.word(after: wordEnd), next == "point" || next == "points" {
          emit(start, nextEnd, value: value, decimals: decimals, scale: scale, kind: .percentagePoints)
        } else {
          emit(start, end, value: value, decimals: decimals, scale: scale, kind: .plain)
        }
      case "pp":
        emit(start, wordEnd, value: value, decimals: decimals, scale: scale, kind: .percentagePoints)
      case "times":
        emit(start, wordEnd, value: value, decimals: decimals, scale: scale, kind: .multiplier)
      default:
        emit(start, end, value: value, decimals: decimals, scale: scale, kind: .plain)
      }
    } else {
      emit(start, end, value: value, decimals: decimals, scale: scale, kind: .plain)
    }
  }

  /// `am`, `pm`, `a.m.`, `p.m.` after at most one space, not followed by a letter: whether
  /// it is pm, and where it ends.
  private func meridiem(after position: Int) -> (Bool, Int)? {
    var start = position
    if start < chars.count, chars[start] == " " || chars[start] == "\u{00A0}" { start += 1 }
    func letter(_ offset: Int) -> Character? {
      start + offset < chars.count ? Character(chars[start + offset].lowercased()) : nil
    }
    guard let first = letter(0), first == "a" || first == "p" else { return nil }
    let pm = first == "p"
    if letter(1) == "m", !isLetter(at: start + 2) { return (pm, start + 2) }
    if letter(1) == ".", letter(2) == "m" {
      let end = letter(3) == "." ? start + 4 : start + 3
      return isLetter(at: end) ? nil : (pm, end)
    }
    return nil
  }

  private mutating func emit(_ start: Int, _ end: Int, value: Double, decimals: Int, scale: Double = 1, kind: NumberMention.Kind) {
    var text = String(chars[start..<end])
    while text.hasSuffix(".") { text.removeLast() }
    found.append(NumberMention(text: text, value: value, decimals: decimals, scale: scale, kind: kind))
    index = end
  }
}
