// AnswerValidator: per-candidate acceptance, fallbacks with reasons, limits and ranking.
import Foundation
import Insights
import Testing

@Suite("Answer validation")
struct AnswerValidatorTests {
  let validator = AnswerValidator()

  /// The good answer with one field of Lisbon's entry replaced.
  func lisbonWith(_ field: String, _ value: JSONValue) -> JSONValue {
    var entry = Fixtures.entry(Fixtures.goodLisbon).objectValue ?? [:]
    entry[field] = value
    return ["insights": [.object(entry), Fixtures.entry(Fixtures.goodBerlin), Fixtures.entry(Fixtures.goodSpotify)]]
  }

  /// Validates `answer`; expects Lisbon to fall back to its template at rank 1 with `reason`.
  func expectLisbonFallback(_ answer: JSONValue, reason: String) throws {
    let result = try validator.validate(answer, candidates: Fixtures.candidates)
    #expect(result.insights == [Fixtures.lisbon.templatePhrasing(rank: 1), Fixtures.goodBerlin, Fixtures.goodSpotify])
    #expect(result.fallbacks == [Fallback(kind: .template, insightType: "tour_gap", subjectKey: "Lisbon, PT", reason: reason)])
  }

  @Test("a good answer is accepted as written, in rank order")
  func goodAnswer() throws {
    let result = try validator.validate(Fixtures.goodAnswer, candidates: Fixtures.candidates)
    #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
    #expect(result.fallbacks == [])
  }

  @Test("a title of 81 characters falls back; 80 is accepted")
  func titleLength() throws {
    let eighty = String(repeating: "a", count: 80)
    try expectLisbonFallback(lisbonWith("title", .string(eighty + "b")), reason: "title is 81 characters; at most 80 allowed")
    let result = try validator.validate(lisbonWith("title", .string(eighty)), candidates: Fixtures.candidates)
    #expect(result.insights.first?.title == eighty)
    #expect(result.fallbacks == [])
    // Code points, as PostgreSQL counts: 79 letters and a two-scalar emoji are 81.
    let emoji = String(repeating: "a", count: 79) + "👍🏽"
    #expect(emoji.count == 80)
    try expectLisbonFallback(lisbonWith("title", .string(emoji)), reason: "title is 81 characters; at most 80 allowed")
  }

  @Test("a description of three sentences falls back")
  func threeSentences() throws {
    try expectLisbonFallback(
      lisbonWith("description", "You have 64 fans in Lisbon. None has a show. Book one."),
      reason: "description has 3 sentences; 1 or 2 allowed")
  }

  @Test("empty fields fall back")
  func emptyFields() throws {
    try expectLisbonFallback(lisbonWith("title", "  "), reason: "title is empty")
    try expectLisbonFallback(lisbonWith("description", ""), reason: "description is empty")
    try expectLisbonFallback(lisbonWith("action_suggestion", " "), reason: "action_suggestion is empty")
  }

  @Test("a title on two lines falls back")
  func titleOnTwoLines() throws {
    try expectLisbonFallback(lisbonWith("title", "64 fans\nin Lisbon"), reason: "title spans more than one line")
  }

  @Test("contact details fall back")
  func contactDetails() throws {
    try expectLisbonFallback(
      lisbonWith("action_suggestion", "Write to booking@lisbon-venue.pt about a date."),
      reason: "action_suggestion contains an e-mail address")
    try expectLisbonFallback(
      lisbonWith("description", "64 fans in Lisbon, PT; see lisbon-venue.com for dates."),
      reason: "description contains a URL")
    try expectLisbonFallback(
      lisbonWith("action_suggestion", "Call +351 21 1234567 to book."), reason: "action_suggestion contains a phone number")
  }

