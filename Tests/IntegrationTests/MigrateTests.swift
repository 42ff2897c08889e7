// migrate / status / validate against a real server: applying, idempotence, concurrency,
// failures that leave nothing behind, drift, repeatables, no-transaction files, lock timeouts.
import Foundation
import PostgresClient
import TestSupport
import Testing

@testable import Migrations

/// `audiencectl <command> --url <db> --project <project> <extra...>`
func ctl(_ command: [String], _ db: TestDatabase, _ project: TestProject, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLIResult {
  try audiencectl(command + ["--url", db.url, "--project", project.root.path] + extra, environment: environment)
}

func historyCount(_ db: TestDatabase, _ condition: String = "true") throws -> Int {
  try db.connect().scalar("select count(*)::int from audiencectl.schema_history where \(unsafeSQL: condition)", as: Int.self) ?? -1
}

@Suite("migrate")
struct MigrateTests {
  static let people = "create table people (id int primary key, name text not null);\n"

  @Test("an empty database gets every file; a second run applies nothing")
  func appliesAllThenNothing() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    try project.write("migrations/0002_add_email.sql", "alter table people add column email text;\n")
    try project.write("functions/public/people_count.sql", "create or replace function public.people_count() returns bigint language sql as $$ select count(*) from public.people $$;\n")

    let first = try ctl(["migrate"], db, project)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("applied migrations/0001_create_people.sql (version 1)"))
    #expect(first.stdout.contains("applied migrations/0002_add_email.sql (version 2)"))
    #expect(first.stdout.contains("applied functions/public/people_count.sql (new)"))
    #expect(first.stdout.contains("3 applied, 0 already up to date"))

    let second = try ctl(["migrate"], db, project)
    #expect(second.status == 0)
    #expect(second.stdout.hasPrefix("Nothing to apply: 3 files up to date."))
    #expect(try historyCount(db) == 3)
    let events = try db.connect().scalar("select count(*)::int from audiencectl.events where event = 'applied'", as: Int.self)
    #expect(events == 3)

    let status = try ctl(["status"], db, project)
    #expect(status.status == 0)
    #expect(status.stdout.hasSuffix("3 applied, 0 pending, 0 changed, 0 drift\n"))
  }

  @Test("two migrate processes started together: both exit 0, each file applied once")
  func concurrentRuns() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people + "select pg_sleep(0.5);\n")
    try project.write("migrations/0002_seed.sql", "insert into people values (1, 'ada');\n")
    let args = ["migrate", "--url", db.url, "--project", project.root.path]
    let a = try CLIProcess(args)
    let b = try CLIProcess(args)
    let (ra, rb) = (a.wait(), b.wait())
    #expect(ra.status == 0, "\(ra.stderr)")
    #expect(rb.status == 0, "\(rb.stderr)")
    #expect(try historyCount(db) == 2)
    #expect(try db.connect().scalar("select count(*)::int from people", as: Int.self) == 1)
    // One run applied both files, the other found nothing left to do.
    let outputs = [ra.stdout, rb.stdout].sorted()
    #expect(outputs[0].hasPrefix("Nothing to apply: 2 files up to date."))
    #expect(outputs[1].contains("2 applied, 0 already up to date"))
  }

  @Test("a syntax error on line 7: exit 1, file:7 and SQLSTATE named, nothing of that file remains")
  func syntaxErrorRollsBackTheFile() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    try project.write(
      "migrations/0002_broken.sql",
      """
      -- A file whose seventh line is wrong.
      create table pets (
        id int primary key,
        owner int references people (id)
      );
      create index index_pets_on_owner on pets (owner);
      selec 1;
      """)
    let result = try ctl(["migrate"], db, project)
    #expect(result.status == 1)
    #expect(result.stderr.contains("applied before the failure: migrations/0001_create_people.sql"))
    #expect(result.stderr.contains("error: migrations/0002_broken.sql failed and was rolled back; nothing of it remains"))
    #expect(result.stderr.contains("migrations/0002_broken.sql:7:1: ERROR 42601: syntax error at or near \"selec\""))
    let connection = try db.connect()
    #expect(try connection.scalar("select to_regclass('public.pets') is null", as: Bool.self) == true)
    #expect(try connection.scalar("select to_regclass('public.people') is not null", as: Bool.self) == true)
    #expect(try historyCount(db) == 1)
    #expect(try connection.scalar("select count(*)::int from audiencectl.events where event = 'failed' and path = 'migrations/0002_broken.sql'", as: Int.self) == 1)
  }

  @Test("a runtime error without a position is located at its statement's line")
  func runtimeErrorLocatedByStatement() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_divide.sql", "create table t (x int);\n\ninsert into t values (1);\nselect 1 / 0;\n")
    let result = try ctl(["migrate"], db, project)
    #expect(result.status == 1)
    #expect(result.stderr.contains("migrations/0001_divide.sql:4:1: ERROR 22012: division by zero"))
  }

  @Test("SIGKILL during a long transactional migration: a rerun completes it and the lock is free")
  func killedRunIsRerun() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write(
      "migrations/0001_slow.sql",
      """
      create table slow (id int);
      select pg_sleep(case when current_setting('audience.test_sleep', true) = 'on' then 60 else 0 end);
      insert into slow values (1);
      """)
    let running = try CLIProcess(
      ["migrate", "--url", db.url, "--project", project.root.path], environment: ["PGOPTIONS": "-c audience.test_sleep=on"])
    let observer = try db.connect()
    let sleeping = try eventually {
      try observer.scalar("select count(*)::int from pg_stat_activity where query like '%pg_sleep%' and state = 'active' and datname = current_database() and pid <> pg_backend_pid()", as: Int.self) == 1
    }
    #expect(sleeping)
    running.kill(signal: SIGKILL)
    _ = running.wait()

    let rerun = try ctl(["migrate", "--lock-wait", "30"], db, project)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(rerun.stdout.contains("applied migrations/0001_slow.sql (version 1)"))
    #expect(try observer.scalar("select count(*)::int from slow", as: Int.self) == 1)
    #expect(try historyCount(db) == 1)
    let locks = try observer.scalar("select count(*)::int from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())", as: Int.self)
    #expect(locks == 0)
  }

  @Test("an edited applied file: validate exits 3 naming it, migrate refuses; CRLF is not an edit")
  func driftIsDetected() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    #expect(try ctl(["migrate"], db, project).status == 0)

    try project.write("migrations/0001_create_people.sql", Self.people.replacingOccurrences(of: "\n", with: "\r\n"))
    let crlf = try ctl(["validate"], db, project)
    #expect(crlf.status == 0, "\(crlf.stderr)")
    #expect(crlf.stdout == "valid: no drift (1 files, 0 pending)\n")

    try project.write("migrations/0001_create_people.sql", Self.people + "create index index_people_on_name on people (name);\n")
    let validate = try ctl(["validate"], db, project)
    #expect(validate.status == 3)
    #expect(validate.stderr == "drift: migrations/0001_create_people.sql was edited after it was applied (checksum mismatch)\n")
    let migrate = try ctl(["migrate"], db, project)
    #expect(migrate.status == 3)
    #expect(migrate.stderr.hasPrefix("error: refusing to migrate: migrations/0001_create_people.sql was edited after it was applied (checksum mismatch)"))

    let repair = try ctl(["repair", "--accept-checksum", "migrations/0001_create_people.sql", "--reason", "index added by hand in prod"], db, project)
    #expect(repair.status == 0, "\(repair.stderr)")
    #expect(try ctl(["validate"], db, project).status == 0)
    let logged = try db.connect().scalar("select detail from audiencectl.events where event = 'repaired'", as: String.self)
    #expect(logged?.hasSuffix(": index added by hand in prod") == true)
  }

  @Test("a removed applied file is drift; an out-of-order version is refused unless allowed")
  func missingAndOutOfOrder() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    try project.write("migrations/0003_add_email.sql", "alter table people add column email text;\n")
    #expect(try ctl(["migrate"], db, project).status == 0)
    try project.write("migrations/0002_add_age.sql", "alter table people add column age int;\n")
    let refused = try ctl(["migrate"], db, project)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("refusing to apply out of order: migrations/0002_add_age.sql (below the highest applied version 3)"))
    #expect(try ctl(["validate"], db, project).status == 3)
    let allowed = try ctl(["migrate", "--allow-out-of-order"], db, project)
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(allowed.stdout.contains("applied migrations/0002_add_age.sql (version 2)"))

    try project.remove("migrations/0003_add_email.sql")
    let validate = try ctl(["validate"], db, project)
    #expect(validate.status == 3)
    #expect(validate.stderr == "drift: migrations/0003_add_email.sql was applied but its file is missing\n")
  }

  @Test("a changed repeatable is re-applied once, an unchanged one skipped; one failing repeatable rolls back all")
  func repeatables() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    let one = "create or replace function public.one() returns int language sql as $$ select 1 $$;\n"
    let two = "create or replace function public.two() returns int language sql as $$ select 2 $$;\n"
    try project.write("functions/public/one.sql", one)
    try project.write("functions/public/two.sql", two)
    #expect(try ctl(["migrate"], db, project).status == 0)

    try project.write("functions/public/one.sql", one.replacingOccurrences(of: "select 1", with: "select 11"))
    let changed = try ctl(["migrate"], db, project)
    #expect(changed.status == 0)
    #expect(changed.stdout.contains("applied functions/public/one.sql (changed)"))
    #expect(!changed.stdout.contains("two.sql"))
    #expect(changed.stdout.contains("1 applied, 1 already up to date"))
    let connection = try db.connect()
    #expect(try connection.scalar("select public.one()", as: Int.self) == 11)
    #expect(try connection.scalar("select count(*)::int from audiencectl.events where path = 'functions/public/one.sql' and event = 'applied'", as: Int.self) == 2)
    #expect(try connection.scalar("select count(*)::int from audiencectl.events where path = 'functions/public/two.sql' and event = 'applied'", as: Int.self) == 1)

    try project.write("functions/public/one.sql", one.replacingOccurrences(of: "select 1", with: "select 111"))
    try project.write("functions/public/two.sql", "create or replace function public.two() returns int language sql as $$ select nope $$;\n")
    let failed = try ctl(["migrate"], db, project)
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("error: functions/public/two.sql failed: all 2 repeatable files of this run were rolled back"))
    #expect(failed.stderr.contains("functions/public/two.sql:1:"))
    #expect(try connection.scalar("select public.one()", as: Int.self) == 11)
  }

  @Test("repeatables run in functions-then-views path order, moved after what they require")
  func repeatableOrder() throws {
    let project = try TestProject()
    try project.write("views/public/a_view.sql", "create or replace view public.a_view as select public.b() as b;\n")
    try project.write("functions/public/a.sql", "-- requires: functions/public/b.sql\ncreate or replace function public.a() returns int language sql as $$ select public.b() $$;\n")
    try project.write("functions/public/b.sql", "create or replace function public.b() returns int language sql as $$ select 2 $$;\n")
    try project.write("functions/app/z.sql", "select 1;\n")
    let order = try Project(root: project.root).repeatableFiles().map(\.path)
    #expect(order == ["functions/app/z.sql", "functions/public/b.sql", "functions/public/a.sql", "views/public/a_view.sql"])
  }

  @Test("a no-transaction file with CREATE INDEX CONCURRENTLY applies while a second migrate waits")
  func concurrentIndexWhileAnotherWaits() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people + "insert into people select g, 'p' || g from generate_series(1, 20000) g;\n")
    try project.write(
      "migrations/0002_index_people.sql",
      """
      -- audiencectl:no-transaction
      select pg_sleep(1.5);
      create index concurrently if not exists index_people_on_name on people (name);
      """)
    let args = ["migrate", "--url", db.url, "--project", project.root.path]
    let first = try CLIProcess(args)
    let observer = try db.connect()
    #expect(try eventually { try observer.scalar("select count(*)::int from pg_stat_activity where query like '%pg_sleep(1.5)%' and pid <> pg_backend_pid()", as: Int.self) == 1 })
    let second = try CLIProcess(args)
    let (r1, r2) = (first.wait(), second.wait())
    #expect(r1.status == 0, "\(r1.stderr)")
    #expect(r2.status == 0, "\(r2.stderr)")
    #expect(r1.stdout.contains("applied migrations/0002_index_people.sql (version 2)"))
    #expect(r2.stdout.hasPrefix("Nothing to apply: 2 files up to date."))
    #expect(try observer.scalar("select indisvalid from pg_index where indexrelid = 'index_people_on_name'::regclass", as: Bool.self) == true)
    #expect(try observer.scalar("select statements_done from audiencectl.schema_history where version = 2", as: Int.self) == 2)
  }

  @Test("a no-transaction file that fails resumes at the failed statement and reports an INVALID index")
  func noTransactionResumes() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people + "insert into people values (1, 'a'), (2, 'a');\n")
    try project.write(
      "migrations/0002_unique_names.sql",
      """
      -- audiencectl:no-transaction
      create table audit (x int);

      create unique index concurrently index_people_on_name on people (name);
      """)
    let failed = try ctl(["migrate"], db, project)
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("error: migrations/0002_unique_names.sql stopped at statement 2 of 2"))
    #expect(failed.stderr.contains("migrations/0002_unique_names.sql:4:1: ERROR 23505"))
    #expect(failed.stderr.contains("INVALID index left behind: index_people_on_name (the rerun drops it, concurrently, before creating it again)"))
    let status = try ctl(["status"], db, project)
    #expect(status.stdout.contains("failed  stopped after statement 1"))

    // The cause fixed, the rerun drops the INVALID index itself and creates it anew.
    let connection = try db.connect()
    try connection.execute("update people set name = 'b' where id = 2")
    let resumed = try ctl(["migrate"], db, project)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stdout.contains("applied migrations/0002_unique_names.sql (version 2)"))
    #expect((resumed.stdout + resumed.stderr).contains("dropped INVALID index index_people_on_name, left by an earlier attempt, before creating it again"))
    #expect(try connection.scalar("select indisvalid from pg_index where indexrelid = 'index_people_on_name'::regclass", as: Bool.self) == true)
    #expect(try connection.scalar("select detail from audiencectl.events where event = 'applied' and version = 2", as: String.self) == "resumed at statement 2")
  }

  @Test("the partition step after the files: a lock timeout is retried, and its failure names every file the run applied")
  func maintenanceFailureKeepsReport() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write(
      "migrations/0001_partitions.sql",
      """
      create schema analytics;
      create table analytics.attempts (n int);
      create function analytics.ensure_partitions(p_months integer) returns bigint language plpgsql as $$
      begin
        insert into analytics.attempts values (1);
        raise exception 'could not obtain lock on relation "events"' using errcode = '55P03';
      end $$;
      """)
    let failed = try ctl(["migrate", "--lock-retries", "1", "--retry-delay", "0.1"], db, project)
    #expect(failed.status == 4)
    #expect(failed.stderr.contains("applied before the failure: migrations/0001_partitions.sql"), "\(failed.stderr)")
    #expect(failed.stderr.contains("analytics.ensure_partitions(3): could not get a lock within lock_timeout"))
    #expect(failed.stderr.contains("every file is applied: rerun migrate (it only creates the partitions)"))
    #expect(try historyCount(db, "version = 1 and state = 'applied'") == 1)
  }

  @Test("a migration blocked by another session's lock fails within lock_timeout, after retries, with exit 4")
  func lockTimeoutFails() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    #expect(try ctl(["migrate"], db, project).status == 0)
    try project.write("migrations/0002_add_email.sql", "alter table people add column email text;\n")
    let holder = try db.connect()
    try holder.execute("begin")
    try holder.execute("lock table people in access share mode")
    let result = try ctl(["migrate", "--lock-timeout", "0.2", "--lock-retries", "2", "--retry-delay", "0.1"], db, project)
    try holder.execute("rollback")
    #expect(result.status == 4)
    #expect(result.stderr.contains("error: migrations/0002_add_email.sql: could not get a lock within lock_timeout 0.2s, 2 retries"))
    #expect(result.stderr.contains("ERROR 55P03: canceling statement due to lock timeout"))
    #expect(try historyCount(db) == 1)
  }

  @Test("a lock released during the retries: the file applies on a later attempt")
  func lockTimeoutRetrySucceeds() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    #expect(try ctl(["migrate"], db, project).status == 0)
    try project.write("migrations/0002_add_email.sql", "alter table people add column email text;\n")
    let holder = try db.connect()
    try holder.execute("begin")
    try holder.execute("lock table people in access share mode")
    let running = try CLIProcess(
      ["migrate", "--url", db.url, "--project", project.root.path, "--lock-timeout", "0.2", "--lock-retries", "10", "--retry-delay", "0.2", "--json"])
    let observer = try db.connect()
    // Release once the first attempt has failed (its failure shows in pg_stat_activity as a waiting ALTER ended).
    #expect(try eventually { try observer.scalar("select count(*)::int from pg_stat_activity where query like 'alter table people%' and pid <> pg_backend_pid()", as: Int.self) == 1 })
    Thread.sleep(forTimeInterval: 0.5)
    try holder.execute("rollback")
    let result = running.wait()
    #expect(result.status == 0, "\(result.stderr)")
    let report = try JSONValue.parse(result.stdout)
    let step = report["steps"]?[0]
    #expect(step?["path"]?.stringValue == "migrations/0002_add_email.sql")
    #expect((step?["attempts"]?.intValue ?? 0) > 1)
  }

  @Test("a file retried after a lock timeout says so: the exact line under its applied line")
  func lockTimeoutRetryIsReported() async throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    #expect(try ctl(["migrate"], db, project).status == 0)
    try project.write("migrations/0002_add_email.sql", "alter table people add column email text;\n")
    // Lock, run, wait for the first attempt to time out and roll back, release during the
    // 3 s backoff: all on a thread of its own, neither held up by other tests nor holding
    // theirs up.
    let (released, result) = try await blocking {
      let holder = try db.connect()
      try holder.execute("begin")
      try holder.execute("lock table people in access share mode")
      let running = try CLIProcess(
        ["migrate", "--url", db.url, "--project", project.root.path, "--lock-timeout", "0.2", "--lock-retries", "3", "--retry-delay", "3"])
      let observer = try db.connect()
      let released = try eventually {
        try observer.scalar(
          "select count(*)::int from pg_stat_activity where datname = current_database() and application_name = 'audiencectl' and query = 'rollback' and state = 'idle'",
          as: Int.self) == 1
      }
      try holder.execute("rollback")
      return (released, running.wait())
    }
    #expect(released)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.wholeMatch(of: /applied migrations\/0002_add_email.sql \(version 2\) in \d+ ms/) != nil, "\(result.stdout)")
    #expect(lines.dropFirst().first == "  retried after lock_timeout 0.2s (55P03): applied on attempt 2 of 4")
  }

  @Test("--dry-run prints the plan with transaction boundaries and timeouts and writes nothing")
  func dryRun() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    try project.write("migrations/0002_index.sql", "-- audiencectl:no-transaction\ncreate index concurrently i on people (name);\nselect 1;\n")
    try project.write("functions/public/one.sql", "create or replace function public.one() returns int language sql as $$ select 1 $$;\n")
    let result = try ctl(["migrate", "--dry-run", "--lock-timeout", "7", "--statement-timeout", "90"], db, project)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout == """
        Dry run: nothing will be written. Plan (lock_timeout 7s, statement_timeout 90s):
          BEGIN; migrations/0001_create_people.sql (version 1); history row; COMMIT
          no transaction: migrations/0002_index.sql (version 2), 2 statements, each in autocommit
          BEGIN; -- repeatables, one transaction
            functions/public/one.sql (new)
          COMMIT

        """)
    #expect(try db.connect().scalar("select to_regnamespace('audiencectl') is null", as: Bool.self) == true)
  }

  @Test("a database with objects but no history is refused until baselined")
  func baselineRequired() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people)
    try project.write("migrations/0002_add_email.sql", "alter table people add column email text;\n")
    try db.connect().execute(SQL(unsafeSQL: Self.people))
    let refused = try ctl(["migrate"], db, project)
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("the database is not empty (public.people) but has no migration history"))
    #expect(try ctl(["baseline", "--version", "1"], db, project).status == 0)
    let migrated = try ctl(["migrate"], db, project)
    #expect(migrated.status == 0, "\(migrated.stderr)")
    #expect(migrated.stdout.contains("applied migrations/0002_add_email.sql (version 2)"))
    #expect(!migrated.stdout.contains("0001"))
  }

  @Test("transaction control inside a transactional file is refused before anything runs")
  func transactionControlRefused() throws {
    let db = try TestDatabase()
    let project = try TestProject()
    try project.write("migrations/0001_create_people.sql", Self.people + "commit;\n")
    let result = try ctl(["migrate"], db, project)
    #expect(result.status == 1)
    #expect(result.stderr.contains("migrations/0001_create_people.sql:2:1: COMMIT is not allowed here"))
    #expect(try db.connect().scalar("select to_regclass('public.people') is null", as: Bool.self) == true)
  }
}
