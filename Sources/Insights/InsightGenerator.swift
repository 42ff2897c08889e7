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
  /// Events, new subscribers and orders the run read (insights.count_data_points).
  public var dataPointsAnalyzed: Int?

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
  /// Once the run is started it always ends: completed, or failed with its reason (scrubbed
  /// of keys), never left processing.
  public func generate(org: UUID, connection: Connection, manual: Bool, dryRun: Bool) async throws -> GenerationReport {
    guard !dryRun else { return await process(org: org, runId: nil, connection: connection) }
    // As the worker does: a run left processing by a process that died would otherwise hold
    // the organization's manual slot (IN001) until the hour is over. The run is tied to this
    // session in the statement that starts it (insights.hold_run), so if this process dies the
    // next generation fails it at once instead of after 30 minutes.
    _ = try Self.failAbandonedRuns(connection: connection)
    let runId: UUID?
    let tie = Self.keepsOwnSession(connection)
    do {
      runId =
        try tie
        ? connection.scalar("select insights.hold_run(insights.start_run(\(org), \(manual)))", as: UUID.self)
        : connection.scalar("select insights.start_run(\(org), \(manual))", as: UUID.self)
    } catch let error as PostgresError where ["IN001", "IN002", "42501", "P0002"].contains(error.code.rawValue) {
      throw GenerationError(code: error.code.rawValue, message: error.message, hint: error.hint)
    }
    return await process(org: org, runId: runId, connection: connection)
  }

  /// What one run reads before phrasing.
  struct Inputs {
    var candidates: [InsightCandidate]
    var periods: [InsightKey: [String: String?]]
    var profile: OrgProfile
    var active: [ActiveInsight]
    var vocabulary: OrgVocabulary
    var dataPoints: Int
    var insightTypes: Set<String>
  }

  func inputs(org: UUID, connection: Connection) throws -> Inputs {
    let rows = try connection.query(
      """
      select insight_type::text, category::text, subject_key, priority::text, confidence::float8, data_snapshot,
             insights.candidate_facts(data_snapshot) as facts,
             title, description, action_suggestion, period_start, period_end, comparison_start, comparison_end
        from insights.detect_candidates(\(org))
      """
    ).rows
    var periods: [InsightKey: [String: String?]] = [:]
    let candidates = try rows.map { row in
      let facts = try JSONDecoder().decode([Fact].self, from: Data((row["facts"] ?? "[]").utf8))
      let candidate = InsightCandidate(
        insightType: try row.decode("insight_type"), category: try row.decode("category"),
        subjectKey: try row.decode("subject_key"), priority: try row.decode("priority"),
        confidence: try row.decode("confidence"), dataSnapshot: try row.decode("data_snapshot"),
        title: try row.decode("title"), description: try row.decode("description"),
        actionSuggestion: try row.decode("action_suggestion", as: String?.self) ?? "", facts: facts)
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
    let names = try connection.scalar("select insights.org_vocabulary(\(org))", as: [String].self) ?? []
    let dataPoints = try dataPoints(org: org, connection: connection)
    let types = try connection.scalar("select pg_catalog.enum_range(null::insights.insight_type)::text[]", as: [String].self) ?? []
    return Inputs(
      candidates: candidates, periods: periods, profile: profile, active: active, vocabulary: OrgVocabulary(names: names, organization: [profile.name] + (profile.displayName.map { [$0] } ?? [])),
      dataPoints: dataPoints, insightTypes: Set(types))
  }

  /// Events, new subscribers and orders of the comparison and analysed periods
  /// (insights.count_data_points): recorded on every run.
  func dataPoints(org: UUID, connection: Connection) throws -> Int {
    try connection.scalar(
      """
      select insights.count_data_points(\(org), b.comparison_start, b.period_end)::int8
        from insights.period_bounds(\(org)) b
      """, as: Int.self) ?? 0
  }

  /// Detects, phrases, checks and stores one organization's insights under `runId` (nil: a
  /// dry run, nothing written). Never throws: any failure after the run started ends it as
  /// failed, with the (scrubbed) reason in the report and in the run.
  public func process(org: UUID, runId: UUID?, connection: Connection) async -> GenerationReport {
    let scrubber = phraser.scrubber
    var report = GenerationReport(
      orgId: org, runId: runId, dryRun: runId == nil, candidates: 0, insights: [], fallbacks: [], model: nil, promptTokens: 0,
      completionTokens: 0, durationMs: 0, persisted: nil, error: nil)
    var dataPoints: Int?
    do {
      dataPoints = try self.dataPoints(org: org, connection: connection)
      let inputs = try inputs(org: org, connection: connection)
      dataPoints = inputs.dataPoints
      report.dataPointsAnalyzed = inputs.dataPoints
      report.candidates = inputs.candidates.count
      let result = await phraser.phrase(
        candidates: inputs.candidates, org: inputs.profile, activeInsights: inputs.active, vocabulary: inputs.vocabulary)
      // Everything the model or the server wrote, made storable (no NUL or control character,
      // bounded lengths, int4 counts) before it reaches SQL or the terminal.
      report.model = result.model.map { RunText.clean($0, limit: RunText.maxModel) }
      report.promptTokens = RunText.count(result.promptTokens)
      report.completionTokens = RunText.count(result.completionTokens)
      report.durationMs = RunText.count(result.durationMilliseconds)
      report.fallbacks = result.fallbacks.map(RunText.clean)
      if let error = result.error {
        report.error = RunText.clean(error, limit: RunText.maxError, newlines: true)
        if let runId { try finishFailed(runId, report: report, dataPoints: dataPoints, connection: connection) }
        return report
      }
      let payload = storable(result, inputs: inputs, report: &report)
      report.fallbacks = RunText.capped(report.fallbacks)
      guard let runId else { return report }
      let fallbacksJSON = Self.fallbacksJSON(report.fallbacks)
      report.persisted = try connection.transaction {
        let persisted = try connection.scalar(
          "select insights.persist_insights(\(org), \(runId), \(JSONValue.array(payload)))", as: JSONValue.self)
        try connection.execute(
          """
          select insights.finish_run(\(runId), 'completed', null, \(max(0, inputs.dataPoints))::int8, \(report.model),
                                     \(report.promptTokens)::int, \(report.completionTokens)::int,
                                     \(report.durationMs)::int, null, \(fallbacksJSON))
          """)
        return persisted
      }
      return report
    } catch {
      let message = RunText.clean(scrubber.scrub((error as? GenerationError)?.message ?? "\(error)"), limit: RunText.maxError, newlines: true)
      report.error = message
      report.insights = []
      report.persisted = nil
      report.fallbacks = RunText.capped(report.fallbacks.map(RunText.clean))
      if let runId {
        do {
          try finishFailed(runId, report: report, dataPoints: dataPoints, connection: connection)
        } catch {
          report.error = message + "; recording the failure failed too: "
            + RunText.clean(scrubber.scrub("\(error)"), limit: RunText.maxError, newlines: true)
        }
      }
      return report
    }
  }

  /// Ends the run as failed. Every value is made storable first; if recording it fails all the
  /// same (whatever the reason), the run is recorded again with the error alone, ASCII, short,
  /// and no model, tokens or fallbacks, so that a failure never leaves the run processing
  /// because of what it records.
  private func finishFailed(_ runId: UUID, report: GenerationReport, dataPoints: Int?, connection: Connection) throws {
    let error = RunText.clean(report.error.map { $0.isEmpty ? "failed" : $0 } ?? "failed", limit: RunText.maxError, newlines: true)
    let points = dataPoints.map { max(0, $0) }
    do {
      try connection.execute(
        """
        select insights.finish_run(\(runId), 'failed', 0, \(points)::int8,
                                   \(report.model.map { RunText.clean($0, limit: RunText.maxModel) }),
                                   \(RunText.count(report.promptTokens))::int, \(RunText.count(report.completionTokens))::int,
                                   \(RunText.count(report.durationMs))::int, \(error),
                                   \(Self.fallbacksJSON(report.fallbacks)))
        """)
    } catch let first {
      let minimal = RunText.ascii(error + " (recorded without details: \(phraser.scrubber.scrub("\(first)")))", limit: 1_000)
      try connection.execute(
        """
        select insights.finish_run(\(runId), 'failed', 0, null, null, null, null, null, \(minimal), '[]'::jsonb)
        """)
    }
  }

  /// Whether runs may be tied to this connection's session (insights.hold_run): it keeps one
  /// server session, directly or through a session pooler (``Connection/requireOwnSession(for:rounds:)``).
  /// Through a transaction pooler the lock would stay on a server session other clients share
  /// and outlive this process, or go with that session while this one still works; then runs
  /// are not tied, and only the 30 minutes of insights.fail_abandoned_runs apply to them.
  static func keepsOwnSession(_ connection: Connection) -> Bool {
    (try? connection.requireOwnSession(for: "insights")) != nil
  }

  /// Fails runs whose session ended (tied by insights.hold_run, their lock free) and runs left
  /// processing for more than `afterMinutes` (insights.fail_abandoned_runs): the worker does it
  /// before it takes runs, a generation before it starts one, a batch before it reads which
  /// organizations already have a run.
  static func failAbandonedRuns(connection: Connection, afterMinutes: Int = 30) throws -> Int {
    try connection.scalar("select insights.fail_abandoned_runs(\(afterMinutes)::int)", as: Int.self) ?? 0
  }

  /// The fallbacks as stored (`generation_runs.fallbacks`), every string storable.
  static func fallbacksJSON(_ fallbacks: [Fallback]) -> JSONValue {
    JSONValue.array(RunText.capped(fallbacks).map(RunText.clean).map {
      ["kind": .string($0.kind.rawValue), "insight_type": .string($0.insightType), "subject_key": .string($0.subjectKey),
       "reason": .string($0.reason)]
    })
  }

  /// The elements for insights.persist_insights: each checked against the database's own
  /// rules (``StoredInsightRules``) first, so one bad element never rejects the batch. Model
  /// text that breaks one falls back to the template wording; a template that breaks one is
  /// left out; both are recorded as fallbacks.
  func storable(_ result: PhrasingResult, inputs: Inputs, report: inout GenerationReport) -> [JSONValue] {
    let byKey = Dictionary(inputs.candidates.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    let rules = StoredInsightRules(insightTypes: inputs.insightTypes)
    var payload: [JSONValue] = []
    for phrased in result.insights {
      guard let candidate = byKey[phrased.key] else { continue }
      var insight = phrased
      if result.model == TemplateProvider.modelName { insight.source = .template }
      if insight.source == .llm, let problem = rules.violation(insight, candidate: candidate) {
        report.fallbacks.append(
          Fallback(kind: .template, insightType: candidate.insightType, subjectKey: candidate.subjectKey, reason: problem))
        insight = candidate.templatePhrasing(rank: phrased.rank)
      }
      if insight.source == .template, let problem = rules.violation(insight, candidate: candidate) {
        report.fallbacks.append(
          Fallback(
            kind: .ignored, insightType: candidate.insightType, subjectKey: candidate.subjectKey,
            reason: "the template wording breaks a rule of the database (\(problem)); not stored"))
        continue
      }
      var metadata: [String: JSONValue] = ["source": .string(insight.source.rawValue), "rank": .number(Double(insight.rank))]
      if let model = report.model { metadata["model"] = .string(model) }
      if let reason = report.fallbacks.last(where: { $0.kind == .template && $0.insightType == candidate.insightType && $0.subjectKey == candidate.subjectKey })?.reason,
        insight.source == .template
      {
        metadata["fallback_reason"] = .string(reason)
      }
      var element: [String: JSONValue] = [
        "insight_type": .string(candidate.insightType), "subject_key": .string(candidate.subjectKey),
        "confidence": .number(candidate.confidence), "title": .string(insight.title),
        "description": .string(insight.description), "action_suggestion": .string(insight.actionSuggestion),
        "data_snapshot": candidate.dataSnapshot, "metadata": .object(metadata),
      ]
      for (key, value) in inputs.periods[candidate.key] ?? [:] {
        if let value { element[key] = .string(Date.decodeTimestamp(value)) }
      }
      payload.append(.object(element))
      report.insights.append(
        .init(insightType: candidate.insightType, subjectKey: candidate.subjectKey, title: insight.title, source: insight.source.rawValue))
    }
    return payload
  }

  /// The scheduled batch: organizations due (enough data, no run in 20 hours), then expire_stale.
  public func generateAll(connection: Connection, limit: Int, dryRun: Bool) async throws -> (reports: [GenerationReport], expired: Int) {
    if !dryRun { _ = try Self.failAbandonedRuns(connection: connection) }
    let due = try connection.query("select org_id from insights.orgs_due(\(limit)::int)").rows.map { try $0.decode("org_id", as: UUID.self) }
    let reports = try await generateBatch(due, connection: connection, dryRun: dryRun)
    let expired = dryRun ? 0 : try connection.scalar("select insights.expire_stale()", as: Int.self) ?? 0
    return (reports, expired)
  }

  /// Generates for each organization of a batch that is still due when its turn comes: one
  /// whose run (not failed) another batch started since the list was read is skipped, so two
  /// batches at once call the model once per organization, not twice.
  func generateBatch(_ due: [UUID], connection: Connection, dryRun: Bool) async throws -> [GenerationReport] {
    var reports: [GenerationReport] = []
    for org in due {
      let started = try connection.scalar(
        """
        select exists (select 1 from insights.generation_runs as r
                        where r.org_id = \(org) and r.status <> 'failed'
                          and r.created_at > pg_catalog.now()
                                             - pg_catalog.make_interval(hours => insights.threshold('schedule.run_interval_hours')::integer))
        """, as: Bool.self)
      if started == true, !dryRun { continue }
      do {
        reports.append(try await generate(org: org, connection: connection, manual: false, dryRun: dryRun))
      } catch let error as GenerationError {
        reports.append(
          GenerationReport(
            orgId: org, runId: nil, dryRun: dryRun, candidates: 0, insights: [], fallbacks: [], model: nil, promptTokens: 0,
            completionTokens: 0, durationMs: 0, persisted: nil, error: error.description))
      }
    }
    return reports
  }

  /// What `insights work` did.
  public struct WorkReport: Sendable, Codable, Equatable {
    /// Runs left processing by a stopped worker, now failed.
    public var abandoned: Int
    /// With `due`: scheduled runs queued for the organizations due.
    public var enqueued: Int
    /// With `due`: stale insights expired.
    public var expired: Int
    public var runs: [GenerationReport]
  }

  /// Processes pending runs (requested through public.request_insight_generation or queued
  /// by insights.enqueue_due), oldest first, at most `limit`. First fails runs left
  /// processing for more than `abandonAfterMinutes`; with `due`, first queues the
  /// organizations due and expires stale insights (the daily schedule).
  public func work(connection: Connection, limit: Int, due: Bool, dueLimit: Int = 100, abandonAfterMinutes: Int = 30) async throws
    -> WorkReport
  {
    var report = WorkReport(abandoned: 0, enqueued: 0, expired: 0, runs: [])
    report.abandoned = try Self.failAbandonedRuns(connection: connection, afterMinutes: abandonAfterMinutes)
    if due {
      report.enqueued = try connection.scalar("select insights.enqueue_due(\(dueLimit)::int)", as: Int.self) ?? 0
      report.expired = try connection.scalar("select insights.expire_stale()", as: Int.self) ?? 0
    }
    let tie = Self.keepsOwnSession(connection)
    while report.runs.count < limit {
      // Claimed and tied to this session in one statement (insights.hold_run).
      guard let row = try (tie
        ? connection.query("select insights.hold_run(c.run_id) as run_id, c.org_id from insights.claim_pending_run() as c")
        : connection.query("select run_id, org_id from insights.claim_pending_run()")).first
      else { break }
      let runId = try row.decode("run_id", as: UUID.self)
      let org = try row.decode("org_id", as: UUID.self)
      report.runs.append(await process(org: org, runId: runId, connection: connection))
    }
    return report
  }
}

/// The checks insights.persist_insights and the ai_insights constraints apply to one
/// element, in Swift, so that a bad element falls back instead of failing the batch: a known
/// insight type, subject_key 1 to 200 characters, confidence 0 to 1, title 1 to 80
/// characters, description 1 to 500, action_suggestion at most 300 (code points, as
/// `char_length` counts; blank means only whitespace), no control character (NUL, tab, line
/// break, escape, ...) and no e-mail address in the texts.
public struct StoredInsightRules: Sendable {
  public var insightTypes: Set<String>

  public init(insightTypes: Set<String>) {
    self.insightTypes = insightTypes
  }

  public func violation(_ insight: PhrasedInsight, candidate: InsightCandidate) -> String? {
    func blank(_ text: String) -> Bool { text.trimmingCharacters(in: .whitespaces).isEmpty }
    if !insightTypes.isEmpty, !insightTypes.contains(candidate.insightType) { return "unknown insight_type \(candidate.insightType)" }
    if blank(candidate.subjectKey) || candidate.subjectKey.unicodeScalars.count > 200 { return "subject_key must be 1 to 200 characters" }
    if !(0...1).contains(candidate.confidence) { return "confidence must be from 0 to 1" }
    if blank(insight.title) || insight.title.unicodeScalars.count > 80 { return "title must be 1 to 80 characters" }
    if blank(insight.description) || insight.description.unicodeScalars.count > 500 {
      return "description must be 1 to 500 characters"
    }
    if insight.actionSuggestion.unicodeScalars.count > 300 { return "action_suggestion must be at most 300 characters" }
    for (field, text) in [("title", insight.title), ("description", insight.description), ("action_suggestion", insight.actionSuggestion)]
    where text.unicodeScalars.contains(where: RunText.isControl) {
      return "\(field) must not contain control characters"
    }
    let texts = [insight.title, insight.description, insight.actionSuggestion].joined(separator: " ")
    if texts.contains(Self.emailPattern) { return "texts must not contain e-mail addresses" }
    return nil
  }

  private static var emailPattern: Regex<Substring> { /(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}/ }
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

/// What a run records from the model or the server, made storable: PostgreSQL text and jsonb
/// hold no NUL (22P05, 22021), control characters would reach terminals, and an unbounded model
/// name or fallback list would be stored on the run and on every insight.
enum RunText {
  /// `generation_runs.model_used` and `metadata.model` (as the providers cut it).
  static let maxModel = ReplyChecks.maxModelName
  /// `generation_runs.error`.
  static let maxError = 2_000
  /// A fallback's reason; its insight_type and subject_key get ``maxKey``.
  static let maxReason = 500
  static let maxKey = 200
  /// Fallbacks recorded on a run; the rest are counted in one last entry.
  static let maxFallbacks = 50

  /// C0 controls, DEL and C1 controls.
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }

  /// `text` without NUL, every other control character written as `\u{1B}` (a line break
  /// kept when `newlines`), at most `limit` characters as written (then `…`).
  static func clean(_ text: String, limit: Int, newlines: Bool = false) -> String {
    var result = String.UnicodeScalarView()
    var count = 0
    for scalar in text.unicodeScalars where scalar.value != 0 {
      let piece =
        isControl(scalar) && !(newlines && scalar == "\n")
        ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars : String(scalar).unicodeScalars
      if count + piece.count > limit {
        result.append("…")
        break
      }
      result.append(contentsOf: piece)
      count += piece.count
    }
    return String(result)
  }

  static func clean(_ fallback: Fallback) -> Fallback {
    Fallback(
      kind: fallback.kind, insightType: clean(fallback.insightType, limit: maxKey), subjectKey: clean(fallback.subjectKey, limit: maxKey),
      reason: clean(fallback.reason, limit: maxReason))
  }

  /// At most ``maxFallbacks``: the first ones, then one entry saying how many more there were.
  static func capped(_ fallbacks: [Fallback]) -> [Fallback] {
    guard fallbacks.count > maxFallbacks else { return fallbacks }
    return Array(fallbacks.prefix(maxFallbacks - 1))
      + [Fallback(kind: .ignored, insightType: "", subjectKey: "", reason: "\(fallbacks.count - maxFallbacks + 1) more fallbacks not recorded")]
  }

  /// Printable ASCII only (space to `~`), at most `limit` characters; "failed" when nothing is left.
  static func ascii(_ text: String, limit: Int) -> String {
    let kept = String(String.UnicodeScalarView(text.unicodeScalars.filter { (0x20...0x7E).contains($0.value) }.prefix(limit)))
    return kept.trimmingCharacters(in: .whitespaces).isEmpty ? "failed" : kept
  }

  /// A count for an int4 column: 0 ... Int32.max.
  static func count(_ value: Int) -> Int { min(max(0, value), Int(Int32.max)) }
}
