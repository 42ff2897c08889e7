// Pure logic: checksums, SHA-256, TAP parsing, password redaction, value encodings.
import Foundation
import PostgresClient
import Testing

@testable import Migrations
@testable import Verification

@Suite("units")
struct UnitTests {
  @Test("SHA-256 matches the FIPS 180-4 test vectors")
  func sha256() {
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("SHA-256 fed in pieces of every size equals the digest of the whole")
  func sha256Incremental() {
    var million = SHA256.Hasher()
    for _ in 0..<1000 { million.update([UInt8](repeating: 0x61, count: 1000)) }
    #expect(million.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8) + Array(repeating: 7, count: 150)
    for size in [1, 3, 55, 56, 63, 64, 65, 200] {
      var hasher = SHA256.Hasher()
      for start in stride(from: 0, to: message.count, by: size) { hasher.update(message[start..<min(start + size, message.count)]) }
      #expect(hasher.finalizeHex() == SHA256.hex(message), "pieces of \(size) bytes")
    }
  }

  @Test("checksums ignore a BOM and CRLF/CR line endings, nothing else")
  func checksumNormalization() {
    let lf = SQLFile.checksum(of: SQLFile.normalize("select 1;\nselect 2;\n"))
    #expect(SQLFile.checksum(of: SQLFile.normalize("\u{FEFF}select 1;\r\nselect 2;\r\n")) == lf)
    #expect(SQLFile.checksum(of: SQLFile.normalize("select 1;\rselect 2;\r")) == lf)
    #expect(SQLFile.checksum(of: SQLFile.normalize("select 1;\nselect 2; \n")) != lf)
  }

  @Test("TAP: plan, passes, failures with diagnostics, skips and todos")
  func tapParsing() {
    let stream = TAPStream.parse([
      "1..4", "ok 1 - first", "", "not ok 2 - second", "# Failed test 2: \"second\"", "#         have: 0", "#         want: 5",
      "ok 3 # SKIP no server", "not ok 4 - later # TODO not yet", "# Looks like you failed 1 test of 4",
    ])
    #expect(stream.planned == 4)
    #expect(stream.assertions.map(\.passed) == [true, false, true, false])
    #expect(stream.assertions[1].diagnostics == ["Failed test 2: \"second\"", "have: 0", "want: 5"])
    #expect(stream.assertions[2].directive == "SKIP no server")
    #expect(stream.failures == ["not ok 2 - second"])
    #expect(TAPStream.parse(["1..3", "ok 1"]).failures == ["planned 3 tests but ran 1"])
    #expect(TAPStream.parse(["ok 1"]).failures == ["no plan (the file must start with select plan(N))"])
  }

  @Test("passwords are redacted from URLs and conninfo strings")
  func redaction() {
    #expect(redactPassword(in: "postgresql://u:p%40ss@h:5432/db") == "postgresql://u:****@h:5432/db")
    #expect(redactPassword(in: "host=h password=secret user=u") == "host=h password=**** user=u")
    #expect(redactPassword(in: "postgresql://h/db?password=secret&sslmode=require") == "postgresql://h/db?password=****&sslmode=require")
    #expect(ConnectionTarget.url("postgresql:///x?host=/tmp").redacted == "postgresql:///x?host=/tmp")
  }

  @Test("text arrays and timestamps round-trip through their text forms")
  func encodings() throws {
    #expect(["a", "b,c", "d\"e", "f\\g"].postgresText == #"{"a","b,c","d\"e","f\\g"}"#)
    #expect(try [String].decode(postgresText: #"{a,"b,c","d\"e","f\\g"}"#, typeOID: 1009) == ["a", "b,c", "d\"e", "f\\g"])
    #expect(try [String].decode(postgresText: "{}", typeOID: 1009) == [])
    let date = try Date.decode(postgresText: "1969-12-31 23:59:59.5-01", typeOID: 1184)
    #expect(date.timeIntervalSince1970 == 3599.5)
    #expect(Date(timeIntervalSince1970: -0.25).postgresText == "1969-12-31 23:59:59.750000+00")
  }

  @Test("migration file names and requires headers are checked before any database work")
  func projectRules() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(at: root.appendingPathComponent("migrations"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: root.appendingPathComponent("functions"), withIntermediateDirectories: true)
    let project = Project(root: root)
    try Data("select 1;".utf8).write(to: root.appendingPathComponent("migrations/3-bad name.sql"))
    #expect(throws: ProjectError(path: "migrations/3-bad name.sql", message: "not a valid migration file name", hint: "name versioned files NNNN_snake_description.sql, e.g. 0007_create_segments.sql")) {
      try project.versionedFiles()
    }
    try FileManager.default.removeItem(at: root.appendingPathComponent("migrations/3-bad name.sql"))
    try Data("select 1;".utf8).write(to: root.appendingPathComponent("migrations/0001_a.sql"))
    try Data("select 1;".utf8).write(to: root.appendingPathComponent("migrations/001_b.sql"))
    #expect(throws: ProjectError.self) { try project.versionedFiles() }
    try FileManager.default.removeItem(at: root.appendingPathComponent("migrations/001_b.sql"))
    try Data("-- requires: functions/b.sql\nselect 1;".utf8).write(to: root.appendingPathComponent("functions/a.sql"))
    try Data("-- requires: functions/a.sql\nselect 1;".utf8).write(to: root.appendingPathComponent("functions/b.sql"))
    #expect(throws: ProjectError(path: "functions/a.sql", message: "-- requires: headers form a cycle among functions/a.sql, functions/b.sql")) {
      try project.repeatableFiles()
    }
    try Data("-- requires: functions/zzz.sql\nselect 1;".utf8).write(to: root.appendingPathComponent("functions/b.sql"))
    #expect(throws: ProjectError.self) { try project.repeatableFiles() }
  }

  @Test("a file's header: comment lines up to the first SQL, trimmed, numbered; requires and no-transaction read from it")
  func headers() throws {
    let text = "\t-- audiencectl:no-transaction \n\n  --   requires:  functions/a.sql\t\n--requires: functions/b.sql\ncreate index i on t (x);\n-- requires: functions/c.sql\n"
    #expect(SQLFile.headerLines(text).map { "\($0.number):\($0.text)" } == [
      "1:-- audiencectl:no-transaction", "3:--   requires:  functions/a.sql", "4:--requires: functions/b.sql",
    ])
    #expect(SQLFile.headerLines("").isEmpty)
    #expect(SQLFile.headerLines("-- only a comment").map(\.text) == ["-- only a comment"])

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("headers-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(at: root.appendingPathComponent("functions"), withIntermediateDirectories: true)
    for name in ["a", "b", "c"] { try Data("select 1;".utf8).write(to: root.appendingPathComponent("functions/\(name).sql")) }
    try Data(text.utf8).write(to: root.appendingPathComponent("functions/d.sql"))
    let d = try Project(root: root).repeatableFiles().first { $0.path == "functions/d.sql" }
    #expect(d?.requires == ["functions/a.sql", "functions/b.sql"])  // c comes after the first SQL line
    #expect(d?.noTransaction == true)
    try Data("select 1;\n-- audiencectl:no-transaction\n".utf8).write(to: root.appendingPathComponent("functions/d.sql"))
    #expect(try Project(root: root).repeatableFiles().first { $0.path == "functions/d.sql" }?.noTransaction == false)
    try Data("-- requires:   \nselect 1;".utf8).write(to: root.appendingPathComponent("functions/d.sql"))
    #expect(throws: ProjectError(path: "functions/d.sql", line: 1, message: "-- requires: names no file")) {
      try Project(root: root).repeatableFiles()
    }
  }
}
