// The SQL files of a project: versioned migrations and repeatable functions and views,
// discovered on disk, checksummed and put in their documented order.
import Foundation
import PostgresClient

/// The tool's version, recorded with every history row.
public enum ToolInfo {
  public static let version = "0.1.0"
  /// How checksums are computed; stored beside each checksum so the rule can evolve.
  public static let checksumAlgorithm = "sha256-lf-nobom-v1"
}

/// The two kinds of SQL file.
public enum FileKind: String, Sendable, Codable, Equatable {
  case versioned
  case repeatable
}

/// One SQL file of the project.
public struct SQLFile: Sendable, Equatable {
  public var kind: FileKind
  /// Path relative to the project root, with `/` separators, e.g. `migrations/0001_create_auth.sql`.
  public var path: String
  /// The version of a versioned file (`0001` is 1).
  public var version: Int?
  public var description: String
  /// The text as applied: BOM stripped, line endings normalized to LF.
  public var text: String
  public var checksum: String
  /// `-- audiencectl:no-transaction` on the first line.
  public var noTransaction: Bool
  /// `-- requires: other/file.sql` headers (repeatables).
  public var requires: [String]

  /// Normalizes text the way checksums see it: no BOM, LF line endings.
  public static func normalize(_ raw: String) -> String {
    var text = raw
    if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
    // Most files have no CR at all: a byte scan is far cheaper than Foundation's replace.
    guard text.utf8.contains(13) else { return text }
    return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
  }

  /// The header of a file: its comment lines (trimmed, with their 1-based numbers) up to the
  /// first line that is neither blank nor a `--` comment. Only the header is scanned.
  public static func headerLines(_ text: String) -> [(number: Int, text: Substring)] {
    var lines: [(number: Int, text: Substring)] = []
    var start = text.startIndex
    var number = 1
    while start < text.endIndex {
      let end = text.utf8[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
      let line = trimmingBlanks(text[start..<end])
      if !line.isEmpty {
        guard line.hasPrefix("--") else { break }
        lines.append((number, line))
      }
      guard end < text.endIndex else { break }
      start = text.utf8.index(after: end)
      number += 1
    }
    return lines
  }

  /// `text` without leading and trailing spaces and tabs.
  static func trimmingBlanks(_ text: Substring) -> Substring {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else { return "" }
    return text[first...last]
  }

  /// SHA-256 of the normalized text.
  public static func checksum(of normalized: String) -> String {
    SHA256.hex(Array(normalized.utf8))
  }
}

/// A problem with the project's files, before anything touches a database.
public struct ProjectError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var line: Int?
  public var message: String
  public var hint: String?
  public init(path: String, line: Int? = nil, message: String, hint: String? = nil) {
    self.path = path
    self.line = line
    self.message = message
    self.hint = hint
  }
  public var description: String {
    "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" + (hint.map { "\nhint: \($0)" } ?? "")
  }
}

/// A project directory holding `migrations/`, `functions/` and `views/`.
public struct Project: Sendable {
  public var root: URL

  public init(root: URL) {
    self.root = root.standardizedFileURL
  }

