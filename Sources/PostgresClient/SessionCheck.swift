// Transaction poolers (pgbouncer `pool_mode = transaction`, Supabase's pooler on port 6543,
// most PaaS poolers) hand each transaction of a client to whichever server session is free.
// migrate, refresh and ingest rely on their session: advisory locks, lock_timeout and
// client_connection_check_interval, a temporary staging table. Through such a pooler those
// would act on, and stay on, sessions other clients share. So these commands check first,
// before they take a lock or set anything, and refuse.

/// The connection goes through a pooler that does not keep one server session per client.
public struct SessionPoolingError: Error, Sendable, CustomStringConvertible {
  /// The command that refused, e.g. `migrate`.
  public var command: String
  /// What showed it, e.g. two server process ids for one connection.
  public var evidence: String

  public init(command: String, evidence: String) {
    self.command = command
    self.evidence = evidence
  }

  public var description: String {
    """
    error: audiencectl \(command) cannot run through a transaction pooler: the connection does not keep one server session \
    (pgbouncer pool_mode = transaction or statement, Supabase's pooler on port 6543), so its advisory lock and session \
    settings would act on sessions other clients share; nothing was done
    detail: \(evidence)
    hint: connect directly to PostgreSQL or through a session pooler (pgbouncer pool_mode = session, Supabase's direct \
    connection or session pooler on port 5432): --url postgresql://USER@DB-HOST:5432/DB or DATABASE_URL
    """
  }
}

extension Connection {
  /// Throws `SessionPoolingError` when this connection does not keep one server session.
  ///
  /// libpq learns a process id when it connects (BackendKeyData). On a direct connection it
  /// is the server process that answers every query (`pg_backend_pid()`): then nothing more
  /// is asked. A pooler answers the connection itself with an id of its own; then a second
  /// client connection through it holds a transaction open while this one runs another,
  /// `rounds` times: a session pooler gives the two connections two sessions and this one
  /// always the same; a transaction pooler shares a session between them or moves this one
  /// (its idle sessions are handed out most recently used first); a session pooler with
  /// every session taken keeps the second connection waiting (2 s), while this one still
  /// answers at once in its own process (then the check passes; a transaction pooler whose
  /// sessions are all taken keeps this one waiting too, and is refused, as is one whose only
  /// free session the second connection's transaction holds: this one waits for it).
  /// A pooler that refuses a transaction block (statement pooling) is refused too. Leaves
  /// no state on any session.
  public func requireOwnSession(for command: String, rounds: Int = 3) throws {
    let first = try scalar("select pg_catalog.pg_backend_pid()", as: Int.self) ?? 0
    if first == backendPID { return }
    // A session pooler with every session taken keeps a second client waiting while this one
    // idles (at login or at its first query): that is the answer too.
    guard let other = try? Connection(target, applicationName: "audiencectl session check", connectTimeout: 2, setDateStyle: false)
    else { return }
    defer { other.close() }
    for _ in 0..<max(1, rounds) {
      let mine = try scalar("select pg_catalog.pg_backend_pid()", as: Int.self) ?? 0
      if mine != first {
        throw SessionPoolingError(
          command: command, evidence: "two transactions of one connection ran in server processes \(first) and \(mine)")
      }
      let theirs: Int
      do {
        guard let row = try other.query(unsafeText: "begin; select pg_catalog.pg_backend_pid()", within: 2)?.first else {
          // No server session for the second connection: every one is taken. Through a
          // session pooler this connection keeps its own and answers at once, in the same
          // process; through a transaction pooler whose sessions other clients hold (several
          // commands checking at once), it waits too.
          guard let row = try query(unsafeText: "select pg_catalog.pg_backend_pid()", within: 2)?.first,
            try row.decode(at: 0, as: Int.self) == first
          else {
            throw SessionPoolingError(
              command: command, evidence: "with every server session taken, this connection waited for one too")
          }
          return
        }
        theirs = try row.decode(at: 0, as: Int.self)
      } catch let error as PostgresError {
        throw SessionPoolingError(command: command, evidence: "the pooler refused a transaction block: \(error.message)")
      }
      // A transaction pooler with one free server session gave it to the second connection:
      // this one then waits for it until the pooler's query_wait_timeout (2 minutes by default).
      guard let againRow = try query(unsafeText: "select pg_catalog.pg_backend_pid()", within: 2)?.first else {
        throw SessionPoolingError(
          command: command,
          evidence: "while a second connection held a transaction open, this one waited for a server session: the two share one")
      }
      let again = try againRow.decode(at: 0, as: Int.self)
      try other.execute("commit")
      if theirs == first {
        throw SessionPoolingError(command: command, evidence: "two client connections shared server process \(first)")
      }
      if again != first {
        throw SessionPoolingError(
          command: command, evidence: "two transactions of one connection ran in server processes \(first) and \(again)")
      }
    }
  }
}

extension Connection {
  /// Makes the server end this session's work within a second once the client is gone
  /// (killed, or its machine lost): `client_connection_check_interval = 1s` (PostgreSQL 14+).
  /// `local`: for the current transaction only (SET LOCAL), else for the session, which a
  /// caller does only after `requireOwnSession`, so it cannot stay on a pooled session.
  public func abortWhenClientGone(local: Bool = false) throws {
    guard serverVersion >= 140000 else { return }
    try execute(local ? "set local client_connection_check_interval = '1s'" : "set client_connection_check_interval = '1s'")
  }
}
