// Decides where audiencectl connects: --url, then DATABASE_URL, then libpq's own PG*
// variables / service file, and with none of them the private cluster.
import Foundation
import PostgresClient

/// The connection source that was chosen, and why.
public enum ConnectionSource: Sendable, Equatable {
  case option(String)
  case databaseURL(String)
  case libpqEnvironment
  case privateCluster(directory: String)

  public var description: String {
    switch self {
    case .option: "--url"
    case .databaseURL: "DATABASE_URL"
    case .libpqEnvironment: "PG* environment"
    case .privateCluster(let directory): "private cluster in \(directory)"
    }
  }
}

public enum ConnectionResolver {
  /// libpq variables that name a server; PGOPTIONS or PGAPPNAME alone do not.
  public static let libpqTargetVariables = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]

  /// Chooses the source without side effects.
  public static func source(url: String?, environment: [String: String], projectDirectory: URL) -> ConnectionSource {
    if let url, !url.isEmpty { return .option(url) }
    if let url = environment["DATABASE_URL"], !url.isEmpty { return .databaseURL(url) }
    if libpqTargetVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) { return .libpqEnvironment }
    return .privateCluster(directory: LocalCluster(projectDirectory: projectDirectory).directory.path)
  }

  /// The target to connect to; starts (or reuses) the private cluster when that is the source.
  public static func target(for source: ConnectionSource, projectDirectory: URL) throws -> ConnectionTarget {
    switch source {
    case .option(let url), .databaseURL(let url): return .url(url)
    case .libpqEnvironment: return .libpqDefaults
    case .privateCluster:
      let cluster = LocalCluster(projectDirectory: projectDirectory)
      return .url(try cluster.start().url)
    }
  }
}
