// `audiencectl insights generate`: SQL detects and measures (insights.detect_candidates),
// the provider phrases and ranks, the validator keeps only grounded text, and
// insights.persist_insights stores the result under the lifecycle rules. Each run is
// recorded in insights.generation_runs (model, tokens, duration, fallbacks, error).
import Foundation
import PostgresClient

/// What one organization's generation did (or, in a dry run, would store).
public struct GenerationReport: Sendable, Codable, Equatable {
  public struct Stored: Sendable, Codable, Equatable {
    public var insightType: String
    public var subjectKey: String
    public var title: String
    public var source: String
  }
  public var orgId: UUID
  public var runId: UUID?
  public var dryRun: Bool
  public var candidates: Int
  public var insights: [Stored]
  public var fallbacks: [Fallback]
  public var model: String?
  public var promptTokens: Int
  public var completionTokens: Int
  public var durationMs: Int
  /// persist_insights' answer: stored, replaced, skipped and the reasons.
  public var persisted: JSONValue?
  public var error: String?

  public var rendered: String {
    var lines: [String] = []
    let head = dryRun ? "dry run for organization \(orgId.uuidString.lowercased()): would store" : "organization \(orgId.uuidString.lowercased()), run \(runId?.uuidString.lowercased() ?? "-"):"
    lines.append("\(head) \(insights.count) of \(candidates) candidates (model \(model ?? "-"), \(promptTokens)+\(completionTokens) tokens, \(durationMs) ms)")
    for insight in insights { lines.append("  [\(insight.source)] \(insight.insightType) \(insight.subjectKey): \(insight.title)") }
    for fallback in fallbacks { lines.append("  fallback: \(fallback)") }
    if let persisted, let object = persisted.objectValue {
      let stored = object["stored"]?.intValue ?? 0
      let replaced = object["replaced"]?.intValue ?? 0
      let skipped = object["skipped"]?.intValue ?? 0
      lines.append("  stored \(stored), replaced \(replaced), skipped \(skipped) \(object["skipped_reasons"]?.jsonText ?? "")")
    }
    if let error { lines.append("  FAILED: \(error)") }
    return lines.joined(separator: "\n")
  }
}

/// A run that could not start: rate limit (IN001), insufficient data (IN002), access.
public struct GenerationError: Error, Sendable, CustomStringConvertible {
  public var code: String
  public var message: String
  public var hint: String?
  public var description: String { "error: \(message) (SQLSTATE \(code))" + (hint.map { "\nhint: \($0)" } ?? "") }
}

public struct InsightGenerator: Sendable {
  public var phraser: InsightPhraser

  public init(phraser: InsightPhraser) {
    self.phraser = phraser
  }

