// JSONValue and the model types' JSON names.
import Foundation
import Insights
import Testing

@Suite("JSON values and coding")
struct JSONValueTests {
  @Test("parses every kind of value and keeps bools apart from numbers")
  func parsing() throws {
    let value = try JSONValue.parse(#"{"a":[null,true,1,2.5,"x",{"b":false}]}"#)
    #expect(value == ["a": [nil, true, 1, 2.5, "x", ["b": false]]])
  }

  @Test("encodes with sorted keys, integral numbers without a fraction, 0.3 as 0.3")
  func encoding() {
    let value: JSONValue = ["z": 4096, "a": 0.3, "m": [-2, 1.5e3, 1e20], "s": "a/b \"q\""]
    #expect(value.encodedString() == #"{"a":0.3,"m":[-2,1500,1e+20],"s":"a/b \"q\"","z":4096}"#)
    #expect(JSONValue.number(.nan).encodedString() == "null")
  }

  @Test("round-trips through Codable")
  func roundTrip() throws {
    let value: JSONValue = ["k": [1, "two", nil, ["three": true]]]
    #expect(try JSONValue.parse(value.encoded()) == value)
  }

  @Test("a candidate decodes from the snake_case JSON SQL returns")
  func candidateFromSQL() throws {
    let json = #"""
      {"insight_type":"tour_gap","category":"tour","subject_key":"Lisbon, PT","priority":"high","confidence":0.8,
       "data_snapshot":{"city":"Lisbon","country":"PT","fans":64,"upcoming_shows":0},
       "title":"64 fans in Lisbon and no show booked",
       "description":"You have 64 fans in Lisbon, PT, and no upcoming show there.",
       "action_suggestion":"Look for a venue in Lisbon."}
      """#
    var expected = Fixtures.lisbon
    expected.facts = []
    #expect(try JSONDecoder().decode(InsightCandidate.self, from: Data(json.utf8)) == expected)
  }

  @Test("a phrased insight encodes with the answer's names")
  func phrasedEncoding() throws {
    let data = try JSONEncoder.sorted.encode(Fixtures.goodSpotify)
    #expect(
      String(decoding: data, as: UTF8.self)
        == #"{"action_suggestion":"Put your Spotify link first.","description":"62.5% of your music link clicks go to Spotify (120 of 192).","insight_type":"platform_preference","rank":3,"source":"llm","subject_key":"spotify","title":"Spotify is where your fans listen"}"#
    )
  }

  @Test("the answer schema narrows types and subjects to the candidates and stays within strict mode")
  func answerSchema() {
    let schema = AnswerSchema.make(candidates: Fixtures.candidates)
    let item = schema["properties"]?["insights"]?["items"]
    #expect(schema["required"] == ["insights"])
    #expect(schema["additionalProperties"] == false)
    #expect(item?["additionalProperties"] == false)
    #expect(item?["required"] == ["insight_type", "subject_key", "title", "description", "action_suggestion", "rank"])
    #expect(item?["properties"]?["insight_type"]?["enum"] == ["platform_preference", "city_growth", "tour_gap"])
    #expect(item?["properties"]?["subject_key"]?["enum"] == ["spotify", "Berlin, DE", "Lisbon, PT"])
    #expect(item?["properties"]?["rank"]?["type"] == "integer")
    #expect(schema["properties"]?["insights"]?["description"] == "At most 8 insights, each phrasing one candidate; never a new one.")
  }

  @Test("a result's duration in milliseconds")
  func durationMilliseconds() {
    let result = PhrasingResult(
      insights: [], fallbacks: [], model: nil, promptTokens: 0, completionTokens: 0, duration: .milliseconds(1234.9),
      error: nil)
    #expect(result.durationMilliseconds == 1234)
  }
}