  @Test("a referrer domain the candidate is about may be named; another domain falls back")
  func referrerDomain() throws {
    let referrer = InsightCandidate(
      insightType: "referrer_surge", category: "platform", subjectKey: "instagram.com", priority: "high", confidence: 0.9,
      dataSnapshot: ["referrer_domain": "instagram.com", "visits_current": 180, "visits_previous": 30, "period_days": 7],
      title: "Traffic from instagram.com up 500%",
      description: "instagram.com referred 180 visits in the last 7 days, up from 30 in the 7 days before.",
      actionSuggestion: "Post more on Instagram.",
      facts: [
        .text("referrer_domain", "instagram.com"), .number("visits", 180), .number("previous_visits", 30),
        .number("visits_ratio", 6, .ratio, decimals: 1), .number("growth_pct", 500, .percent), .number("period_days", 7, .days),
      ])
    let good = Fixtures.entry(
      "referrer_surge", "instagram.com", title: "instagram.com sent 6x more visitors",
      description: "Visits from instagram.com rose from 30 to 180 in 7 days.", action: "Pin your tour post on instagram.com.", rank: 1)
    let accepted = try validator.validate(["insights": [good]], candidates: [referrer])
    #expect(accepted.fallbacks == [])
    #expect(accepted.insights.map(\.title) == ["instagram.com sent 6x more visitors"])

    let elsewhere = Fixtures.entry(
      "referrer_surge", "instagram.com", title: "instagram.com traffic up 500%",
      description: "Visits from instagram.com rose from 30 to 180 in 7 days.", action: "Send them to nova-lights.com instead.", rank: 1)
    let rejected = try validator.validate(["insights": [elsewhere]], candidates: [referrer])
    #expect(rejected.insights == [referrer.templatePhrasing(rank: 1)])
    #expect(
      rejected.fallbacks == [
        Fallback(kind: .template, insightType: "referrer_surge", subjectKey: "instagram.com", reason: "action_suggestion contains a URL")
      ])
  }

  @Test("an invented number in the title or the action falls back, naming the field")
  func inventedNumbers() throws {
    try expectLisbonFallback(lisbonWith("title", "65 Lisbon fans, no show yet"), reason: "title writes 65, which is not one of this insight's facts")
    try expectLisbonFallback(
      lisbonWith("action_suggestion", "Book a show for 200 people."),
      reason: "action_suggestion writes 200, which is not one of this insight's facts")
    try expectLisbonFallback(
      lisbonWith("description", "Your Lisbon audience grew 25%."), reason: "description writes 25%, which is not one of this insight's facts")
  }

  @Test("a wrong JSON shape for one entry falls back")
  func entryShape() throws {
    try expectLisbonFallback(lisbonWith("title", 64), reason: "title is missing or not a string")
    // Without a usable rank the entry also moves to the end.
    for rank: JSONValue in ["first", 0, 1.5, nil] {
      let result = try validator.validate(lisbonWith("rank", rank), candidates: Fixtures.candidates)
      var berlin = Fixtures.goodBerlin
      berlin.rank = 1
      var spotify = Fixtures.goodSpotify
      spotify.rank = 2
      #expect(result.insights == [berlin, spotify, Fixtures.lisbon.templatePhrasing(rank: 3)])
      #expect(
        result.fallbacks == [
          Fallback(
            kind: .template, insightType: "tour_gap", subjectKey: "Lisbon, PT", reason: "rank is missing or not a positive integer")
        ])
    }
  }

  @Test("an answer that is not {\"insights\": [...]} is rejected as a whole")
  func answerShape() {
    #expect(throws: LLMError.malformedResponse("the answer is not a JSON object")) {
      try validator.validate([1, 2], candidates: Fixtures.candidates)
    }
    #expect(throws: LLMError.malformedResponse(#"the answer has no "insights" array"#)) {
      try validator.validate(["insights": "none"], candidates: Fixtures.candidates)
    }
  }

  @Test("entries that are not objects or name no candidate are ignored with a reason")
  func ignoredEntries() throws {
    let answer: JSONValue = [
      "insights": [
        "Berlin grew", ["subject_key": "Berlin, DE", "rank": 2], ["insight_type": "city_growth", "rank": 3],
        Fixtures.entry("city_growth", "berlin, de", title: "t", description: "d.", action: "a", rank: 4),
        Fixtures.entry(Fixtures.goodLisbon),
      ]
    ]
    let result = try validator.validate(answer, candidates: Fixtures.candidates)
    #expect(
      result.insights == [
        Fixtures.goodLisbon, Fixtures.berlin.templatePhrasing(rank: 2), Fixtures.spotify.templatePhrasing(rank: 3),
      ])
    // Processed in rank order (Lisbon 1, then 2, 3, 4, then the entry without a rank).
    #expect(
      result.fallbacks == [
        Fallback(kind: .ignored, insightType: "", subjectKey: "Berlin, DE", reason: "insights[1] has no string insight_type"),
        Fallback(kind: .ignored, insightType: "city_growth", subjectKey: "", reason: "insights[2] has no string subject_key"),
        Fallback(
          kind: .ignored, insightType: "city_growth", subjectKey: "berlin, de",
          reason: "not one of the candidates (insight_type and subject_key must name one exactly); ignored"),
        Fallback(kind: .ignored, insightType: "", subjectKey: "", reason: "insights[0] is not an object"),
        Fallback(
          kind: .unphrased, insightType: "city_growth", subjectKey: "Berlin, DE",
          reason: "the answer did not phrase this candidate; template wording used"),
        Fallback(
          kind: .unphrased, insightType: "platform_preference", subjectKey: "spotify",
          reason: "the answer did not phrase this candidate; template wording used"),
      ])
  }

  @Test("a candidate phrased twice: the first by rank counts, the other is ignored")
  func duplicate() throws {
    var second = Fixtures.goodLisbon
    second.title = "Lisbon is waiting"
    second.rank = 4
    let answer: JSONValue = [
      "insights": [Fixtures.entry(second), Fixtures.entry(Fixtures.goodLisbon), Fixtures.entry(Fixtures.goodBerlin), Fixtures.entry(Fixtures.goodSpotify)]
    ]
    let result = try validator.validate(answer, candidates: Fixtures.candidates)
    #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
    #expect(
      result.fallbacks == [
        Fallback(
          kind: .ignored, insightType: "tour_gap", subjectKey: "Lisbon, PT", reason: "phrased twice; only the first (by rank) is used")
      ])
  }

  @Test("candidates the answer left out fill the free places with their template wording, in template order")
  func unphrasedCandidates() throws {
    let answer: JSONValue = ["insights": [Fixtures.entry(Fixtures.goodSpotify)]]
    let result = try validator.validate(answer, candidates: Fixtures.candidates)
    var spotify = Fixtures.goodSpotify
    spotify.rank = 1
    #expect(
      result.insights == [spotify, Fixtures.berlin.templatePhrasing(rank: 2), Fixtures.lisbon.templatePhrasing(rank: 3)])
    #expect(result.fallbacks.map(\.kind) == [.unphrased, .unphrased])
    #expect(result.fallbacks.map(\.subjectKey) == ["Berlin, DE", "Lisbon, PT"])
  }

  @Test("an empty answer stores every candidate's template wording")
  func emptyAnswer() throws {
    let result = try validator.validate(["insights": []], candidates: Fixtures.candidates)
    #expect(
      result.insights == [
        Fixtures.berlin.templatePhrasing(rank: 1), Fixtures.lisbon.templatePhrasing(rank: 2),
        Fixtures.spotify.templatePhrasing(rank: 3),
      ])
    #expect(result.fallbacks.count == 3)
  }

  @Test("ranks are followed and renumbered 1, 2, 3")
  func renumbering() throws {
    let ranks: [(PhrasedInsight, Int)] = [(Fixtures.goodSpotify, 9), (Fixtures.goodLisbon, 2), (Fixtures.goodBerlin, 5)]
    let answer: JSONValue = [
      "insights": .array(ranks.map { phrased, rank in
        var entry = phrased
        entry.rank = rank
        return Fixtures.entry(entry)
      })
    ]
    let result = try validator.validate(answer, candidates: Fixtures.candidates)
    #expect(result.insights == [Fixtures.goodLisbon, Fixtures.goodBerlin, Fixtures.goodSpotify])
  }

  @Test("at most 8: entries after the eighth are dropped with a reason")
  func atMostEight() throws {
    let candidates = (1...10).map { index in
      InsightCandidate(
        insightType: "city_growth", category: "geographic", subjectKey: "City \(index)", priority: "medium",
        confidence: 0.7, dataSnapshot: ["clicks": .number(Double(100 + index))], title: "City \(index)",
        description: "City \(index) grew.", actionSuggestion: "Look at City \(index).",
        facts: [.number("clicks", Double(100 + index))])
    }
    let answer: JSONValue = [
      "insights": .array(candidates.enumerated().map { index, candidate in
        Fixtures.entry(
          candidate.insightType, candidate.subjectKey, title: "\(100 + index + 1) clicks",
          description: "\(candidate.subjectKey) had \(100 + index + 1) clicks.", action: "Plan a show there.", rank: index + 1)
      })
    ]
    let result = try validator.validate(answer, candidates: candidates)
    #expect(result.insights.map(\.subjectKey) == (1...8).map { "City \($0)" })
    #expect(result.insights.map(\.rank) == Array(1...8))
    #expect(result.insights.first?.title == "101 clicks")
    #expect(
      result.fallbacks == [
        Fallback(
          kind: .ignored, insightType: "city_growth", subjectKey: "City 9",
          reason: "more than 8 insights in the answer; this one (rank 9) is dropped"),
        Fallback(
          kind: .ignored, insightType: "city_growth", subjectKey: "City 10",
          reason: "more than 8 insights in the answer; this one (rank 10) is dropped"),
      ])
  }

  @Test("the fixture's own template wording passes validation")
  func templateWordingIsGrounded() throws {
    let answer: JSONValue = [
      "insights": .array(InsightCandidate.templateOrder(Fixtures.candidates).enumerated().map { index, candidate in
        Fixtures.entry(candidate.templatePhrasing(rank: index + 1))
      })
    ]
    #expect(try validator.validate(answer, candidates: Fixtures.candidates).fallbacks == [])
  }

  @Test("a fallback describes itself for logs and run records")
  func fallbackDescription() throws {
    let fallback = Fallback(
      kind: .template, insightType: "city_growth", subjectKey: "Berlin, DE", reason: "description writes 55, which is not one of this insight's facts")
    #expect(fallback.description == #"city_growth "Berlin, DE": description writes 55, which is not one of this insight's facts"#)
    #expect(
      String(decoding: try JSONEncoder.sorted.encode(fallback), as: UTF8.self)
        == #"{"insight_type":"city_growth","kind":"template","reason":"description writes 55, which is not one of this insight's facts","subject_key":"Berlin, DE"}"#)
  }
}

extension JSONEncoder {
  static var sorted: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }
}
