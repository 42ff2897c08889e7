// insights generate end to end: the project's schema, the designed demo data, a real
// PostgreSQL, and a stub OpenAI-compatible server on 127.0.0.1. Nothing unvalidated is stored.
import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Insights

@Suite("generation against PostgreSQL")
struct GenerationTests {
  /// A fresh database with the schema and the demo data relative to now.
  @Test("template provider: the demo artist gets Berlin up 41% (103 -> 145) and Warsaw's tour gap; a second manual run is rate limited")
  func templateRun() async throws {
    let (db, org, _) = try demoDatabase()
    let connection = try db.connect()
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let report = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
    #expect(report.error == nil)
    let titles = Set(report.insights.map(\.title))
    #expect(titles.contains("Berlin audience up 41%"))
    #expect(titles.contains("142 fans in Warsaw, no show planned"))
    let berlin = try connection.scalar(
      "select description from insights.ai_insights where org_id = \(org) and insight_type = 'city_growth' and subject_key = 'Berlin, DE'", as: String.self)
    #expect(berlin == "Link clicks from Berlin, DE rose from 103 to 145 (up 41%) in the last 30 days compared with the 30 days before.")
    let run = try #require(try connection.query("select status::text, model_used, insights_generated from insights.generation_runs where id = \(report.runId!)").first)
    #expect(run["status"] == "completed")
    #expect(run["model_used"] == "template")
    #expect(run["insights_generated"] == String(report.insights.count))
    do {
      _ = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
      Issue.record("a second manual run within the hour must be refused")
    } catch let error as GenerationError {
      #expect(error.code == "IN001")
    }
  }

  @Test("an LLM reply with an invented number: that text is not stored, the template is, and the run records the fallback")
  func inventedNumberFallsBack() async throws {
    let (db, org, _) = try demoDatabase()
    let connection = try db.connect()
    let answer: JSONValue = [
      "insights": [
        [
          "insight_type": "city_growth", "subject_key": "Berlin, DE", "rank": 1,
          "title": "Berlin is booming: up 55%",
          "description": "Berlin clicks jumped 55% in a month.", "action_suggestion": "Book a Berlin show.",
        ],
        [
          "insight_type": "tour_gap", "subject_key": "Warsaw, PL", "rank": 2,
          "title": "Warsaw wants you: 142 fans, no show",
          "description": "142 people in Warsaw engaged with you in the last 30 days, and no show is planned there.",
          "action_suggestion": "Look for a venue in Warsaw.",
        ],
      ]
    ]
    try await StubServer.with([Wire.openai.reply(answer)]) { server in
      let generator = InsightGenerator(phraser: try InsightPhraser(provider: Wire.openai.provider(server)))
      let report = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
      #expect(report.error == nil)
      #expect(report.model == "gpt-4o-mini-2024-07-18")
    }
    let berlin = try #require(
      try connection.query("select title, metadata from insights.ai_insights where org_id = \(org) and subject_key = 'Berlin, DE' and insight_type = 'city_growth'").first)
    #expect(berlin["title"] == "Berlin audience up 41%")
    let metadata = try berlin.decode("metadata", as: JSONValue.self)
    #expect(metadata["source"] == "template")
    #expect(metadata["fallback_reason"]?.stringValue?.contains("55") == true)
    let warsaw = try connection.scalar(
      "select title from insights.ai_insights where org_id = \(org) and subject_key = 'Warsaw, PL' and insight_type = 'tour_gap'", as: String.self)
    #expect(warsaw == "Warsaw wants you: 142 fans, no show")
    #expect(try connection.scalar("select count(*)::int from insights.ai_insights where title like '%55%' or description like '%55%'", as: Int.self) == 0)
    let run = try #require(try connection.query("select status::text, prompt_tokens, completion_tokens, fallbacks from insights.generation_runs").first)
    #expect(run["status"] == "completed")
    #expect(run["prompt_tokens"] == "1234")
    #expect(run["completion_tokens"] == "321")
    let fallbacks = try run.decode("fallbacks", as: JSONValue.self)
    #expect(fallbacks.arrayValue?.contains { $0["subject_key"] == "Berlin, DE" && $0["insight_type"] == "city_growth" } == true)
  }

  @Test("500 until retries run out: the run is recorded as failed and nothing is stored")
  func providerDownStoresNothing() async throws {
    let (db, org, _) = try demoDatabase()
    let connection = try db.connect()
    try await StubServer.with([Wire.openai.overloaded(), Wire.openai.overloaded(), Wire.openai.overloaded()]) { server in
      let generator = InsightGenerator(phraser: try InsightPhraser(provider: Wire.openai.provider(server)))
      let report = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
      #expect(report.error != nil)
    }
    #expect(try connection.scalar("select count(*)::int from insights.ai_insights", as: Int.self) == 0)
    let run = try #require(try connection.query("select status::text, error from insights.generation_runs").first)
    #expect(run["status"] == "failed")
    #expect(run["error"]?.contains("500") == true)
  }
}
