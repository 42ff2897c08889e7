// `audiencectl bench report`: the whole report (every RPC called as service_role in one
// transaction, then the rendering) for the organization with the most events in the last
// 30 days, its 30 local days to today; p50 / p95 over N runs after a warm-up, and each RPC's
// median beside them.
import Foundation
import PostgresClient
import Report

public struct ReportBenchmarkReport: Sendable, Codable {
  public struct Call: Sendable, Codable {
    public var call: String
    public var timings: Timings
  }
  public var org: String
  public var slug: String
  public var events: Int
  public var from: String
  public var to: String
  public var runs: Int
  public var bytes: Int
  public var total: Timings
  public var rpcs: Timings
  public var render: Timings
  public var calls: [Call]

  public var rendered: String {
    func ms(_ t: Timings) -> String { String(format: "p50 %8.1f ms  p95 %8.1f ms", t.median, t.p95) }
    var lines = [
      "bench report: \(slug) (\(org), \(events) events), \(from) to \(to), \(runs) runs after a warm-up, \(bytes) bytes of HTML",
      "  report (RPCs + rendering)      \(ms(total))   target: under 2 s",
      "  RPCs (one transaction)         \(ms(rpcs))",
      "  rendering                      \(ms(render))",
    ]
    for call in calls { lines.append("    \(call.call.padding(toLength: 28, withPad: " ", startingAt: 0)) \(ms(call.timings))") }
    return lines.joined(separator: "\n")
  }
}

public struct ReportBenchmark: Sendable {
  public var runs: Int
  public init(runs: Int) { self.runs = runs }

  public func run(_ db: Connection) throws -> ReportBenchmarkReport {
    let subject = try BenchmarkSubject.largest(db)
    guard let org = UUID(uuidString: subject.org) else { throw PostgresError(code: .clientError, message: "bad organization id \(subject.org)") }
    let request = ReportRequest(orgID: org)
    var last = try Report.make(request, connection: db)  // warm-up: caches and plans
    var total: [Double] = [], rpcs: [Double] = [], render: [Double] = []
    var calls: [String: [Double]] = [:]
    var order: [String] = []
    for _ in 0..<runs {
      last = try Report.make(request, connection: db)
      total.append(last.fetchMilliseconds + last.renderMilliseconds)
      rpcs.append(last.fetchMilliseconds)
      render.append(last.renderMilliseconds)
      for timing in last.data.timings {
        if calls[timing.call] == nil { order.append(timing.call) }
        calls[timing.call, default: []].append(timing.milliseconds)
      }
    }
    return ReportBenchmarkReport(
      org: subject.org, slug: last.data.organization.slug, events: subject.events, from: last.data.from, to: last.data.to,
      runs: runs, bytes: last.html.utf8.count, total: Timings(total), rpcs: Timings(rpcs), render: Timings(render),
      calls: order.map { .init(call: $0, timings: Timings(calls[$0] ?? [])) })
  }
}
