// `audiencectl export archive`: the event partitions that retention moved to schema archive
// (analytics.apply_retention with analytics.retention_state.archive_partitions on), each
// streamed through COPY ... TO STDOUT into a CSV file with a manifest beside it (rows, bytes,
// SHA-256 of the file, columns), and with --drop removed from the database once its file is
// complete. Per table, one transaction: the table is locked against writes (SHARE), copied
// into `<name>.csv.partial` (hashed as it is written, synced), its row count checked against
// count(*) in the same snapshot, renamed to `<name>.csv`, the manifest written, and only
// then dropped (when asked) and committed. A failure leaves the table in the database and
// no `<name>.csv` of an incomplete copy.
import Foundation
import Migrations
import PostgresClient

/// What `export archive` wrote for one archived table.
public struct ArchiveExportResult: Sendable, Equatable, Codable {
  /// `archive.<name>`.
  public var table: String
  public var rows: Int
  public var bytes: Int
  /// SHA-256 of the CSV file, 64 lower-case hex characters.
  public var sha256: String
  public var file: String
  public var manifest: String
  /// Whether the table was dropped after its file was complete.
  public var dropped: Bool
}

/// The manifest written beside each file as `<name>.manifest.json`.
public struct ArchiveManifest: Sendable, Equatable, Codable {
  public var table: String
  public var file: String
  public var format: String
  public var header: Bool
  public var columns: [String]
  public var rows: Int
  public var bytes: Int
  public var sha256: String
  public var exportedAt: String
  public var droppedFromDatabase: Bool

  enum CodingKeys: String, CodingKey {
    case table, file, format, header, columns, rows, bytes, sha256
    case exportedAt = "exported_at"
    case droppedFromDatabase = "dropped_from_database"
  }
}

public struct ArchiveExporter: Sendable {
  public init() {}

  /// The tables of schema archive, `archive.<name>`, in name order.
  public func tables(_ connection: Connection) throws -> [String] {
    try connection.query(
      """
      select pg_catalog.format('%I.%I', n.nspname, c.relname) as name
        from pg_catalog.pg_class as c join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       where n.nspname = 'archive' and c.relkind in ('r', 'p') and not c.relispartition
       order by c.relname
      """
    ).rows.map { try $0.decode("name") }
  }

  /// Exports `table` (a name in schema archive, with or without `archive.`) or, when nil,
  /// every archived table, into `directory` (created when missing); drops each table after
  /// its file and manifest are complete when `drop` is true.
  public func export(_ connection: Connection, table: String?, directory: String, drop: Bool) throws -> [ArchiveExportResult] {
    let all = try tables(connection)
    let chosen: [String]
    if let table {
      let bare = table.hasPrefix("archive.") ? String(table.dropFirst("archive.".count)) : table
      guard let match = all.first(where: { $0 == "archive.\(bare)" || $0 == "archive.\"\(bare)\"" }) else {
        throw LoadingError(
          "no table \(table) in schema archive",
          hint: all.isEmpty
            ? "Nothing is archived: analytics.apply_retention archives partitions only when analytics.retention_state.archive_partitions is on."
            : "Archived tables: \(all.joined(separator: ", ")).")
      }
      chosen = [match]
    } else {
      chosen = all
    }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw LoadingError("cannot create \(directory): \(error.localizedDescription)", hint: "Choose a writable --out directory.")
    }
    return try chosen.map { try exportOne(connection, table: $0, directory: directory, drop: drop) }
  }

  private func exportOne(_ connection: Connection, table: String, directory: String, drop: Bool) throws -> ArchiveExportResult {
    let name = String(table.dropFirst("archive.".count)).replacingOccurrences(of: "\"", with: "")
    let dir = URL(fileURLWithPath: directory)
    let file = dir.appendingPathComponent("\(name).csv")
    let partial = dir.appendingPathComponent("\(name).csv.partial")
    let manifestFile = dir.appendingPathComponent("\(name).manifest.json")
    return try connection.transaction {
      // Values are written the same whatever the server's or the role's defaults.
      try connection.execute("set local timezone = 'UTC'")
      try connection.execute("set local datestyle = 'ISO, YMD'")
      try connection.execute("set local intervalstyle = 'iso_8601'")
      try connection.execute(SQL(unsafeSQL: "lock table \(table) in share mode"))
      let columns: [String] = try connection.query(
        """
        select a.attname::text as name from pg_catalog.pg_attribute as a
         where a.attrelid = \(table)::pg_catalog.regclass and a.attnum > 0 and not a.attisdropped
         order by a.attnum
        """
      ).rows.map { try $0.decode("name") }
      let expected = try connection.scalar(SQL(unsafeSQL: "select pg_catalog.count(*)::bigint from \(table)"), as: Int.self) ?? 0

      let handle: FileHandle
      do {
        handle = try PrivateFile.create(atPath: partial.path)
      } catch {
        throw LoadingError("cannot write \(partial.path)", hint: "Choose a writable --out directory.")
      }
      var hasher = SHA256.Hasher()
      var bytes = 0
      var buffer = Data()
      buffer.reserveCapacity(1 << 16)
      let rows: Int
      do {
        rows = try connection.copyOut(SQL(unsafeSQL: "copy \(table) to stdout with (format csv, header true)")) { chunk in
          hasher.update(chunk)
          bytes += chunk.count
          buffer.append(contentsOf: chunk)
          if buffer.count >= 1 << 16 {
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
          }
        }
        if !buffer.isEmpty { try handle.write(contentsOf: buffer) }
        try handle.synchronize()
        try handle.close()
      } catch {
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
        throw error
      }
      guard rows == expected else {
        try? FileManager.default.removeItem(at: partial)
        throw LoadingError("\(table): COPY wrote \(rows) rows but the table holds \(expected); nothing was dropped")
      }
      if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
      try FileManager.default.moveItem(at: partial, to: file)

      let formatter = ISO8601DateFormatter()
      let manifest = ArchiveManifest(
        table: table, file: file.lastPathComponent, format: "csv", header: true, columns: columns, rows: rows,
        bytes: bytes, sha256: hasher.finalizeHex(), exportedAt: formatter.string(from: Date()), droppedFromDatabase: drop)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      var json = try encoder.encode(manifest)
      json.append(0x0A)
      try json.write(to: manifestFile, options: .atomic)

      if drop { try connection.execute(SQL(unsafeSQL: "drop table \(table)")) }
      return ArchiveExportResult(
        table: table, rows: rows, bytes: bytes, sha256: manifest.sha256, file: file.path, manifest: manifestFile.path,
        dropped: drop)
    }
  }
}
