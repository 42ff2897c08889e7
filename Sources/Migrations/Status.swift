// Where each file stands against the history: applied, pending, changed, drifted, missing.
import Foundation
import PostgresClient

/// Process exit statuses shared by every command (documented in the README).
public enum ExitStatus: Int32, Sendable {
  case success = 0
  /// A SQL error, a refused plan, a failed check.
  case failure = 1
  /// An applied versioned file was edited, is missing, or was left part-applied.
  case drift = 3
  /// The migration lock, or a table lock inside a file, was not obtained in time.
  case lockTimeout = 4
  /// Bad arguments (swift-argument-parser's EX_USAGE).
  case usage = 64
}

/// One file's standing.
public struct FileStatus: Sendable, Equatable, Codable {
  public enum State: String, Sendable, Codable {
    case applied
    case pending
    /// A repeatable whose file changed since it was applied: it will be re-applied.
    case changed
    /// A versioned file edited after it was applied (drift).
    case checksumMismatch = "checksum_mismatch"
    /// In the history but no longer on disk.
    case missingFile = "missing_file"
    /// A no-transaction file that stopped part way (drift until resumed).
    case failed
    case inProgress = "in_progress"
    /// Covered by a baseline: treated as applied, never run.
    case baselined
  }

  public var kind: FileKind
  public var version: Int?
  public var path: String
  public var state: State
  /// A pending versioned file below the highest applied version.
  public var outOfOrder: Bool
  public var appliedAt: Date?
  public var checksum: String?
  public var appliedChecksum: String?
  public var detail: String?

  /// The file's standing as a phrase: "migrations/0001_x.sql was edited after it was applied (checksum mismatch)".
  public var phrase: String {
    switch state {
    case .applied: return "\(path) is applied"
    case .baselined: return "\(path) is covered by the baseline"
    case .pending: return outOfOrder ? "\(path) is pending below the highest applied version (out of order)" : "\(path) is pending"
    case .changed: return "\(path) changed since it was applied (will be re-applied)"
    case .checksumMismatch: return "\(path) was edited after it was applied (checksum mismatch)"
    case .missingFile: return "\(path) was applied but its file is missing"
    case .failed: return "\(path) stopped part way (failed\(detail.map { ": \($0)" } ?? ""))"
    case .inProgress: return "\(path) is part way through (in progress)"
    }
  }

  /// Whether `validate` fails on this file.
  public var isDrift: Bool {
    switch state {
    case .checksumMismatch, .failed, .inProgress: return true
    case .missingFile: return kind == .versioned
    case .pending: return outOfOrder
    case .applied, .changed, .baselined: return false
    }
  }
}

/// Every file's standing, in apply order, then history rows whose file is gone.
public struct StatusReport: Sendable, Equatable, Codable {
  public var historyExists: Bool
  public var files: [FileStatus]

  public func count(_ state: FileStatus.State) -> Int { files.filter { $0.state == state }.count }
  public var drift: [FileStatus] { files.filter(\.isDrift) }
  public var pending: [FileStatus] { files.filter { $0.state == .pending || $0.state == .changed } }

  /// A fixed-width table and a summary line, as `audiencectl status` prints it.
  public var rendered: String {
    var lines: [String] = []
    if !historyExists { lines.append("No migration history yet (schema audiencectl is absent): every file is pending.") }
    let widest = max(4, files.map(\.path.count).max() ?? 4)
    lines.append("VERSION  \("FILE".padding(toLength: widest, withPad: " ", startingAt: 0))  STATE")
    for file in files {
      let version = file.version.map { String($0).leftPadded(to: 4) } ?? "-"
      var state = file.state.rawValue.replacingOccurrences(of: "_", with: " ")
      if file.state == .changed { state += " (will be re-applied)" }
      if file.outOfOrder { state += " (out of order)" }
      if file.state == .applied || file.state == .changed, let at = file.appliedAt { state += "  \(Self.format(at))" }
      if let detail = file.detail { state += "  \(detail)" }
      lines.append(
        "\(version.padding(toLength: 7, withPad: " ", startingAt: 0))  \(file.path.padding(toLength: widest, withPad: " ", startingAt: 0))  \(state)")
    }
    let applied = count(.applied) + count(.baselined)
    lines.append(
      "\(applied) applied, \(count(.pending)) pending, \(count(.changed)) changed, \(drift.count) drift")
    return lines.joined(separator: "\n")
  }

