// The private cluster: created on first use, reused while running, stopped; also as root.
import Foundation
import LocalCluster
import PostgresClient
import TestSupport
import Testing

@Suite("private cluster")
struct ClusterTests {
  @Test("db start creates and starts, a second start reuses, url works with libpq, db stop stops")
  func lifecycle() throws {
    let project = try TestProject()
    let dir = ["--project", project.root.path]
    #expect(try audiencectl(["db", "status"] + dir).stdout == "not created (\(project.root.standardizedFileURL.path)/.audiencectl)\n")
    let first = try audiencectl(["db", "start"] + dir)
    #expect(first.status == 0, "\(first.stderr)")
    let url = "postgresql:///audience?host=\(project.root.standardizedFileURL.path)/.audiencectl/run&port=5432&user=postgres"
    #expect(first.stdout == "private cluster created and started: \(url)\n")
    defer { _ = try? audiencectl(["db", "stop"] + dir) }
    let second = try audiencectl(["db", "start"] + dir)
    #expect(second.stdout == "private cluster already running: \(url)\n")
    #expect(try audiencectl(["db", "url"] + dir).stdout == url + "\n")
    #expect(try audiencectl(["db", "status"] + dir).stdout.hasPrefix("running, pid "))
    let connection = try Connection(.url(url))
    #expect(try connection.scalar("select current_setting('listen_addresses')", as: String.self) == "")
    connection.close()
    if geteuid() == 0 {
      let owner = try FileManager.default.attributesOfItem(atPath: project.root.appendingPathComponent(".audiencectl/data").path)[.ownerAccountName] as? String
      #expect(owner == "postgres")
    }
    // With no URL and no PG* variables, migrate uses (and here reuses) the private cluster.
    try project.write("migrations/0001_create_people.sql", "create table people (id int);\n")
    let migrate = try audiencectl(["migrate"] + dir)
    #expect(migrate.status == 0, "\(migrate.stderr)")
    #expect(migrate.stdout.contains("applied migrations/0001_create_people.sql"))
    #expect(try audiencectl(["db", "stop"] + dir).stdout == "private cluster stopped\n")
    #expect(try audiencectl(["db", "status"] + dir).stdout.hasPrefix("stopped"))
    #expect(try audiencectl(["db", "stop"] + dir).stdout == "private cluster was not running\n")
  }

  @Test("as root, a project in a folder the postgres user cannot traverse (mode 700 under the home folder): migrate works with zero config, the cluster lives in /var/tmp/audiencectl-<hash>, db url, status and stop point at it")
  func unreachableProject() async throws {
    guard geteuid() == 0 else { return }  // Only root hands the server to another user.
    var template = Array((NSHomeDirectory() + "/audiencectl-test-XXXXXX").utf8CString)
    let parent = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
    defer { try? FileManager.default.removeItem(atPath: parent) }
    #expect(try FileManager.default.attributesOfItem(atPath: parent)[.posixPermissions] as? Int == 0o700)
    let project = URL(fileURLWithPath: parent + "/project")
    try FileManager.default.createDirectory(at: project.appendingPathComponent("migrations"), withIntermediateDirectories: true)
    try Data("create table people (id int);\ninsert into people values (1);\n".utf8).write(
      to: project.appendingPathComponent("migrations/0001_create_people.sql"))
    let cluster = LocalCluster(projectDirectory: project)
    let dir = ["--project", project.path]
    defer {
      _ = try? audiencectl(["db", "stop"] + dir)
      try? FileManager.default.removeItem(at: cluster.directory)
    }
    #expect(cluster.directory.path.wholeMatch(of: /\/var\/tmp\/audiencectl-[0-9a-f]{16}/) != nil)
    #expect(try await audiencectlAsync(["db", "status"] + dir).stdout == "not created (\(cluster.directory.path))\n")

    let migrate = try await audiencectlAsync(["migrate"] + dir)
    #expect(migrate.status == 0, "\(migrate.stderr)")
    #expect(migrate.stdout.hasPrefix("applied migrations/0001_create_people.sql (version 1) in "))
    let url = "postgresql:///audience?host=\(cluster.directory.path)/run&port=5432&user=postgres"
    #expect(try await audiencectlAsync(["db", "url"] + dir).stdout == url + "\n")
    #expect(try await audiencectlAsync(["db", "status"] + dir).stdout.hasPrefix("running, pid "))
    #expect(try Connection(.url(url)).scalar("select count(*)::int from people", as: Int.self) == 1)
    #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(".audiencectl").path))
    #expect(try await audiencectlAsync(["db", "stop"] + dir).stdout == "private cluster stopped\n")
    #expect(try await audiencectlAsync(["db", "status"] + dir).stdout == "stopped (\(cluster.dataDirectory.path))\n")
  }
}
