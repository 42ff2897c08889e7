// Grounding: which written numbers a snapshot backs, case by case.
import Foundation
import Insights
import Testing

struct GroundingCase: Sendable, CustomTestStringConvertible {
  var text: String
  var snapshot: JSONValue
  var subject: String = ""
  var grounded: Bool

  var testDescription: String { "\"\(text)\" in \(snapshot.encodedString())\(subject.isEmpty ? "" : " / \(subject)") → \(grounded)" }
}

let growth: JSONValue = ["clicks_current": 141, "clicks_previous": 100, "growth_pct": 41.0]

let groundingCases: [GroundingCase] = [
  // Copied numbers at the precision shown.
  .init(text: "grew 41%", snapshot: growth, grounded: true),
  .init(text: "grew 41.0%", snapshot: growth, grounded: true),
  .init(text: "grew 41.2%", snapshot: growth, grounded: false),
  .init(text: "grew 40%", snapshot: growth, grounded: false),
  .init(text: "from 100 to 141", snapshot: growth, grounded: true),
  .init(text: "141.5 clicks", snapshot: growth, grounded: false),
  .init(text: "55 new fans", snapshot: growth, grounded: false),
  .init(text: "grew 41 percent", snapshot: growth, grounded: true),
  .init(text: "grew 41 per cent", snapshot: growth, grounded: true),
  .init(text: "it grew 41.", snapshot: growth, grounded: true),
  .init(text: "+41% and -41%", snapshot: growth, grounded: true),
  .init(text: "since 2025", snapshot: growth, grounded: false),
  // Rounding half away from zero, to the decimals written.
  .init(text: "62.5%", snapshot: ["share_pct": 62.46], grounded: true),
  .init(text: "62%", snapshot: ["share_pct": 62.46], grounded: true),
  .init(text: "62.46%", snapshot: ["share_pct": 62.46], grounded: true),
  .init(text: "62.460%", snapshot: ["share_pct": 62.46], grounded: true),
  .init(text: "62.4%", snapshot: ["share_pct": 62.46], grounded: false),
  .init(text: "63%", snapshot: ["share_pct": 62.46], grounded: false),
  .init(text: "41.5", snapshot: ["v": 41.45], grounded: true),
  .init(text: "41.4", snapshot: ["v": 41.45], grounded: false),
  .init(text: "3", snapshot: ["v": 2.5], grounded: true),
  .init(text: "2", snapshot: ["v": 2.5], grounded: false),
  // Thousands separators and scales.
  .init(text: "1,234 fans", snapshot: ["fans": 1234], grounded: true),
  .init(text: "1234 fans", snapshot: ["fans": 1234], grounded: true),
  .init(text: "1,234.0 fans", snapshot: ["fans": 1234], grounded: true),
  .init(text: "1,235 fans", snapshot: ["fans": 1234], grounded: false),
  .init(text: "1.2k fans", snapshot: ["fans": 1234], grounded: true),
  .init(text: "1k fans", snapshot: ["fans": 1234], grounded: true),
  .init(text: "1.3k fans", snapshot: ["fans": 1234], grounded: false),
  .init(text: "12,34 fans", snapshot: ["fans": 1234], grounded: false),
  .init(text: "1,234,567 plays", snapshot: ["plays": 1_234_567], grounded: true),
  .init(text: "1.2M plays", snapshot: ["plays": 1_234_567], grounded: true),
  .init(text: "1.2 million plays", snapshot: ["plays": 1_234_567], grounded: true),
  // Percent change between two numbers, either direction, at the precision shown.
  .init(text: "up 15%", snapshot: ["before": 80, "after": 92], grounded: true),
  .init(text: "up 15.0%", snapshot: ["before": 80, "after": 92], grounded: true),
  .init(text: "down 13%", snapshot: ["before": 80, "after": 92], grounded: true),
  .init(text: "up 14%", snapshot: ["before": 80, "after": 92], grounded: false),
  .init(text: "up 15.2%", snapshot: ["before": 80, "after": 92], grounded: false),
  .init(text: "up 12", snapshot: ["before": 80, "after": 92], grounded: false),
  // Shares stored as fractions, and percentage points.
  .init(text: "41% of clicks", snapshot: ["share": 0.41], grounded: true),
  .init(text: "0.41 of clicks", snapshot: ["share": 0.41], grounded: true),
  .init(text: "41 of clicks", snapshot: ["share": 0.41], grounded: false),
  .init(text: "up 5 percentage points", snapshot: ["share_now": 0.62, "share_before": 0.57], grounded: true),
  .init(text: "up 5pp", snapshot: ["share_now": 0.62, "share_before": 0.57], grounded: true),
  .init(text: "up 6 percentage points", snapshot: ["share_now": 0.62, "share_before": 0.57], grounded: false),
  .init(text: "up 5 points", snapshot: ["share_now": 0.62, "share_before": 0.57], grounded: false),
  // Multipliers.
  .init(text: "3x more", snapshot: ["now": 300, "before": 100], grounded: true),
  .init(text: "3× more", snapshot: ["now": 300, "before": 100], grounded: true),
  .init(text: "3 times more", snapshot: ["now": 300, "before": 100], grounded: true),
  .init(text: "3.0x more", snapshot: ["now": 300, "before": 100], grounded: true),
  .init(text: "tripled", snapshot: ["now": 300, "before": 100], grounded: true),
  .init(text: "doubled", snapshot: ["now": 300, "before": 100], grounded: false),
  .init(text: "2x more", snapshot: ["now": 300, "before": 100], grounded: false),
  .init(text: "3.5x more", snapshot: ["now": 300, "before": 100], grounded: false),
  .init(text: "3x more", snapshot: ["multiplier": 3], grounded: true),
  .init(text: "1.4x", snapshot: growth, grounded: true),
  .init(text: "doubled", snapshot: growth, grounded: false),
  // Clock times.
  .init(text: "at 21:00", snapshot: ["peak_hour": 21], grounded: true),
  .init(text: "at 9pm", snapshot: ["peak_hour": 21], grounded: true),
  .init(text: "at 9 p.m.", snapshot: ["peak_hour": 21], grounded: true),
  .init(text: "at 21:30", snapshot: ["peak_hour": 21], grounded: false),
  .init(text: "at 8pm", snapshot: ["peak_hour": 21], grounded: false),
  .init(text: "at 9am", snapshot: ["peak_hour": 21], grounded: false),
  .init(text: "Fridays at 21:00", snapshot: ["events": 340], subject: "Friday 21:00", grounded: true),
  .init(text: "Fridays at 22:00", snapshot: ["events": 340], subject: "Friday 21:00", grounded: false),
  // Where snapshot numbers may sit.
  .init(text: "141 clicks", snapshot: ["top_cities": [["city": "Berlin", "clicks": 141]]], grounded: true),
  .init(text: "41.2%", snapshot: ["pct": "41.2"], grounded: true),
  .init(text: "at hour 21", snapshot: ["by_hour": ["21": 50]], grounded: true),
  .init(text: "141", snapshot: ["label": "141 fans"], grounded: false),
  .init(text: "1 show", snapshot: ["has_show": true], grounded: false),
  // Words, ordinals and digits inside words.
  .init(text: "an mp3 and Q3 and B2B", snapshot: [:], grounded: true),
  .init(text: "your 2nd city", snapshot: ["rank": 2], grounded: true),
  .init(text: "your 3rd city", snapshot: ["rank": 2], grounded: false),
  .init(text: "three shows", snapshot: ["shows": 3], grounded: true),
  .init(text: "two shows", snapshot: ["shows": 3], grounded: false),
  .init(text: "one of your cities", snapshot: [:], grounded: true),
]

