// NumberMention: the numbers written in a text, as FactCheck reads them.
//
// - A number is a run of ASCII digits with optional thousands groups and decimals:
//   `141`, `1,234` (= 1234), `1,234,567.5`, `41.5`. A comma counts as a thousands separator
//   only before exactly three digits (`3,5` is the numbers 3 and 5). A trailing full stop is
//   punctuation (`grew 41.` is 41).
// - Its precision is the number of decimals written: `41` has 0, `41.0` and `41.5` have 1.
// - A sign is read: a minus written immediately before the digits (`-`, U+2212 `−`, an en dash
//   `–` or another dash used as one) makes the number negative (`-84%`, `at −183`, `(–16)`),
//   unless the dash follows a digit or `%` (a range or a date: `10-20`, `2026-05-01`, `10%-20%`).
//   A negative number is the fact only where the fact itself is negative (FactCheck), so
//   "at -84%" does not state a growth of 84 %; an unsigned one matches by its size.
// - Digits glued to letters are numbers too (`mp3` holds 3, `Q3` holds 3): a text may hold no
//   digit that is not a fact (names of the candidate itself are masked before reading).
//   `x3` and `×3` are the multiplier 3.
// - What follows the number decides its kind:
//   `%`, ` %`, ` percent`, ` per cent`               → a percentage;
//   ` percentage point(s)`, `pp`, ` pp`              → percentage points (` points` alone
//                                                      is a plain number);
//   `x`, `×` (not followed by a letter or digit), ` times` → a multiplier;
//   `k`/`K`, ` thousand` → x 1,000 and `M`, ` million` → x 1,000,000 (precision applies to the
//   written figure: `1.2k` is 1.2 thousands at one decimal);
//   `H:MM` and `H am`/`H pm`/`H:MM pm` (also `a.m.`, `p.m.`) → a clock time;
//   `st`, `nd`, `rd`, `th` (ordinals) → a plain number; anything else → a plain number.
// - Spelled numbers are not read here: FactCheck refuses every number word.
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
  /// Whether a minus sign was written immediately before it (`-84%`): the number is `-value`.
  public var negative: Bool
  /// Decimals written (the precision).
  public var decimals: Int
  /// 1, 1,000 (`k`, thousand) or 1,000,000 (`M`, million).
  public var scale: Double
  public var kind: Kind

  public init(text: String, value: Double, decimals: Int, scale: Double = 1, kind: Kind, negative: Bool = false) {
    self.text = text
    self.value = value
    self.negative = negative
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

/// Reads numbers out of prose (the rules at the top of this file).
struct NumberScanner {
  private let chars: [Character]
  private var index = 0
  private var found: [NumberMention] = []
  /// Where the number being read starts with its sign (its first digit when it has none).
  private var signed = 0

  init(_ text: String) { chars = Array(text) }

  mutating func scan() -> [NumberMention] {
    while index < chars.count {
      let c = chars[index]
      if Self.isDigit(c) {
        readNumber()
      } else if c == "×", index + 1 < chars.count, Self.isDigit(chars[index + 1]) {
        index += 1
        readNumber(multiplierPrefix: true)
      } else if c.isLetter {
        let start = index
        while index < chars.count, chars[index].isLetter { index += 1 }
        let word = String(chars[start..<index])
        if index < chars.count, Self.isDigit(chars[index]), word == "x" || word == "X" {
          readNumber(multiplierPrefix: true)
        }
      } else {
        index += 1
      }
    }
    return found
  }

  private static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }

  /// Characters that are a minus sign when written immediately before digits: the hyphen-minus,
  /// the minus sign, and the dashes a text may use as one (hyphen, non-breaking hyphen, figure
  /// dash, en dash, em dash, small and full-width hyphen-minus).
  static let minusSigns: Set<Character> = ["-", "\u{2212}", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{FE63}", "\u{FF0D}"]

  /// Where the number starting at `position` begins with its sign: the index of a minus sign
  /// written immediately before it, unless that dash follows a digit or `%` (a range or a date:
  /// `10-20`, `2026-05-01`, `10%-20%`); else `position`.
  private func signStart(_ position: Int) -> Int {
    guard position > 0, Self.minusSigns.contains(chars[position - 1]) else { return position }
    if position > 1, Self.isDigit(chars[position - 2]) || chars[position - 2] == "%" { return position }
    return position - 1
  }

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

  private mutating func readNumber(multiplierPrefix: Bool = false) {
    let start = index
    signed = multiplierPrefix ? start : signStart(start)
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
    if multiplierPrefix {
      emit(start, end, value: value, decimals: decimals, kind: .multiplier)
      return
    }

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
    let negative = signed < start
    var text = String(chars[(negative ? signed : start)..<end])
    while text.hasSuffix(".") { text.removeLast() }
    found.append(NumberMention(text: text, value: value, decimals: decimals, scale: scale, kind: kind, negative: negative))
    index = end
  }
}
