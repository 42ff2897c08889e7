// The history the tool keeps in its own schema `audiencectl`: one row per versioned file
// (or baseline) and per repeatable path, plus an append-only log of what happened.
import Foundation
import PostgresClient

/// One row of `audiencectl.schema_history`.
public struct HistoryRow: Sendable, Equatable, Codable {
  public var kind: FileKind
  public var version: Int?
  public var path: String
  public var description: String
  public var checksum: String
  public var checksumAlgorithm: String
  /// applied, failed, in_progress (a no-transaction file part way through) or baselined.
  public var state: String
  public var statementsDone: Int
  public var appliedAt: Date
  public var appliedByRole: String
  public var appliedByHost: String?
  public var executionMs: Int?
  public var toolVersion: String
  public var error: String?
}

enum History {
  /// The history schema; created under the migration lock, so concurrent runs cannot race.
  static let ddl = """
    create schema if not exists audiencectl;
    comment on schema audiencectl is 'audiencectl''s own bookkeeping: migration history and its event log.';
    revoke all on schema audiencectl from public;
    create table if not exists audiencectl.schema_history (
      id bigint generated always as identity primary key,
      kind text not null constraint check_schema_history_kind check (kind in ('versioned', 'repeatable')),
      version integer,
      path text not null,
      description text not null,
      checksum text not null,
      checksum_algorithm text not null,
      state text not null constraint check_schema_history_state check (state in ('applied', 'failed', 'in_progress', 'baselined')),
      statements_done integer not null default 0,
      applied_at timestamptz not null default pg_catalog.now(),
      applied_by_role text not null default current_user,
      applied_by_host text,
      execution_ms integer,
      tool_version text not null,
      error text,
      constraint check_schema_history_version check ((kind = 'versioned') = (version is not null))
    );
    create unique index if not exists index_schema_history_on_version
      on audiencectl.schema_history (version) where kind = 'versioned';
    create unique index if not exists index_schema_history_on_path
      on audiencectl.schema_history (path) where kind = 'repeatable';
    comment on table audiencectl.schema_history is 'One row per versioned file (or baseline) and per repeatable file: checksum, state, who, when, how long.';
    create table if not exists audiencectl.events (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default pg_catalog.now(),
      event text not null constraint check_events_event check (event in ('applied', 'failed', 'repaired', 'baselined')),
      kind text,
      version integer,
      path text,
      checksum text,
      detail text,
      actor_role text not null default current_user,
      actor_host text,
      tool_version text not null
    );
    comment on table audiencectl.events is 'Append-only log of migration events: applied, failed, repaired, baselined.';
    revoke all on all tables in schema audiencectl from public;
    """

  static func exists(_ connection: Connection) throws -> Bool {
    try connection.scalar("select pg_catalog.to_regclass('audiencectl.schema_history') is not null", as: Bool.self) ?? false
  }

  static func ensure(_ connection: Connection) throws {
    try connection.runScript(ddl, path: "<audiencectl history schema>")
  }

  static func load(_ connection: Connection) throws -> [HistoryRow] {
    guard try exists(connection) else { return [] }
    let result = try connection.query(
      """
      select kind, version, path, description, checksum, checksum_algorithm, state, statements_done,
             applied_at, applied_by_role, applied_by_host, execution_ms, tool_version, error
        from audiencectl.schema_history order by kind desc, version nulls last, path
      """)
    return try result.rows.map { row in
      HistoryRow(
        kind: FileKind(rawValue: try row.decode("kind")) ?? .versioned,
        version: try row.decode("version", as: Int?.self),
        path: try row.decode("path"),
        description: try row.decode("description"),
        checksum: try row.decode("checksum"),
        checksumAlgorithm: try row.decode("checksum_algorithm"),
        state: try row.decode("state"),
        statementsDone: try row.decode("statements_done"),
        appliedAt: try row.decode("applied_at"),
        appliedByRole: try row.decode("applied_by_role"),
        appliedByHost: try row.decode("applied_by_host", as: String?.self),
        executionMs: try row.decode("execution_ms", as: Int?.self),
        toolVersion: try row.decode("tool_version"),
        error: try row.decode("error", as: String?.self))
    }
  }

  static var host: String { ProcessInfo.processInfo.hostName }

  static func logEvent(
    _ connection: Connection, event: String, kind: FileKind?, version: Int?, path: String?, checksum: String?,
    detail: String?
  ) throws {
    try connection.execute(
      """
      insert into audiencectl.events (event, kind, version, path, checksum, detail, actor_host, tool_version)
      values (\(event), \(kind?.rawValue), \(version), \(path), \(checksum), \(detail), \(host), \(ToolInfo.version))
      """)
  }

  /// Records a versioned file's outcome (insert, or update of an earlier failed / in-progress row).
  static func recordVersioned(
    _ connection: Connection, file: SQLFile, state: String, statementsDone: Int, executionMs: Int?, error: String?
  ) throws {
    try connection.execute(
      """
      insert into audiencectl.schema_history
        (kind, version, path, description, checksum, checksum_algorithm, state, statements_done,
         applied_by_host, execution_ms, tool_version, error)
      values ('versioned', \(file.version), \(file.path), \(file.description), \(file.checksum),
              \(ToolInfo.checksumAlgorithm), \(state), \(statementsDone), \(host), \(executionMs),
              \(ToolInfo.version), \(error))
      on conflict (version) where kind = 'versioned' do update
        set state = excluded.state, statements_done = excluded.statements_done, applied_at = pg_catalog.now(),
            applied_by_role = current_user, applied_by_host = excluded.applied_by_host,
            execution_ms = excluded.execution_ms, tool_version = excluded.tool_version, error = excluded.error,
            checksum = excluded.checksum, path = excluded.path
      """)
  }

  static func recordRepeatable(_ connection: Connection, file: SQLFile, executionMs: Int) throws {
    try connection.execute(
      """
      insert into audiencectl.schema_history
        (kind, path, description, checksum, checksum_algorithm, state, applied_by_host, execution_ms, tool_version)
      values ('repeatable', \(file.path), \(file.description), \(file.checksum), \(ToolInfo.checksumAlgorithm),
              'applied', \(host), \(executionMs), \(ToolInfo.version))
      on conflict (path) where kind = 'repeatable' do update
        set checksum = excluded.checksum, checksum_algorithm = excluded.checksum_algorithm, state = 'applied',
            applied_at = pg_catalog.now(), applied_by_role = current_user, applied_by_host = excluded.applied_by_host,
            execution_ms = excluded.execution_ms, tool_version = excluded.tool_version, error = null
      """)
  }
}
