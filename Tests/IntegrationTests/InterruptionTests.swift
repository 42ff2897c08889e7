// A server restart (pg_ctl restart) in the middle of a refresh step and of an ingest chunk,
// and a SIGKILLed refresh / ingest: each says what was running and what a rerun does, the
// server stops a killed client's work promptly, and the rerun completes exactly.
import Foundation
import LocalCluster
import PostgresClient
import TestSupport
import Testing

enum Interruption {
  static let org = "5e5e5e5e-0000-4000-8000-0000000000aa"

  /// A materialized view whose refresh sleeps 60 s when the session sets audience.test_sleep,
  /// a trigger that sleeps 60 s on the event with client_event_id c15 likewise, and the
  /// organization the events name.
  static let fixture = """
    create materialized view private.mv_slow as
      select 1 as x from (select pg_catalog.pg_sleep(case when pg_catalog.current_setting('audience.test_sleep', true) = 'on' then 60 else 0 end)) as s;
    create function public.test_slow_event() returns trigger language plpgsql as $$
    begin
      if new.client_event_id = 'c15' and pg_catalog.current_setting('audience.test_sleep', true) = 'on' then
        perform pg_catalog.pg_sleep(60);
      end if;
      return new;
    end $$;
    create trigger test_slow_event before insert on analytics.events for each row execute function public.test_slow_event();
    insert into app.organizations (id, slug, name, kind, timezone)
      values ('\(org)', 'interruption-test', 'Interruption Test', 'artist', 'Europe/Berlin');
    """
  static let sleepy = ["PGOPTIONS": "-c audience.test_sleep=on"]

  /// 30 events, c1-c30, in a temporary file.
  static func eventsFile() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interruption-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let lines = (1...30).map { n in
      #"{"org_id":"\#(org)","event_type":"link_click","occurred_at":"2026-05-01T18:30:00Z","visitor_id":"v\#(n)","client_event_id":"c\#(n)"}"#
    }
    let file = dir.appendingPathComponent("events.ndjson")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
    return file
  }

  static let refreshHint =
    "hint: private.mv_slow was rolled back; the steps before it stay committed. Rerun audiencectl refresh when the server "
    + "is back: it marks the interrupted step in private.refresh_log and runs every step again (each is safe to repeat)."
  static let ingestHint =
    "hint: that chunk was rolled back; chunks committed before it stay stored. Rerun the same command when the server is "
    + "back: it stores only the missing lines (the others count as already stored)."
  static let interrupted = "interrupted: the step did not finish (its session ended, or its statement was cancelled)"

  /// A refresh cut off while private.mv_slow ran (its session lost): status 1, the step and
  /// the cause named, the rerun hint.
  static func expectCutOff(_ cut: CLIResult) {
    #expect(cut.status == 1)
    let lines = cut.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "\(cut.stderr)")
    #expect(
      lines.first?.wholeMatch(
        of: /error: refresh run \d+ stopped while step private.mv_slow was running: the server connection was lost \((57P01|08006): .+\)/) != nil,
      "\(cut.stderr)")
    #expect(lines.last == refreshHint)
  }

  /// The log rows of private.mv_slow: "finished error" per run, oldest first.
  static func slowSteps(_ connection: Connection) throws -> [String] {
    try connection.query(
      "select (finished_at is not null)::text || ' ' || coalesce(error, '-') as state from private.refresh_log where step = 'private.mv_slow' order by id"
    ).rows.map { try $0.decode("state") }
  }
}

@Suite("interruptions", .serialized)
struct InterruptionTests {
  let root = TestEnvironment.packageRoot.path

