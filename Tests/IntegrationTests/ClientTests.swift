// The libpq client against a real server: typed decoding, parameters, errors, notices,
// scripts, COPY and advisory locks.
import Foundation
import PostgresClient
import TestSupport
import Testing

@Suite("PostgresClient")
struct ClientTests {
  @Test("decodes text, integers, numeric, bool, uuid, date, timestamptz, jsonb, text[] and NULL")
  func typedDecoding() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    let row = try #require(
      try connection.query(
        """
        select 'héllo'::text as t, 42::int4 as i4, 9007199254740993::int8 as i8, 12.50::numeric(6,2) as n, true as b,
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u, date '2026-02-28' as d,
               timestamptz '2026-11-21 22:00:09.123456+01:30' as ts, '{"a": [1, "x", null], "b": true}'::jsonb as j,
               array['a', 'b c', 'd"e', '']::text[] as arr, null::text as missing
        """
      ).first)
    #expect(try row.decode("t", as: String.self) == "héllo")
    #expect(try row.decode("i4", as: Int.self) == 42)
    #expect(try row.decode("i8", as: Int64.self) == 9_007_199_254_740_993)
    #expect(try row.decode("n", as: Decimal.self) == Decimal(string: "12.50"))
    #expect(try row.decode("b", as: Bool.self) == true)
    #expect(try row.decode("u", as: UUID.self) == UUID(uuidString: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
    #expect(try row.decode("d", as: PostgresDate.self) == PostgresDate(year: 2026, month: 2, day: 28))
    let ts = try row.decode("ts", as: Date.self)
    #expect(ts.postgresText == "2026-11-21 20:30:09.123456+00")
    #expect(try row.decode("j", as: JSONValue.self) == .object(["a": .array([.number(1), .string("x"), .null]), "b": .bool(true)]))
    #expect(try row.decode("arr", as: [String].self) == ["a", "b c", "d\"e", ""])
    #expect(try row.decode("missing", as: String?.self) == nil)
    #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
  }

  @Test("interpolation binds parameters, so a quote in a value is data, not SQL")
  func parameters() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    let evil = "x'); drop table t; --"
    let id = UUID()
    let when = Date(timeIntervalSince1970: 1_790_000_000.25)
    let row = try #require(
      try connection.query("select \(evil)::text as s, \(id)::uuid as u, \(when)::timestamptz as w, \(["a", "b\"c"])::text[] as a, \(nil as Int?)::int as n").first)
    #expect(try row.decode("s", as: String.self) == evil)
    #expect(try row.decode("u", as: UUID.self) == id)
    #expect(try row.decode("w", as: Date.self) == when)
    #expect(try row.decode("a", as: [String].self) == ["a", "b\"c"])
    #expect(try row.decode("n", as: Int?.self) == nil)
  }

  @Test("errors carry SQLSTATE, message, detail, hint and position")
  func errorFields() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    do {
      try connection.execute(
        "do $$ begin raise exception 'period end % is before start %', 1, 2 using errcode = '22023', detail = 'd', hint = 'swap them'; end $$")
      Issue.record("expected an error")
    } catch let error as PostgresError {
      #expect(error.code == .invalidParameterValue)
      #expect(error.message == "period end 1 is before start 2")
      #expect(error.detail == "d")
      #expect(error.hint == "swap them")
      #expect(error.context?.contains("PL/pgSQL function inline_code_block line 1") == true)
    }
    do {
      try connection.execute("select * from nowhere")
      Issue.record("expected an error")
    } catch let error as PostgresError {
      #expect(error.code == .undefinedTable)
      #expect(error.position == 15)
      #expect(error.description == "ERROR 42P01: relation \"nowhere\" does not exist")
    }
    // The connection is still usable after an error.
    #expect(try connection.scalar("select 1", as: Int.self) == 1)
  }

  @Test("a script error is reported as path:line:column; notices are returned")
  func scriptErrorsAndNotices() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    let result = try connection.runScript("do $$ begin raise notice 'hello %', 7; raise warning 'careful'; end $$;\nselect 1;", path: "x.sql")
    #expect(result.results.count == 2)
    #expect(result.notices.map(\.description) == ["NOTICE: hello 7", "WARNING: careful"])
    do {
      try connection.runScript("select 1;\nselect 2;\n  select nope from pg_class;\n", path: "dir/file.sql")
      Issue.record("expected an error")
    } catch let error as PostgresError {
      #expect(error.location == .init(file: "dir/file.sql", line: 3, column: 10))
      #expect(error.summary == "dir/file.sql:3:10: ERROR 42703: column \"nope\" does not exist")
    }
  }

  @Test("COPY FROM STDIN streams chunks and leaves the connection usable; a bad row fails the whole COPY")
  func copyIn() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    try connection.execute("create table t (id int, name text)")
    let rows = (1...1000).map { "\($0)\tname \($0)\n" }
    let chunks = stride(from: 0, to: rows.count, by: 100).map { Array(rows[$0..<min($0 + 100, rows.count)].joined().utf8) }
    #expect(try connection.copyIn("copy t from stdin", chunks: chunks) == 1000)
    #expect(try connection.scalar("select sum(id)::int from t", as: Int.self) == 500_500)
    #expect(throws: PostgresError.self) { try connection.copyIn("copy t from stdin", chunks: [Array("x\ty\n".utf8)]) }
    #expect(try connection.scalar("select count(*)::int from t", as: Int.self) == 1000)
  }

  @Test("advisory lock: a second session waits, times out, then gets it once released")
  func advisoryLock() throws {
    let db = try TestDatabase()
    let a = try db.connect()
    let b = try db.connect()
    #expect(try a.acquireAdvisoryLock(42, timeout: 1))
    #expect(try b.acquireAdvisoryLock(42, timeout: 0.3) == false)
    try a.releaseAdvisoryLock(42)
    #expect(try b.acquireAdvisoryLock(42, timeout: 1))
  }

  @Test("transaction rolls back when the body throws")
  func transactionRollback() throws {
    let db = try TestDatabase()
    let connection = try db.connect()
    try connection.execute("create table t (id int)")
    #expect(throws: PostgresError.self) {
      try connection.transaction {
        try connection.execute("insert into t values (1)")
        try connection.execute("insert into t values ('x')")
      }
    }
    #expect(try connection.scalar("select count(*)::int from t", as: Int.self) == 0)
    #expect(connection.inTransaction == false)
  }

  @Test("a connection failure names the target without its password")
  func connectionFailureRedacted() throws {
    do {
      _ = try Connection(.url("postgresql://bob:s3cret@127.0.0.1:1/db?connect_timeout=2"))
      Issue.record("expected an error")
    } catch let error as PostgresError {
      #expect(error.code == .unableToConnect)
      #expect(!error.description.contains("s3cret"))
      #expect(error.hint?.contains("postgresql://bob:****@127.0.0.1:1/db") == true)
    }
  }

  @Test("application_name is audiencectl")
  func applicationName() throws {
    let db = try TestDatabase()
    #expect(try db.connect().scalar("select current_setting('application_name')", as: String.self) == "audiencectl")
  }
}
