// `audiencectl verify`: migration state, structural checks and RPC contracts, rendered as
// human text, JSON, TAP or JUnit XML.
import Foundation
import Migrations
import PostgresClient

/// Everything `verify` found.
public struct VerifyReport: Sendable, Equatable, Codable {
  public var migrations: [CheckResult]
  public var structure: [CheckResult]
  public var contracts: [ContractResult]
  public var durationMs: Int

  public var passed: Bool {
    migrations.allSatisfy(\.passed) && structure.allSatisfy(\.passed) && contracts.allSatisfy(\.passed)
  }
  public var assertionCount: Int { contracts.reduce(0) { $0 + $1.assertions.count } }
  public var failures: [String] {
    (migrations + structure).filter { !$0.passed }.map(\.message)
      + contracts.filter { !$0.passed }.flatMap { contract in
        (contract.error.map { ["\(contract.file): \($0)"] } ?? []) + contract.problems.map { "\(contract.file): \($0)" }
      }
  }
}

/// Runs the three sections of verify.
public struct Verifier: Sendable {
  public var project: Project
  public var contractFilter: String?
  public var skipContracts = false

  public init(project: Project, contractFilter: String? = nil, skipContracts: Bool = false) {
    self.project = project
    self.contractFilter = contractFilter
    self.skipContracts = skipContracts
  }

  public func verify(_ connection: Connection) throws -> VerifyReport {
    let started = ContinuousClock.now
    let status = try Migrator(project: project).status(connection)
    var migrations: [CheckResult] = []
    for file in status.files where file.isDrift || file.state == .pending || file.state == .changed {
      migrations.append(CheckResult(check: "migration_state", object: file.path, passed: false, message: file.phrase))
    }
    if migrations.isEmpty {
      let count = status.files.filter { $0.state == .applied || $0.state == .baselined }.count
      migrations.append(
        CheckResult(check: "migration_state", object: nil, passed: true, message: "all \(count) files applied, no drift"))
    }
    let structure = try StructuralChecks.run(connection)
    var contracts: [ContractResult] = []
    if !skipContracts {
      let runner = ContractRunner(project: project, filter: contractFilter)
      let files = try runner.contractFiles()
      let available = try ContractRunner.pgTAPAvailable(connection)
      if !files.isEmpty && !available {
        contracts = files.map {
          ContractResult(
            file: $0, planned: nil, assertions: [],
            error: "pgTAP is not available on this server: install it (apt-get install postgresql-15-pgtap) or pass --skip-contracts",
            problems: [], durationMs: 0)
        }
      } else {
        contracts = try runner.run(connection)
      }
    }
    return VerifyReport(
      migrations: migrations, structure: structure, contracts: contracts, durationMs: started.duration(to: .now).milliseconds)
  }
}

/// Output formats of verify.
public enum VerifyFormat: String, Sendable, CaseIterable {
  case human, json, tap, junit
}

extension VerifyReport {
  public func rendered(as format: VerifyFormat) -> String {
    switch format {
    case .human: return human
    case .json: return json
    case .tap: return tap
    case .junit: return junit
    }
  }

  var human: String {
    var lines: [String] = []
    func mark(_ passed: Bool) -> String { passed ? "ok  " : "FAIL" }
    lines.append("Migrations")
    for check in migrations { lines.append("  \(mark(check.passed)) \(check.message)") }
    lines.append("Structure")
    for check in structure { lines.append("  \(mark(check.passed)) \(check.message)") }
    if !contracts.isEmpty {
      lines.append("Contracts")
      for contract in contracts {
        let count = "\(contract.assertions.filter(\.passed).count)/\(contract.planned ?? contract.assertions.count)"
        lines.append("  \(mark(contract.passed)) \(contract.file) (\(count) assertions, \(contract.durationMs) ms)")
        for assertion in contract.assertions where !assertion.passed {
          lines.append("       not ok \(assertion.number) - \(assertion.description)")
          for diagnostic in assertion.diagnostics { lines.append("         \(diagnostic)") }
        }
        for problem in contract.problems where !problem.hasPrefix("not ok") { lines.append("       \(problem)") }
        if let error = contract.error {
          lines += error.split(separator: "\n").map { "       \($0)" }
        }
      }
    }
    let failed = failures.count
    lines.append(
      passed
        ? "verify passed: \(structure.count + migrations.count) checks, \(contracts.count) contract files, \(assertionCount) assertions in \(durationMs) ms"
        : "verify FAILED: \(failed) problem\(failed == 1 ? "" : "s")")
    return lines.joined(separator: "\n")
  }

