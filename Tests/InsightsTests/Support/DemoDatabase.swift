// A database of its own, migrated and seeded with the demo data (seed/README.md), and the
// demo artist's organization (demo-nachtfalter): the fixture of the generation, queue and
// run-record tests.
import Foundation
import PostgresClient
import TestSupport
import Testing

func demoDatabase() throws -> (TestDatabase, UUID, Connection) {
  let db = try TestDatabase()
  let root = TestEnvironment.packageRoot.path
  let migrate = try audiencectl(["migrate", "--url", db.url, "--project", root])
  guard migrate.status == 0 else { throw StubError("migrate failed: \(migrate.stderr)") }
  let seed = try audiencectl(["seed", "demo", "--url", db.url, "--project", root])
  guard seed.status == 0 else { throw StubError("seed failed: \(seed.stderr)") }
  let connection = try db.connect()
  let org = try #require(try connection.scalar("select id from app.organizations where slug = 'demo-nachtfalter'", as: UUID.self))
  return (db, org, connection)
}