  static func format(_ date: Date) -> String {
    let text = date.postgresText  // yyyy-mm-dd hh:mm:ss.ffffff+00
    return String(text.prefix(19)) + "Z"
  }
}

extension StatusReport {
  /// Compares files on disk with history rows.
  static func make(versioned: [SQLFile], repeatable: [SQLFile], history: [HistoryRow], historyExists: Bool) -> StatusReport {
    var files: [FileStatus] = []
    let versionedRows = Dictionary(history.filter { $0.kind == .versioned }.map { ($0.version!, $0) }, uniquingKeysWith: { a, _ in a })
    let baseline = history.filter { $0.state == "baselined" }.compactMap(\.version).max()
    let highestApplied = history.filter { $0.kind == .versioned }.compactMap(\.version).max() ?? Int.min
    for file in versioned {
      let version = file.version!
      var status = FileStatus(
        kind: .versioned, version: version, path: file.path, state: .pending, outOfOrder: false, appliedAt: nil,
        checksum: file.checksum, appliedChecksum: nil, detail: nil)
      if let row = versionedRows[version], row.state != "baselined" {
        status.appliedAt = row.appliedAt
        status.appliedChecksum = row.checksum
        switch row.state {
        case "failed":
          status.state = .failed
          status.detail = "stopped after statement \(row.statementsDone): \(row.error ?? "")"
        case "in_progress":
          status.state = .inProgress
          status.detail = "\(row.statementsDone) statements done"
        default:
          status.state = row.checksum == file.checksum ? .applied : .checksumMismatch
        }
      } else if let baseline, version <= baseline {
        status.state = .baselined
      } else if version < highestApplied {
        status.outOfOrder = true
      }
      files.append(status)
    }
    let onDisk = Set(versioned.compactMap(\.version))
    for row in history where row.kind == .versioned && row.state != "baselined" && !onDisk.contains(row.version!) {
      files.append(
        FileStatus(
          kind: .versioned, version: row.version, path: row.path, state: .missingFile, outOfOrder: false,
          appliedAt: row.appliedAt, checksum: nil, appliedChecksum: row.checksum, detail: nil))
    }
    if let baseline {
      files.append(
        FileStatus(
          kind: .versioned, version: baseline, path: "<baseline>", state: .baselined, outOfOrder: false,
          appliedAt: history.first { $0.state == "baselined" }?.appliedAt, checksum: nil, appliedChecksum: nil,
          detail: "versions up to \(baseline) taken as applied"))
    }
    let repeatableRows = Dictionary(history.filter { $0.kind == .repeatable }.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    for file in repeatable {
      var status = FileStatus(
        kind: .repeatable, version: nil, path: file.path, state: .pending, outOfOrder: false, appliedAt: nil,
        checksum: file.checksum, appliedChecksum: nil, detail: nil)
      if let row = repeatableRows[file.path] {
        status.appliedAt = row.appliedAt
        status.appliedChecksum = row.checksum
        status.state = row.checksum == file.checksum ? .applied : .changed
      }
      files.append(status)
    }
    let repeatablePaths = Set(repeatable.map(\.path))
    for row in history where row.kind == .repeatable && !repeatablePaths.contains(row.path) {
      files.append(
        FileStatus(
          kind: .repeatable, version: nil, path: row.path, state: .missingFile, outOfOrder: false,
          appliedAt: row.appliedAt, checksum: nil, appliedChecksum: row.checksum,
          detail: "its objects stay in the database until a migration drops them"))
    }
    return StatusReport(historyExists: historyExists, files: files)
  }
}

extension String {
  func padded(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
}