  var json: String {
    struct Document: Encodable {
      var passed: Bool
      var durationMs: Int
      var migrations: [CheckResult]
      var structure: [CheckResult]
      var contracts: [ContractResult]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let document = Document(passed: passed, durationMs: durationMs, migrations: migrations, structure: structure, contracts: contracts)
    return String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self)
  }

  var tap: String {
    var lines = ["TAP version 13", "1..\(migrations.count + structure.count + contracts.count)"]
    var number = 0
    for check in migrations + structure {
      number += 1
      lines.append("\(check.passed ? "ok" : "not ok") \(number) - \(check.check): \(check.message)")
    }
    for contract in contracts {
      number += 1
      lines.append("# Subtest: \(contract.file)")
      lines.append("    1..\(contract.planned ?? contract.assertions.count)")
      for assertion in contract.assertions {
        lines.append("    \(assertion.passed ? "ok" : "not ok") \(assertion.number) - \(assertion.description)")
        for diagnostic in assertion.diagnostics { lines.append("    # \(diagnostic)") }
      }
      if let error = contract.error { lines += error.split(separator: "\n").map { "    # \($0)" } }
      lines.append("\(contract.passed ? "ok" : "not ok") \(number) - \(contract.file)")
    }
    return lines.joined(separator: "\n")
  }

  var junit: String {
    func escape(_ text: String) -> String {
      text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
    func seconds(_ ms: Int) -> String { String(format: "%.3f", Double(ms) / 1000) }
    var suites: [String] = []
    let checks = migrations + structure
    var body = checks.map { check -> String in
      let name = escape("\(check.check): \(check.object ?? "all")")
      if check.passed { return "    <testcase classname=\"verify.structure\" name=\"\(name)\"/>" }
      return "    <testcase classname=\"verify.structure\" name=\"\(name)\"><failure message=\"\(escape(check.message))\"/></testcase>"
    }
    suites.append(
      "  <testsuite name=\"structure\" tests=\"\(checks.count)\" failures=\"\(checks.filter { !$0.passed }.count)\" errors=\"0\">\n"
        + body.joined(separator: "\n") + "\n  </testsuite>")
    for contract in contracts {
      body = contract.assertions.map { assertion in
        let name = escape("\(assertion.number) - \(assertion.description)")
        if assertion.passed { return "    <testcase classname=\"\(escape(contract.file))\" name=\"\(name)\"/>" }
        return "    <testcase classname=\"\(escape(contract.file))\" name=\"\(name)\"><failure message=\"not ok\">"
          + escape(assertion.diagnostics.joined(separator: "\n")) + "</failure></testcase>"
      }
      let extra = (contract.error.map { [$0] } ?? []) + contract.problems.filter { !$0.hasPrefix("not ok") }
      if !extra.isEmpty {
        body.append(
          "    <testcase classname=\"\(escape(contract.file))\" name=\"file\"><error message=\"\(escape(extra.first!))\">"
            + escape(extra.joined(separator: "\n")) + "</error></testcase>")
      }
      let failures = contract.assertions.filter { !$0.passed }.count
      suites.append(
        "  <testsuite name=\"\(escape(contract.file))\" tests=\"\(body.count)\" failures=\"\(failures)\" errors=\"\(extra.isEmpty ? 0 : 1)\" time=\"\(seconds(contract.durationMs))\">\n"
          + body.joined(separator: "\n") + "\n  </testsuite>")
    }
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"audiencectl verify\" time=\"\(seconds(durationMs))\">\n"
      + suites.joined(separator: "\n") + "\n</testsuites>"
  }
}
