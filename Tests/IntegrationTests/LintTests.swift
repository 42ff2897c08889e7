// scripts/squawk.sh with the project's .squawk.toml: a non-concurrent index on an existing
// table and an over-long name fail; the lock-safe forms pass; the baseline is exempt.
import Foundation
import LocalCluster
import TestSupport
import Testing

@Suite("squawk")
struct LintTests {
  /// Runs scripts/squawk.sh of a throwaway copy of the project's lint setup holding `files`.
  func lint(_ files: [String: String]) throws -> Shell.Output {
    let project = try TestProject()
    let root = TestEnvironment.packageRoot
    try project.write(".squawk.toml", try String(contentsOf: root.appendingPathComponent(".squawk.toml"), encoding: .utf8))
    try project.write("scripts/squawk.sh", try String(contentsOf: root.appendingPathComponent("scripts/squawk.sh"), encoding: .utf8))
    for (path, text) in files { try project.write(path, text) }
    let output = try Shell.run(
      "/bin/bash", [project.root.appendingPathComponent("scripts/squawk.sh").path],
      environment: ProcessInfo.processInfo.environment.merging(
        ["AUDIENCE_SQUAWK_VENV": root.appendingPathComponent(".build/squawk-2.70.0").path]) { _, new in new })
    return output
  }

  @Test("findings fail the lint, naming file, line and rule; lock-safe files and the baseline pass")
  func findingsAndPasses() async throws {
    // Long and blocking: on a thread of its own, not one of the cooperative threads.
    try await blocking { try Self().findingsAndPassesBody() }
  }

  func findingsAndPassesBody() throws {
    let bad = try lint([
      "migrations/0070_index_in_baseline.sql": "create index index_a on app.organizations (slug);\n",
      "migrations/0101_index_existing_table.sql": "create index index_organizations_on_slug on app.organizations (slug);\n",
      "migrations/0102_long_name.sql":
        "create table app.t (id int);\ncreate index index_t_on_id_and_a_name_that_is_much_longer_than_sixty_three_bytes on app.t (id);\n",
    ])
    #expect(bad.status == 1)
    #expect(bad.text.contains("migrations/0101_index_existing_table.sql:0:0: warning: require-concurrent-index-creation"))
    #expect(bad.text.contains("migrations/0102_long_name.sql:1:13: warning: identifier-too-long"))
    #expect(!bad.text.contains("0070_index_in_baseline"))
    #expect(!bad.text.contains("0102_long_name.sql:1:0: warning: require-concurrent-index-creation"))

    let good = try lint([
      "migrations/0101_index_existing_table.sql":
        "-- audiencectl:no-transaction\ncreate index concurrently index_organizations_on_slug on app.organizations (slug);\n",
      "migrations/0102_table_and_index.sql": "create table app.t (id int);\ncreate index index_t_on_id on app.t (id);\n",
      "migrations/0103_events_pattern.sql": try String(
        contentsOf: TestEnvironment.packageRoot.appendingPathComponent("migrations/0432_index_events_writer_idempotency_key.sql"),
        encoding: .utf8),
    ])
    #expect(good.status == 0, "\(good.text)")
    #expect(good.text.contains("3 migrations checked"))
  }
}
