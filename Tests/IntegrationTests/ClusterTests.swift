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
}
