// refresh and schedule install against the project's schema: steps in dependency order,
// a failing step, overlapping runs, a running migrate, pg_cron or the crontab line.
import Foundation
import PostgresClient
import Refresh
import TestSupport
import Testing

/// A fresh database with the project's schema applied.
func migratedDatabase() throws -> TestDatabase {
  let db = try TestDatabase()
  let result = try audiencectl(["migrate", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
  guard result.status == 0 else { throw PostgresError(code: .clientError, message: "migrate failed: \(result.stderr)") }
  return db
}

@Suite("refresh")
struct RefreshTests {
  static let refreshKey: Int64 = 7_022_629_572_271_931_394
  static let migrateKey: Int64 = 7_022_629_572_271_931_393

  func refresh(_ db: TestDatabase, _ extra: [String] = []) throws -> CLIResult {
    try audiencectl(["refresh", "--url", db.url, "--project", TestEnvironment.packageRoot.path] + extra)
  }

  @Test("views refresh in dependency order, concurrently when possible; a failing step is logged and fails the run")
  func stepsAndFailures() throws {
    let db = try migratedDatabase()
    let connection = try db.connect()
    try connection.runScript(
      """
      create table private.t (x int);
      insert into private.t values (1), (2);
      create materialized view private.mv_z as select x from private.t;
      create unique index index_mv_z_on_x on private.mv_z (x);
      create materialized view private.mv_a as select sum(x) as total from private.mv_z;
      create materialized view private.mv_ratio as select 10 / (select count(*) from private.t where x > 5) as ratio with no data;
      """)
    let result = try refresh(db, ["--json"])
    #expect(result.status == 1)
    let report = try JSONValue.parse(result.stdout)
    let steps = report["steps"]?.arrayValue ?? []
    let names = steps.compactMap { $0["step"]?.stringValue }
    // Partitions first, maintenance last; this test's views by dependency depth (mv_a reads mv_z), then name.
    #expect(names.first == "analytics.ensure_partitions")
    #expect(names.suffix(4) == ["audience.update_customers", "usage.detect_anomalies", "usage.generate_recommendations", "analytics.apply_retention"])
    // The insight aggregates read raw events only: among the level-0 rollups.
    #expect(names.firstIndex(of: "insights.refresh_aggregates")! < names.firstIndex(of: "analytics.org_daily_stats")!)
    #expect(!names.contains("analytics.aggregate_daily"))
    #expect(names.contains("analytics.visitor_daily_counts"))
    #expect(names.firstIndex(of: "analytics.org_daily_stats")! > names.firstIndex(of: "analytics.visitor_daily_counts")!)
    #expect(names.filter { ["private.mv_ratio", "private.mv_z", "private.mv_a"].contains($0) } == ["private.mv_ratio", "private.mv_z", "private.mv_a"])
    #expect(names.firstIndex(of: "private.mv_a")! > names.firstIndex(of: "private.mv_z")!)
    let failed = steps.filter { $0["error"] != nil }
    #expect(failed.count == 1)
    #expect(failed.first?["step"] == "private.mv_ratio")
    #expect(failed.first?["error"] == "22012: division by zero")
    #expect(try connection.scalar("select total::int from private.mv_a", as: Int.self) == 3)
    let logged = try connection.scalar("select count(*)::int from private.refresh_log where error is not null and step = 'private.mv_ratio'", as: Int.self)
    #expect(logged == 1)

    try connection.execute("insert into private.t values (7)")
    let only = try refresh(db, ["--only", "private.mv_ratio"])
    #expect(only.status == 0, "\(only.stderr)")
    #expect(only.stdout.contains("ok   private.mv_ratio"))
    let lines = only.stdout.split(separator: "\n")
    #expect(lines.count == 3)
    #expect(lines.last?.wholeMatch(of: /refreshed 1 steps in \d+ ms/) != nil)
    #expect(try connection.scalar("select ratio::int from private.mv_ratio", as: Int.self) == 10)

    let unknown = try refresh(db, ["--only", "private.nope"])
    #expect(unknown.status == 1)
    #expect(unknown.stderr.hasPrefix("error: no refresh step is named private.nope"))
  }

  @Test("--views-max-age keeps the cohorts view while it is younger; a plain refresh or --only recomputes it")
  func cohortsViewMaxAge() throws {
    let db = try migratedDatabase()
    let connection = try db.connect()
    let asOf = "select as_of::text from private.mv_cohort_retention where org_id = '00000000-0000-0000-0000-000000000000'"
    #expect(try refresh(db).status == 0)
    let first = try connection.scalar(SQL(unsafeSQL: asOf), as: String.self)
    #expect(first != nil)
    let kept = try refresh(db, ["--views-max-age", "60m", "--json"])
    #expect(kept.status == 0, "\(kept.stderr)")
    #expect(try JSONValue.parse(kept.stdout)["steps"]?.arrayValue?.contains { $0["step"] == "private.mv_cohort_retention" } == true)
    #expect(try connection.scalar(SQL(unsafeSQL: asOf), as: String.self) == first)
    #expect(try refresh(db, ["--views-max-age", "0m"]).stderr.contains("--views-max-age 0m: give whole minutes or hours"))
    // Named alone, it is recomputed whatever the age.
    #expect(try refresh(db, ["--only", "private.mv_cohort_retention", "--views-max-age", "1h"]).status == 0)
    let second = try connection.scalar(SQL(unsafeSQL: asOf), as: String.self)
    #expect(second != nil && second != first)
    #expect(try refresh(db).status == 0)
    let third = try connection.scalar(SQL(unsafeSQL: asOf), as: String.self)
    #expect(third != nil && third != second)
  }

  @Test("refresh applies the 90-day retention as its last step, once per UTC day")
  func retentionStep() async throws {
    // Blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().retentionStepBody() }
  }

  func retentionStepBody() throws {
    let db = try migratedDatabase()
    let connection = try db.connect()
    // An organization with one event in a partition of March 2001 (long before the cutoff).
    try connection.runScript(
      """
      insert into app.organizations (id, slug, name, kind) values ('00000000-0000-4000-8000-00000000e002', 'ret', 'Ret', 'artist');
      create table analytics.events_p2001_03 (like analytics.events including defaults including constraints including storage);
      alter table analytics.events attach partition analytics.events_p2001_03 for values from ('2001-03-01Z') to ('2001-04-01Z');
      insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
      values ('00000000-0000-4000-8000-00000000e002', '2001-03-10Z', now() - interval '1 hour', 'page_view', 'v1');
      """)
    let first = try refresh(db)
    #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
    #expect(first.stdout.contains("ok   analytics.apply_retention"))
    // The rollups covered the event, so its month was dropped; the horizon moved to April 2001.
    #expect(try connection.scalar("select to_regclass('analytics.events_p2001_03') is null", as: Bool.self) == true)
    #expect(try connection.scalar("select last_cutoff = (date_trunc('day', now() at time zone 'UTC') - interval '90 days') at time zone 'UTC' from analytics.retention_state", as: Bool.self) == true)
    #expect(try connection.scalar("select events from analytics.org_daily_stats where org_id = '00000000-0000-4000-8000-00000000e002' and day = '2001-03-10'", as: Int.self) == 1)
    // The same UTC day again: the step runs and does nothing (no scan of old events).
    try connection.execute("update analytics.retention_state set last_run_at = date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'")
    #expect(try refresh(db, ["--only", "analytics.apply_retention"]).status == 0)
    #expect(try connection.scalar(
      "select last_run_at = date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' from analytics.retention_state", as: Bool.self) == true)
    // A run of an earlier UTC day with the same cutoff: the step runs again (late events before the cutoff).
    try connection.execute("update analytics.retention_state set last_run_at = now() - interval '1 day'")
    #expect(try refresh(db, ["--only", "analytics.apply_retention"]).status == 0)
    #expect(try connection.scalar("select last_run_at > now() - interval '1 hour' from analytics.retention_state", as: Bool.self) == true)
  }

  @Test("refresh analyzes an event partition that grew by more than half since its statistics, before the rollups")
  func grownPartitions() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let writer = try db.connect()
    let observer = try db.connect()
    try writer.execute("insert into app.organizations (id, slug, name, kind) values ('00000000-0000-4000-8000-00000000a9a1', 'grown', 'Grown', 'venue')")
    try writer.execute("select analytics.ensure_partitions(1, 1)")
    // The current month's partition, kept from autovacuum: only the refresh analyzes it here.
    let part = try writer.scalar("select 'analytics.events_p' || to_char(now() at time zone 'UTC', 'YYYY_MM')", as: String.self)!
    try writer.execute(SQL(unsafeSQL: "alter table \(part) set (autovacuum_enabled = off)"))
    var inserted = 0
    // Rows inserted and committed, then waited for until the statistics collector counts them.
    func insert(_ rows: Int, changedSinceAnalyze: Int) throws {
      try writer.execute("select pg_stat_force_next_flush()")
      try writer.execute(SQL(unsafeSQL: """
        insert into analytics.events (org_id, occurred_at, received_at, event_type, visitor_id)
        select '00000000-0000-4000-8000-00000000a9a1', now(), now(), 'page_view', 'v' || (i % 500)
        from generate_series(\(inserted + 1), \(inserted + rows)) as i
        """))
      inserted += rows
      let counted = SQL(unsafeSQL: "select n_mod_since_analyze::int from pg_stat_user_tables where relid = '\(part)'::regclass")
      let deadline = Date().addingTimeInterval(20)
      while try observer.scalar(counted, as: Int.self) != changedSinceAnalyze, Date() < deadline {
        Thread.sleep(forTimeInterval: 0.1)
      }
      #expect(try observer.scalar(counted, as: Int.self) == changedSinceAnalyze)
    }
    let grown = "select string_agg(partition_name || ' ' || rows_before::int || ' ' || rows_changed, ', ') from private.analyze_grown_partitions()"

    // 20,000 rows into a partition never analyzed: the refresh's second step analyzes it.
    try insert(20_000, changedSinceAnalyze: 20_000)
    let result = try refresh(db, ["--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let names = (try JSONValue.parse(result.stdout)["steps"]?.arrayValue ?? []).compactMap { $0["step"]?.stringValue }
    #expect(Array(names.prefix(2)) == ["analytics.ensure_partitions", "private.analyze_grown_partitions"])
    #expect(try observer.scalar(SQL(unsafeSQL: "select reltuples::int from pg_class where oid = '\(part)'::regclass"), as: Int.self) == 20_000)
    #expect(try observer.scalar(SQL(unsafeSQL: "select n_mod_since_analyze::int from pg_stat_user_tables where relid = '\(part)'::regclass"), as: Int.self) == 0)
    // 5,000 more: under 10,000 rows changed, not analyzed.
    try insert(5_000, changedSinceAnalyze: 5_000)
    #expect(try writer.scalar(SQL(unsafeSQL: grown), as: String.self) == nil)
    // 6,000 more: 11,000 changed, more than half of the 20,000 its statistics hold.
    try insert(6_000, changedSinceAnalyze: 11_000)
    #expect(try writer.scalar(SQL(unsafeSQL: grown), as: String.self) == "\(part) 20000 11000")
    #expect(try observer.scalar(SQL(unsafeSQL: "select n_mod_since_analyze::int from pg_stat_user_tables where relid = '\(part)'::regclass"), as: Int.self) == 0)
  }

  @Test("--jobs 2: the steps of a group at once, each group after the one before it has finished, every step of the plan")
  func parallelGroups() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let connection = try db.connect()
    // Two views of one group (depth 0) that take a second each, and one that reads the first (depth 1).
    try connection.runScript(
      """
      create materialized view private.mv_nap_a as select 1 as x from (select pg_catalog.pg_sleep(1)) as s;
      create materialized view private.mv_nap_b as select 2 as x from (select pg_catalog.pg_sleep(1)) as s;
      create materialized view private.mv_nap_c as select x + 1 as x from private.mv_nap_a;
      """)
    let result = try refresh(db, ["--jobs", "2", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    let runId = Int(report["runId"]?.numberValue ?? -1)
    let logged = (report["steps"]?.arrayValue ?? []).compactMap { $0["step"]?.stringValue }.sorted()
    let planned = try connection.query("select step from private.refresh_plan() order by step").rows.map { try $0.decode("step", as: String.self) }
    #expect(logged == planned)
    #expect(planned.count == 38)
    #expect((report["steps"]?.arrayValue ?? []).allSatisfy { $0["error"] == nil && $0["durationMs"] != nil })
    // The two naps ran at once.
    #expect(try connection.scalar(
      """
      select a.started_at < b.finished_at and b.started_at < a.finished_at
      from private.refresh_log as a, private.refresh_log as b
      where a.run_id = \(runId) and b.run_id = \(runId) and a.step = 'private.mv_nap_a' and b.step = 'private.mv_nap_b'
      """, as: Bool.self) == true)
    // No step started before every step of the groups before its own had finished.
    #expect(try connection.scalar(
      """
      select count(*)::int
      from private.refresh_log as l join private.refresh_plan() as p on p.step = l.step
      join private.refresh_log as e on e.run_id = l.run_id
      join private.refresh_plan() as q on q.step = e.step
      where l.run_id = \(runId) and (q.phase, q.level) < (p.phase, p.level) and l.started_at < e.finished_at
      """, as: Int.self) == 0)
    #expect(try connection.scalar("select x from private.mv_nap_c", as: Int.self) == 2)
    // The locks are released: a second run starts at once.
    #expect(try refresh(db, ["--jobs", "2", "--only", "private.mv_nap_b"]).status == 0)
  }

  @Test("--jobs 2: a step's session terminated stops the run after the steps running, names the step; the next run marks it interrupted")
  func parallelStepTerminated() async throws {
    // Blocking: on a thread of its own, not one of the cooperative threads (they may all be
    // blocked by other tests while the step sleeps).
    try await blocking { try Self().parallelStepTerminatedBody() }
  }

  func parallelStepTerminatedBody() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let connection = try db.connect()
    try connection.runScript(Interruption.fixture)
    let refreshing = try CLIProcess(
      ["refresh", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--jobs", "2"], environment: Interruption.sleepy)
    #expect(try eventually(timeout: 120) { try Interruption.slowSteps(connection) == ["false -"] })
    #expect(try connection.scalar(
      "select count(*)::int from (select pg_catalog.pg_terminate_backend(pid) from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()) as t",
      as: Int.self) == 1)
    let cut = refreshing.wait()
    Interruption.expectCutOff(cut)
    // Nothing after the step's group ran; the next run marks the step interrupted and completes.
    #expect(try connection.scalar("select count(*)::int from private.refresh_log where step = 'audience.update_customers'", as: Int.self) == 0)
    let rerun = try refresh(db, ["--jobs", "2"])
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try Interruption.slowSteps(connection) == ["false \(Interruption.interrupted)", "true -"])
  }

  @Test("a session of a run whose first session ended takes no further step, and a new run waits for it (55P03 at once without --wait)")
  func orphanedRunSession() throws {
    let db = try migratedDatabase()
    defer { db.drop() }
    let first = try db.connect()
    let helper = try db.connect()
    let next = try db.connect()
    try first.execute("select private.begin_refresh(9001, 0)")
    try helper.execute("select private.join_refresh(9001)")
    try helper.execute("call private.run_refresh_step(9001, 'tests.one', 'select 1')")
    // A session that did not join is refused, and so is one joining a run that is not running.
    #expect(throws: PostgresError.self) { try next.execute("call private.run_refresh_step(9001, 'tests.other', 'select 1')") }
    #expect(throws: PostgresError.self) { try next.execute("select private.join_refresh(9003)") }
    // The run's first session ends (a killed client); the helper's session is still there.
    first.close()
    #expect(
      try eventually(timeout: 10) {
        try next.scalar("select not exists (select 1 from pg_locks where locktype = 'advisory' and objsubid = 1)", as: Bool.self) == true
      })
    do {
      try next.execute("select private.begin_refresh(9002, 0)")
      Issue.record("a new run began while a session of run 9001 was left")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "55P03")
      #expect(error.message == "a step of refresh run 9001 is still running in another session (its run's first session ended)")
    }
    do {
      try helper.execute("call private.run_refresh_step(9001, 'tests.two', 'select 1')")
      Issue.record("a session of an ended run took a step")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "55000")
    }
    helper.close()
    #expect(
      try eventually(timeout: 10) {
        try next.scalar("select not exists (select 1 from pg_locks where locktype = 'advisory' and classid = 1920229733)", as: Bool.self) == true
      })
    try next.execute("select private.begin_refresh(9002, 0)")
    try next.execute("select private.end_refresh(9002)")
    #expect(
      try next.query("select step from private.refresh_log where run_id = 9001 order by id").rows.map { try $0.decode("step", as: String.self) }
        == ["tests.one"])
    #expect(try next.scalar("select count(*)::int from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'", as: Int.self) == 0)
  }

  @Test("a second refresh does not stack: it exits with 4, or waits with --wait")
  func overlappingRuns() throws {
    let db = try migratedDatabase()
    let holder = try db.connect()
    #expect(try holder.acquireAdvisoryLock(Self.refreshKey, timeout: 1))
    let refused = try refresh(db, ["--wait", "1"])
    #expect(refused.status == 4)
    #expect(refused.stderr == "error: another refresh is running\nhint: wait for it to finish, or pass a longer wait (audiencectl refresh --wait SECONDS)\n")
    let waiting = try CLIProcess(["refresh", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--wait", "30"])
    Thread.sleep(forTimeInterval: 0.5)
    try holder.releaseAdvisoryLock(Self.refreshKey)
    let result = waiting.wait()
    #expect(result.status == 0, "\(result.stderr)")
  }

  @Test("a running migrate is waited for")
  func waitsForMigrate() throws {
    let db = try migratedDatabase()
    let migrating = try db.connect()
    #expect(try migrating.acquireAdvisoryLock(Self.migrateKey, timeout: 1))
    let waiting = try CLIProcess(["refresh", "--url", db.url, "--project", TestEnvironment.packageRoot.path])
    let observer = try db.connect()
    #expect(try eventually { try observer.scalar("select count(*)::int from pg_stat_activity where query like 'call private.run_refresh%' and datname = current_database() and pid <> pg_backend_pid()", as: Int.self) == 1 })
    Thread.sleep(forTimeInterval: 0.5)
    #expect(try observer.scalar("select count(*)::int from private.refresh_log", as: Int.self) == 0)
    let released = try observer.scalar("select clock_timestamp()", as: Date.self)!
    try migrating.releaseAdvisoryLock(Self.migrateKey)
    let result = waiting.wait()
    #expect(result.status == 0, "\(result.stderr)")
    // Every step started after the migration lock was released, and none failed.
    let log = try #require(try observer.query("select count(*)::int as steps, count(error)::int as errors, min(started_at) as first from private.refresh_log").first)
    #expect(try log.decode("steps", as: Int.self) >= 4)
    #expect(try log.decode("errors", as: Int.self) == 0)
    #expect(try log.decode("first", as: Date.self) >= released)
  }
}

@Suite("schedule", .serialized)
struct ScheduleTests {
  @Test("without pg_cron in this database: the crontab line, with the URL, is printed")
  func crontabLine() throws {
    let db = try migratedDatabase()
    let result = try audiencectl(["schedule", "install", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--schedule", "0 4 * * *"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 6)
    #expect(lines[0].hasPrefix("pg_cron is not used (pg_cron runs in database "))
    let root = TestEnvironment.packageRoot.path
    let bin = TestEnvironment.audiencectl.path
    #expect(lines[1] == "0 4 * * * cd \(root) && \(bin) refresh --url '\(db.url)' --json >> \(root)/refresh.log 2>&1")
    #expect(lines[2] == "CRON_TZ=UTC")
    #expect(lines[3] == "0 6 * * * cd \(root) && \(bin) insights work --due --url '\(db.url)' --json >> \(root)/insights.log 2>&1")
    #expect(lines[5] == "*/5 * * * * cd \(root) && \(bin) insights work --url '\(db.url)' --json >> \(root)/insights.log 2>&1")
  }

  @Test("--every 1m without pg_cron: the crontab line runs every minute and waits at most 30 s for a running refresh")
  func crontabEveryMinute() throws {
    let db = try migratedDatabase()
    let result = try audiencectl(["schedule", "install", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--every", "1m", "--crontab"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    let root = TestEnvironment.packageRoot.path
    let bin = TestEnvironment.audiencectl.path
    #expect(lines[0] == "pg_cron is not used (--crontab was given). Add this line to the crontab (crontab -e); set DATABASE_URL there if the database needs a password:")
    #expect(lines[1] == "* * * * * cd \(root) && \(bin) refresh --url '\(db.url)' --wait 30 --views-max-age 60m --json >> \(root)/refresh.log 2>&1")
    #expect(lines[5] == "*/5 * * * * cd \(root) && \(bin) insights work --url '\(db.url)' --json >> \(root)/insights.log 2>&1")
    let bad = try audiencectl(["schedule", "install", "--url", db.url, "--project", TestEnvironment.packageRoot.path, "--every", "7m"])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--every 7m: give whole minutes that divide an hour"))
  }

  @Test("the periods of --every: cron schedule and wait")
  func periods() {
    #expect(RefreshPeriod("1m").map { [$0.cron, "\($0.waitSeconds)"] } == ["* * * * *", "30"])
    #expect(RefreshPeriod("15m").map { [$0.cron, "\($0.waitSeconds)"] } == ["*/15 * * * *", "450"])
    #expect(RefreshPeriod("1h").map { [$0.cron, "\($0.waitSeconds)"] } == ["0 * * * *", "1800"])
    #expect(RefreshPeriod("6h").map { [$0.cron, "\($0.waitSeconds)"] } == ["0 */6 * * *", "10800"])
    #expect(RefreshPeriod("7m") == nil && RefreshPeriod("0m") == nil && RefreshPeriod("5") == nil && RefreshPeriod("5d") == nil)
    #expect(Scheduler.command(waitSeconds: 30) == "call private.run_refresh(null, null, 30)")
    #expect(Scheduler.command(waitSeconds: 30, viewsMaxAgeMinutes: 60) == "call private.run_refresh(null, null, 30, interval '60 minutes')")
    // The cohorts view hourly below an hour; every run from an hour up.
    #expect(["1m", "30m", "1h", "6h"].map { RefreshPeriod($0)?.viewsMaxAgeMinutes } == [60, 60, nil, nil])
    #expect(RefreshPeriod.minutes("90m") == 90 && RefreshPeriod.minutes("2h") == 120 && RefreshPeriod.minutes("0h") == nil
              && RefreshPeriod.minutes("1d") == nil)
  }

  @Test("with pg_cron: --every 1m registers one job that pg_cron runs at the next minute; reinstalling replaces it")
  func pgCronEveryMinute() throws {
    let cronURL = TestEnvironment.url(TestEnvironment.adminURL, database: "audience")
    guard let connection = try? Connection(.url(cronURL)),
      try connection.scalar("select current_setting('shared_preload_libraries') like '%pg_cron%' and current_setting('cron.database_name', true) = 'audience'", as: Bool.self) == true
    else {
      // The server was not started by audiencectl (DATABASE_URL): pg_cron is its operator's choice.
      return
    }
    defer {
      _ = try? connection.execute("select cron.unschedule(jobid) from cron.job where jobname in ('audience-db-refresh', 'audience-db-insights')")
    }
    // pg_cron runs jobs in the cluster's own database, which a fresh clone has not migrated
    // (the other tests use databases of their own): the job would fail on a missing schema.
    let migrated = try audiencectl(["migrate", "--url", cronURL, "--project", TestEnvironment.packageRoot.path])
    #expect(migrated.status == 0, "\(migrated.stderr)")
    for _ in 0..<2 {
      let result = try audiencectl(["schedule", "install", "--url", cronURL, "--project", TestEnvironment.packageRoot.path, "--every", "1m"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.contains(") runs `call private.run_refresh(null, null, 30, interval '60 minutes')` at * * * * *.\n"))
    }
    let jobs = try connection.query("select jobid, schedule, command from cron.job where jobname = 'audience-db-refresh'")
    #expect(jobs.count == 1)
    #expect(jobs.first?["schedule"] == "* * * * *")
    #expect(jobs.first?["command"] == "call private.run_refresh(null, null, 30, interval '60 minutes')")
    let jobId = try #require(jobs.first.map { try $0.decode("jobid", as: Int.self) })
    // pg_cron really runs it: a successful run of this job at the next minute (plus the run).
    var status: String?
    for _ in 0..<180 where status != "succeeded" && status != "failed" {
      status = try connection.scalar(
        "select status from cron.job_run_details where jobid = \(jobId) order by runid desc limit 1", as: String.self)
      if status != "succeeded" && status != "failed" { Thread.sleep(forTimeInterval: 1) }
    }
    #expect(status == "succeeded", "pg_cron's run of the refresh job: \(status ?? "none within 180 s")")
    // Reinstalling with the nightly default replaces the job (same name, one row).
    let nightly = try audiencectl(["schedule", "install", "--url", cronURL, "--project", TestEnvironment.packageRoot.path])
    #expect(nightly.status == 0, "\(nightly.stderr)")
    let replaced = try connection.query("select schedule, command from cron.job where jobname = 'audience-db-refresh'")
    #expect(replaced.count == 1)
    #expect(replaced.first?["schedule"] == "15 3 * * *")
    #expect(replaced.first?["command"] == "call private.run_refresh(null, null, 600)")
  }

  @Test("with pg_cron in its database: the job is registered once, with the refresh procedure")
  func pgCronJob() throws {
    let cronURL = TestEnvironment.url(TestEnvironment.adminURL, database: "audience")
    guard let connection = try? Connection(.url(cronURL)),
      try connection.scalar("select current_setting('shared_preload_libraries') like '%pg_cron%' and current_setting('cron.database_name', true) = 'audience'", as: Bool.self) == true
    else {
      // The server was not started by audiencectl (DATABASE_URL): pg_cron is its operator's choice.
      return
    }
    for _ in 0..<2 {
      let result = try audiencectl(["schedule", "install", "--url", cronURL, "--project", TestEnvironment.packageRoot.path])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout.hasPrefix("pg_cron job audience-db-refresh (id "))
      #expect(result.stdout.contains(") runs `call private.run_refresh(null, null, 600)` at 15 3 * * *.\n"))
      #expect(result.stdout.contains(") runs `select insights.enqueue_due(100), insights.expire_stale()` at 0 6 * * * (UTC).\n"))
    }
    #expect(try connection.scalar("select count(*)::int from cron.job where jobname = 'audience-db-insights'", as: Int.self) == 1)
    try connection.execute("select cron.unschedule('audience-db-insights')")
    let jobs = try connection.query("select schedule, command from cron.job where jobname = 'audience-db-refresh'")
    #expect(jobs.count == 1)
    #expect(jobs.first?["schedule"] == "15 3 * * *")
    #expect(jobs.first?["command"] == "call private.run_refresh(null, null, 600)")
    // Kept out of schema public (the API schema PostgREST exposes).
    #expect(try connection.scalar("select extnamespace::regnamespace::text from pg_extension where extname = 'pg_cron'", as: String.self) == "pg_catalog")
    try connection.execute("select cron.unschedule('audience-db-refresh')")
  }
}