  @Test("pg_ctl restart during a refresh step, then during an ingest chunk: each names the step / lines and what a rerun does; the reruns complete and the step is marked interrupted")
  func serverRestart() async throws {
    // A cluster of its own: restarting the shared test server would break the other tests.
    let project = try TestProject()
    let start = try await audiencectlAsync(["db", "start", "--project", project.root.path])
    #expect(start.status == 0, "\(start.stderr)")
    defer { _ = try? audiencectl(["db", "stop", "--project", project.root.path]) }
    let cluster = LocalCluster(projectDirectory: project.root)
    let url = cluster.url
    #expect(try await audiencectlAsync(["migrate", "--url", url, "--project", root]).status == 0)
    try Connection(.url(url)).runScript(Interruption.fixture)
    func restart() async throws {
      let pgCtl = try LocalCluster.binDirectory().appendingPathComponent("pg_ctl").path
      let arguments = ["restart", "-w", "-t", "60", "-m", "fast", "-D", cluster.dataDirectory.path, "-l", cluster.logFile.path]
      let result = try await blocking {
        try geteuid() == 0 ? Shell.run("runuser", ["-u", "postgres", "--", pgCtl] + arguments) : Shell.run(pgCtl, arguments)
      }
      #expect(result.status == 0, "\(result.text)")
    }

    // Refresh: restarted while private.mv_slow sleeps.
    let refreshing = try CLIProcess(["refresh", "--url", url, "--project", root], environment: Interruption.sleepy)
    var observer = try Connection(.url(url))
    // (Up to 2 minutes for the run to reach the step: beside the rest of the suite on 2 cores,
    // starting the command and the steps before it took more than the default 20 s once; the
    // step then sleeps 60 s, so it is seen running as soon as it starts.)
    #expect(try await waitUntil(timeout: 120) { try Interruption.slowSteps(observer) == ["false -"] })
    try await restart()
    let cut = try await refreshing.finish()
    Interruption.expectCutOff(cut)
    observer = try Connection(.url(url))
    // The steps before it stay committed; the step itself is left unfinished until the next run.
    #expect(try observer.scalar("select count(*)::int from private.refresh_log where finished_at is not null and error is null", as: Int.self)! >= 1)
    #expect(try Interruption.slowSteps(observer) == ["false -"])
    let rerun = try await audiencectlAsync(["refresh", "--url", url, "--project", root])
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try Interruption.slowSteps(observer) == ["false \(Interruption.interrupted)", "true -"])

    // Ingest: 3 chunks of 10 lines; restarted while the second sleeps on line 15.
    let file = try Interruption.eventsFile()
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    let ingest = ["ingest", file.path, "--url", url, "--project", root, "--chunk", "10", "--jobs", "1"]
    let ingesting = try CLIProcess(ingest, environment: Interruption.sleepy)
    #expect(try await waitUntil(timeout: 120) { try observer.scalar("select count(*)::int from pg_stat_activity where wait_event = 'PgSleep'", as: Int.self) == 1 })
    try await restart()
    let stopped = try await ingesting.finish()
    #expect(stopped.status == 1)
    let ingestLines = stopped.stderr.split(separator: "\n").map(String.init)
    #expect(ingestLines.count == 2, "\(stopped.stderr)")
    #expect(
      ingestLines.first?.wholeMatch(
        of: /error: the server connection was lost while storing lines 11-20 \(chunk 2\): (57P01|08006): .+/) != nil,
      "\(stopped.stderr)")
    #expect(ingestLines.last == Interruption.ingestHint)
    observer = try Connection(.url(url))
    #expect(try observer.scalar("select string_agg(client_event_id, ',' order by id) from analytics.events", as: String.self) == (1...10).map { "c\($0)" }.joined(separator: ","))
    let again = try await audiencectlAsync(ingest)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains(": 20 stored, 10 already stored, 0 rejected"), "\(again.stdout)")
  }

  @Test("a SIGKILLed refresh and a SIGKILLed ingest stop on the server within seconds (not after their 60 s step); reruns complete")
  func killedClients() async throws {
    let db = try await blocking { try migratedDatabase() }
    let observer = try db.connect()
    try observer.runScript(Interruption.fixture)
    func backends(_ pattern: String) throws -> Int {
      try observer.scalar(
        "select count(*)::int from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query like \(pattern)",
        as: Int.self) ?? -1
    }

    let refreshing = try CLIProcess(["refresh", "--url", db.url, "--project", root], environment: Interruption.sleepy)
    #expect(try await waitUntil { try Interruption.slowSteps(observer) == ["false -"] })
    refreshing.kill(signal: SIGKILL)
    _ = try await refreshing.finish()
    #expect(try await waitUntil(timeout: 5) { try backends("call private.run_refresh%") == 0 })
    let rerun = try await audiencectlAsync(["refresh", "--url", db.url, "--project", root])
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try Interruption.slowSteps(observer) == ["false \(Interruption.interrupted)", "true -"])

    let file = try Interruption.eventsFile()
    defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
    let ingest = ["ingest", file.path, "--url", db.url, "--project", root, "--chunk", "10", "--jobs", "1"]
    let ingesting = try CLIProcess(ingest, environment: Interruption.sleepy)
    #expect(try await waitUntil { try observer.scalar("select count(*)::int from pg_stat_activity where datname = current_database() and wait_event = 'PgSleep'", as: Int.self) == 1 })
    ingesting.kill(signal: SIGKILL)
    _ = try await ingesting.finish()
    #expect(try await waitUntil(timeout: 5) { try backends("%ingest_staged%") == 0 })
    #expect(try observer.scalar("select count(*)::int from analytics.events", as: Int.self) == 10)
    let again = try await audiencectlAsync(ingest)
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains(": 20 stored, 10 already stored, 0 rejected"), "\(again.stdout)")
  }
}