@Suite("Grounding of numbers in the data snapshot")
struct GroundingTests {
  @Test("each written number is grounded exactly when the rules say so", arguments: groundingCases)
  func rule(_ example: GroundingCase) {
    let grounding = Grounding(snapshot: example.snapshot, subjectKey: example.subject)
    let ungrounded = grounding.firstUngrounded(in: example.text)
    #expect((ungrounded == nil) == example.grounded)
  }

  @Test("numbers are read with their text, value, precision, scale and kind")
  func scanning() {
    let mentions = NumberMention.scan(
      "Berlin grew 41% (1,234 fans, 3x, 21:00, 9pm, 2.5 percentage points, 1.2k, 12.50, 3rd, doubled, mp3).")
    #expect(
      mentions == [
        NumberMention(text: "41%", value: 41, decimals: 0, kind: .percent),
        NumberMention(text: "1,234", value: 1234, decimals: 0, kind: .plain),
        NumberMention(text: "3x", value: 3, decimals: 0, kind: .multiplier),
        NumberMention(text: "21:00", value: 21, decimals: 0, kind: .clock(minute: 0, pm: nil)),
        NumberMention(text: "9pm", value: 9, decimals: 0, kind: .clock(minute: 0, pm: true)),
        NumberMention(text: "2.5 percentage points", value: 2.5, decimals: 1, kind: .percentagePoints),
        NumberMention(text: "1.2k", value: 1.2, decimals: 1, scale: 1000, kind: .plain),
        NumberMention(text: "12.50", value: 12.5, decimals: 2, kind: .plain),
        NumberMention(text: "3rd", value: 3, decimals: 0, kind: .plain),
        NumberMention(text: "doubled", value: 2, decimals: 0, kind: .multiplier),
      ])
  }

  @Test("the first ungrounded number is reported as written")
  func firstUngrounded() {
    let grounding = Grounding(snapshot: growth)
    #expect(grounding.firstUngrounded(in: "Berlin grew 41% and gained 55 fans, 12% more than usual")?.text == "55")
    #expect(grounding.firstUngrounded(in: "Berlin grew 41% from 100 to 141") == nil)
  }

  @Test("the snapshot's numbers: nested, numeric strings and keys, the subject's; absolute, unique, sorted")
  func snapshotNumbers() {
    let snapshot: JSONValue = [
      "a": -12.5, "b": ["c": [1, 2, 2]], "d": "7", "e": "7 fans", "8": true, "f": nil, "g": "1e3",
    ]
    #expect(Grounding(snapshot: snapshot, subjectKey: "Friday 21:30").numbers == [1, 2, 7, 8, 12.5, 21, 30])
  }

  @Test("percent changes and ratios use measured numbers only, not derived ones (pct, share, growth, ...)")
  func pairNumbers() {
    let snapshot: JSONValue = [
      "clicks_current": 141, "clicks_previous": 100, "growth_pct": 41.0, "music_share": 0.62, "capture_rate": 0.2,
      "cities": [["clicks": 12]], "Change": 3,
    ]
    let grounding = Grounding(snapshot: snapshot, subjectKey: "Friday 21:00")
    #expect(grounding.pairNumbers == [12, 100, 141])
    // 100 / 41 would round to 2; 41 is a derived figure, so it is not a pair number.
    #expect(grounding.firstUngrounded(in: "doubled")?.text == "doubled")
    #expect(grounding.firstUngrounded(in: "41% and 1.4x") == nil)
  }
}
