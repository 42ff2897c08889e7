// The generation queue end to end: an app requests (public.request_insight_generation), a
// worker processes (`InsightGenerator.work`, what `audiencectl insights work` runs), the app
// polls the run. Demo data in a real PostgreSQL; the failing provider is a loopback server.
import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Insights

@Suite("generation queue: request, work, poll, rate limit, failure")
struct QueueTests {
  static func request(_ connection: Connection, _ org: UUID) throws -> (UUID, String) {
    let row = try #require(try connection.query("select run_id, status::text from public.request_insight_generation(\(org))").first)
    return (try row.decode("run_id"), try row.decode("status"))
  }

  static func poll(_ connection: Connection, _ run: UUID) throws -> [String: String?] {
    let row = try #require(
      try connection.query(
        "select status::text, error, insights_generated, data_points_analyzed, started_at is not null as started from insights.generation_runs where id = \(run)"
      ).first)
    return ["status": row["status"], "error": row["error"], "insights_generated": row["insights_generated"],
            "data_points_analyzed": row["data_points_analyzed"], "started": row["started"]]
  }

  @Test("request -> pending; a second request is rate limited; a failed run frees the slot; work completes the next one")
  func queue() async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    let (first, status) = try Self.request(connection, org)
    #expect(status == "pending")
    #expect(try Self.poll(connection, first)["status"] == "pending")
    do {
      _ = try Self.request(connection, org)
      Issue.record("a second request within the hour must be refused")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "IN001")
      #expect(error.hint?.contains("try again in") == true)
    }

    // The provider is down: the run ends failed with the reason, nothing is stored.
    try await StubServer.with([Wire.openai.overloaded()]) { server in
      let generator = InsightGenerator(phraser: try InsightPhraser(provider: Wire.openai.provider(server)))
      let work = try await generator.work(connection: connection, limit: 10, due: false)
      #expect(work.runs.count == 1)
      #expect(work.runs.first?.runId == first)
      #expect(work.runs.first?.error?.contains("HTTP 500") == true)
    }
    let failed = try Self.poll(connection, first)
    #expect(failed["status"] == "failed")
    #expect(failed["error"]??.contains("HTTP 500") == true)
    #expect(failed["started"] == "t")
    #expect(failed["data_points_analyzed"]! != nil)
    #expect(try connection.scalar("select count(*)::int from insights.ai_insights where org_id = \(org)", as: Int.self) == 0)

    // A failed run does not consume the rate limit.
    let (second, _) = try Self.request(connection, org)
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let work = try await generator.work(connection: connection, limit: 10, due: false)
    #expect(work.runs.map(\.runId) == [second])
    let done = try Self.poll(connection, second)
    #expect(done["status"] == "completed")
    #expect(done["error"]! == nil)
    #expect(done["insights_generated"] == "8")
    #expect(try connection.scalar("select count(*)::int from insights.ai_insights where org_id = \(org) and generation_run_id = \(second)", as: Int.self) == 8)
    // Nothing left to do.
    #expect(try await generator.work(connection: connection, limit: 10, due: false).runs.isEmpty)
  }

  @Test("a failure after phrasing (persist_insights refuses the batch) ends the run failed with its reason and data points; nothing stored")
  func persistFailure() async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    // A run of another organization: persist_insights refuses it (22023) after phrasing.
    let run = try #require(
      try connection.scalar(
        """
        insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, started_at)
        select id, 'processing', true, now() - interval '30 days', now(), now() from app.organizations where slug = 'demo-southern-lights'
        returning id
        """, as: UUID.self))
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let report = await generator.process(org: org, runId: run, connection: connection)
    #expect(report.error?.contains("belongs to another organization") == true)
    #expect(report.insights.isEmpty)
    let polled = try Self.poll(connection, run)
    #expect(polled["status"] == "failed")
    #expect(polled["error"]! == report.error)
    #expect(polled["data_points_analyzed"]! != nil)
    #expect(try connection.scalar("select count(*)::int from insights.ai_insights", as: Int.self) == 0)
  }

  @Test("an organization without 20 link clicks is refused with IN002 and a hint; nothing is queued")
  func insufficientData() throws {
    let (db, _, connection) = try demoDatabase()
    _ = db
    try connection.execute("insert into app.organizations (id, slug, name, kind) values ('00000000-0000-4000-8000-000000000013', 'thin-13', 'Thin', 'artist')")
    do {
      _ = try Self.request(connection, UUID(uuidString: "00000000-0000-4000-8000-000000000013")!)
      Issue.record("an organization without data must be refused")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "IN002")
      #expect(error.hint == "Insights need more audience activity: share your links, then try again in a few days.")
    }
    #expect(try connection.scalar("select count(*)::int from insights.generation_runs", as: Int.self) == 0)
  }

  @Test("--due queues every organization due and processes it; a run left processing is failed as abandoned")
  func due() async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    try connection.execute(
      """
      insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, created_at, started_at)
      select id, 'processing', true, now() - interval '30 days', now(), now() - interval '2 hours', now() - interval '2 hours'
        from app.organizations where slug = 'demo-southern-lights'
      """)
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    let work = try await generator.work(connection: connection, limit: 10, due: true)
    #expect(work.abandoned == 1)
    let abandoned = try connection.scalar("select error from insights.generation_runs where status = 'failed'", as: String.self)
    #expect(abandoned == "abandoned: still processing after 30 minutes (the worker stopped before finishing it)")
    // Of the demo organizations only demo-nachtfalter has more than 50 link clicks.
    #expect(work.enqueued == 1)
    #expect(work.runs.map(\.orgId) == [org])
    #expect(work.runs.allSatisfy { $0.error == nil })
    #expect(try connection.scalar("select count(*)::int from insights.orgs_due(100)", as: Int.self) == 0)
    #expect(try connection.scalar("select count(*)::int from insights.generation_runs where status = 'completed' and not is_manual", as: Int.self) == 1)
  }

  @Test(
    "insights generate killed (kill -9) while the provider is slow: its run holds the manual slot while it lives, and is failed at once when it dies",
    .timeLimit(.minutes(2)))
  func killedGeneration() async throws {
    let (db, org, connection) = try demoDatabase()
    let root = TestEnvironment.packageRoot.path
    let orgText = org.uuidString.lowercased()
    var slowReply = Wire.anthropic.reply(Fixtures.goodAnswer)
    slowReply.delay = .seconds(20)
    try await StubServer.with([slowReply]) { server in
      let slow = try CLIProcess(
        ["insights", "generate", "--org", orgText, "--url", db.url, "--project", root],
        environment: ["AUDIENCE_LLM_PROVIDER": "anthropic", "AUDIENCE_LLM_BASE_URL": server.baseURL.absoluteString,
                      "ANTHROPIC_API_KEY": Fixtures.anthropicKey])
      // The run is processing and its request reached the provider, which takes 20 s to answer.
      var asked = 0
      for _ in 0..<400 where asked == 0 {
        asked = await server.requests.count
        if asked == 0 { try await Task.sleep(for: .milliseconds(50)) }
      }
      #expect(asked == 1)
      let run = try #require(try connection.scalar("select id from insights.generation_runs where status = 'processing'", as: UUID.self))

      // Alive (waiting for the provider): a second manual generation is refused, and says why.
      let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
      do {
        _ = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
        Issue.record("a run processing in a live session must hold the manual slot")
      } catch let error as GenerationError {
        #expect(error.code == "IN001")
        #expect(error.message.hasPrefix("a manual generation for organization \(orgText) requested at "))
        #expect(error.message.hasSuffix(" is still processing; the next manual generation is possible in 60 minute(s)"))
        #expect(error.hint == "An organization may start one manual generation every 60 minutes; try again in 60 minute(s), or wait for the scheduled batch.")
      }
      #expect(try Self.poll(connection, run)["status"] == "processing")

      // kill -9: its session ends with it; the next manual generation fails the run at once and runs.
      slow.kill(signal: SIGKILL)
      _ = try await slow.finish()
      #expect(
        try await waitUntil {
          try connection.scalar(
            "select count(*)::int from pg_catalog.pg_stat_activity where datname = pg_catalog.current_database() and pid <> pg_catalog.pg_backend_pid()",
            as: Int.self) == 0
        })
      let report = try await generator.generate(org: org, connection: connection, manual: true, dryRun: false)
      #expect(report.error == nil)
      #expect(report.insights.count == 8)
      let killed = try Self.poll(connection, run)
      #expect(killed["status"] == "failed")
      #expect(killed["error"]! == "abandoned: the session processing it ended before it finished (its process stopped or lost the connection)")
      #expect(killed["insights_generated"] == "0")
      let statuses = try connection.query("select status::text || '=' || count(*) as s from insights.generation_runs group by status order by 1").rows
        .map { try $0.decode("s", as: String.self) }
      #expect(statuses == ["completed=1", "failed=1"])
      // Both runs were tied to their session; the completed one released its lock.
      #expect(try connection.scalar("select count(*)::int from insights.generation_runs where session_lock is null", as: Int.self) == 0)
      #expect(
        try connection.scalar(
          """
          select count(*)::int from pg_catalog.pg_locks l join insights.generation_runs r
              on l.classid = ((r.session_lock >> 32) & 4294967295)::oid and l.objid = (r.session_lock & 4294967295)::oid
           where l.locktype = 'advisory' and l.objsubid = 1
             and l.database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
          """, as: Int.self) == 0)
    }
  }

  @Test("a batch skips an organization whose run another batch started after the list was read; a failed run does not count")
  func batchSkipsStarted() async throws {
    let (db, org, connection) = try demoDatabase()
    _ = db
    try connection.execute(
      """
      insert into insights.generation_runs (org_id, status, is_manual, period_start, period_end, created_at)
      values (\(org), 'processing', false, now() - interval '30 days', now(), now())
      """)
    let generator = InsightGenerator(phraser: try InsightPhraser(provider: TemplateProvider()))
    #expect(try await generator.generateBatch([org], connection: connection, dryRun: false).isEmpty)
    try connection.execute("update insights.generation_runs set status = 'failed', error = 'killed', finished_at = now() where org_id = \(org)")
    let reports = try await generator.generateBatch([org], connection: connection, dryRun: false)
    #expect(reports.map(\.error) == [nil])
    #expect(try connection.scalar("select count(*)::int from insights.generation_runs where org_id = \(org) and status = 'completed'", as: Int.self) == 1)
  }
}