  /// The nearest directory at or above `start` that has a `migrations/` folder, else `start`.
  public static func find(from start: URL) -> Project {
    var dir = start.standardizedFileURL
    while true {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: dir.appendingPathComponent("migrations").path, isDirectory: &isDir),
        isDir.boolValue
      {
        return Project(root: dir)
      }
      let parent = dir.deletingLastPathComponent()
      if parent.path == dir.path { return Project(root: start) }
      dir = parent
    }
  }

  /// Versioned files in version order.
  public func versionedFiles() throws -> [SQLFile] {
    let pattern = /^(\d{4,})_([a-z0-9][a-z0-9_]*)\.sql$/
    var files: [SQLFile] = []
    for name in try listSQL(in: "migrations", recursive: false) {
      let path = "migrations/\(name)"
      guard let match = name.wholeMatch(of: pattern) else {
        throw ProjectError(
          path: path, message: "not a valid migration file name",
          hint: "name versioned files NNNN_snake_description.sql, e.g. 0007_create_segments.sql")
      }
      var file = try load(path: path, kind: .versioned)
      file.version = Int(match.1)
      file.description = match.2.replacingOccurrences(of: "_", with: " ")
      if let other = files.first(where: { $0.version == file.version }) {
        throw ProjectError(path: path, message: "version \(match.1) is also used by \(other.path)")
      }
      files.append(file)
    }
    return files.sorted { $0.version! < $1.version! }
  }

  /// Repeatable files in apply order: `functions/` before `views/`, by path, moved after the
  /// files they name in `-- requires:` headers (a stable topological sort).
  public func repeatableFiles() throws -> [SQLFile] {
    var files: [SQLFile] = []
    for folder in ["functions", "views"] {
      for relative in try listSQL(in: folder, recursive: true).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
        files.append(try load(path: "\(folder)/\(relative)", kind: .repeatable))
      }
    }
    return try Self.order(files)
  }

  /// Kahn's algorithm, always taking the earliest ready file in directory-then-path order.
  static func order(_ files: [SQLFile]) throws -> [SQLFile] {
    let index = Dictionary(uniqueKeysWithValues: files.enumerated().map { ($1.path, $0) })
    var blockers = Array(repeating: 0, count: files.count)
    var dependents = Array(repeating: [Int](), count: files.count)
    for (i, file) in files.enumerated() {
      for required in file.requires {
        guard let j = index[required] else {
          throw ProjectError(
            path: file.path, message: "requires \(required), which does not exist",
            hint: "name it by its path from the project root, e.g. functions/app/assert_org_role.sql")
        }
        if j == i { throw ProjectError(path: file.path, message: "requires itself") }
        blockers[i] += 1
        dependents[j].append(i)
      }
    }
    var ready = Set(blockers.indices.filter { blockers[$0] == 0 })
    var ordered: [SQLFile] = []
    while let next = ready.min() {
      ready.remove(next)
      ordered.append(files[next])
      for dependent in dependents[next] {
        blockers[dependent] -= 1
        if blockers[dependent] == 0 { ready.insert(dependent) }
      }
    }
    if ordered.count < files.count {
      let cycle = files.indices.filter { blockers[$0] > 0 }.map { files[$0].path }
      throw ProjectError(path: cycle[0], message: "-- requires: headers form a cycle among \(cycle.joined(separator: ", "))")
    }
    return ordered
  }

  private func listSQL(in folder: String, recursive: Bool) throws -> [String] {
    let dir = root.appendingPathComponent(folder)
    let fm = FileManager.default
    guard fm.fileExists(atPath: dir.path) else { return [] }
    if !recursive {
      return try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
    }
    guard let enumerator = fm.enumerator(atPath: dir.path) else { return [] }
    var names: [String] = []
    while let next = enumerator.nextObject() as? String {
      if next.hasSuffix(".sql") { names.append(next) }
    }
    return names
  }

  private func load(path: String, kind: FileKind) throws -> SQLFile {
    let url = root.appendingPathComponent(path)
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw ProjectError(path: path, message: "cannot be read")
    }
    guard let raw = String(validating: data, as: UTF8.self) else {
      throw ProjectError(path: path, message: "is not valid UTF-8")
    }
    let text = SQLFile.normalize(raw)
    let header = SQLFile.headerLines(text)
    let noTransaction = header.first.map { $0.number == 1 && $0.text == "-- audiencectl:no-transaction" } ?? false
    var requires: [String] = []
    for line in header {
      let comment = line.text.dropFirst(2).drop(while: { $0 == " " || $0 == "\t" })
      if comment.hasPrefix("requires:") {
        let target = SQLFile.trimmingBlanks(comment.dropFirst("requires:".count))
        guard !target.isEmpty else { throw ProjectError(path: path, line: line.number, message: "-- requires: names no file") }
        requires.append(String(target))
      }
    }
    if kind == .versioned, !requires.isEmpty {
      throw ProjectError(path: path, message: "-- requires: is for repeatable files; versioned files run in version order")
    }
    return SQLFile(
      kind: kind, path: path, version: nil,
      description: kind == .repeatable ? String(path.split(separator: "/").last!.dropLast(4)) : "",
      text: text, checksum: SQLFile.checksum(of: text), noTransaction: noTransaction, requires: requires)
  }
}