  /// Generates insights for one organization. `manual` runs are rate limited (one an hour).
  public func generate(org: UUID, connection: Connection, manual: Bool, dryRun: Bool) async throws -> GenerationReport {
    var runId: UUID?
    if !dryRun {
      do {
        runId = try connection.scalar("select insights.start_run(\(org), \(manual))", as: UUID.self)
      } catch let error as PostgresError where ["IN001", "IN002", "42501", "P0002"].contains(error.code.rawValue) {
        throw GenerationError(code: error.code.rawValue, message: error.message, hint: error.hint)
      }
    }
    let rows = try connection.query(
      """
      select insight_type::text, category::text, subject_key, priority::text, confidence::float8, data_snapshot,
             title, description, action_suggestion, period_start, period_end, comparison_start, comparison_end
        from insights.detect_candidates(\(org))
      """
    ).rows
    var periods: [InsightKey: [String: String?]] = [:]
    let candidates = try rows.map { row in
      let candidate = InsightCandidate(
        insightType: try row.decode("insight_type"), category: try row.decode("category"),
        subjectKey: try row.decode("subject_key"), priority: try row.decode("priority"),
        confidence: try row.decode("confidence"), dataSnapshot: try row.decode("data_snapshot"),
        title: try row.decode("title"), description: try row.decode("description"),
        actionSuggestion: try row.decode("action_suggestion", as: String?.self) ?? "")
      periods[candidate.key] = [
        "period_start": row["period_start"], "period_end": row["period_end"],
        "comparison_start": row["comparison_start"], "comparison_end": row["comparison_end"],
      ]
      return candidate
    }
    guard let profileRow = try connection.query(
      "select name, kind::text, genres, display_name from app.organizations where id = \(org)"
    ).first else {
      throw GenerationError(code: "P0002", message: "organization \(org) does not exist", hint: nil)
    }
    let profile = OrgProfile(
      name: try profileRow.decode("name"), kind: try profileRow.decode("kind"), genres: try profileRow.decode("genres"),
      displayName: try profileRow.decode("display_name", as: String?.self))
    let active = try connection.query(
      "select insight_type::text, subject_key, title from insights.ai_insights where org_id = \(org) and status = 'active' order by created_at desc limit 50"
    ).rows.map { ActiveInsight(type: try $0.decode("insight_type"), subjectKey: try $0.decode("subject_key"), title: try $0.decode("title")) }

    let result = await phraser.phrase(candidates: candidates, org: profile, activeInsights: active)
    let byKey = Dictionary(candidates.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    let fallbackKeys = Dictionary(
      result.fallbacks.map { (InsightKey(insightType: $0.insightType, subjectKey: $0.subjectKey), $0.reason) }, uniquingKeysWith: { a, _ in a })
    var report = GenerationReport(
      orgId: org, runId: runId, dryRun: dryRun, candidates: candidates.count, insights: [], fallbacks: result.fallbacks,
      model: result.model, promptTokens: result.promptTokens, completionTokens: result.completionTokens,
      durationMs: result.durationMilliseconds, persisted: nil, error: result.error)
    let fallbacksJSON = JSONValue.array(result.fallbacks.map {
      ["insight_type": .string($0.insightType), "subject_key": .string($0.subjectKey), "reason": .string($0.reason)]
    })

    if let error = result.error {
      if let runId {
        try connection.execute(
          """
          select insights.finish_run(\(runId), 'failed', 0, null, \(result.model), \(result.promptTokens)::int,
                                     \(result.completionTokens)::int, \(result.durationMilliseconds)::int, \(error), \(fallbacksJSON))
          """)
      }
      return report
    }

    var payload: [JSONValue] = []
    for insight in result.insights {
      guard let candidate = byKey[insight.key] else { continue }
      let source = fallbackKeys[insight.key] == nil && result.model != "template" ? "llm" : "template"
      var metadata: [String: JSONValue] = ["source": .string(source), "rank": .number(Double(insight.rank))]
      if let model = result.model { metadata["model"] = .string(model) }
      if let reason = fallbackKeys[insight.key] { metadata["fallback_reason"] = .string(reason) }
      var element: [String: JSONValue] = [
        "insight_type": .string(candidate.insightType), "subject_key": .string(candidate.subjectKey),
        "confidence": .number(candidate.confidence), "title": .string(insight.title),
        "description": .string(insight.description), "action_suggestion": .string(insight.actionSuggestion),
        "data_snapshot": candidate.dataSnapshot, "metadata": .object(metadata),
      ]
      for (key, value) in periods[candidate.key] ?? [:] {
        if let value { element[key] = .string(Date.decodeTimestamp(value)) }
      }
      payload.append(.object(element))
      report.insights.append(.init(insightType: candidate.insightType, subjectKey: candidate.subjectKey, title: insight.title, source: source))
    }
    guard let runId else { return report }
    report.persisted = try connection.transaction {
      let persisted = try connection.scalar("select insights.persist_insights(\(org), \(runId), \(JSONValue.array(payload)))", as: JSONValue.self)
      try connection.execute(
        """
        select insights.finish_run(\(runId), 'completed', null, null, \(result.model), \(result.promptTokens)::int,
                                   \(result.completionTokens)::int, \(result.durationMilliseconds)::int, null, \(fallbacksJSON))
        """)
      return persisted
    }
    return report
  }

  /// The scheduled batch: organizations due (enough data, no run in 20 hours), then expire_stale.
  public func generateAll(connection: Connection, limit: Int, dryRun: Bool) async throws -> (reports: [GenerationReport], expired: Int) {
    let due = try connection.query("select org_id from insights.orgs_due(\(limit)::int)").rows.map { try $0.decode("org_id", as: UUID.self) }
    var reports: [GenerationReport] = []
    for org in due {
      do {
        reports.append(try await generate(org: org, connection: connection, manual: false, dryRun: dryRun))
      } catch let error as GenerationError {
        reports.append(
          GenerationReport(
            orgId: org, runId: nil, dryRun: dryRun, candidates: 0, insights: [], fallbacks: [], model: nil, promptTokens: 0,
            completionTokens: 0, durationMs: 0, persisted: nil, error: error.description))
      }
    }
    let expired = dryRun ? 0 : try connection.scalar("select insights.expire_stale()", as: Int.self) ?? 0
    return (reports, expired)
  }
}

extension Date {
  /// PostgreSQL's timestamptz text, as ISO 8601 for jsonb (`2026-06-15 12:00:00+00` -> `2026-06-15T12:00:00+00:00`).
  static func decodeTimestamp(_ text: String) -> String {
    guard let date = try? Date.decode(postgresText: text, typeOID: 1184) else { return text }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }
}
