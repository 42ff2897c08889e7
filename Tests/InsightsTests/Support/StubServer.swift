// StubServer: a real HTTP server on 127.0.0.1 (a free port the kernel picks) that answers
// from a script and records every request it receives.
import FlyingFox
import FlyingSocks
import Foundation
import Insights

/// One scripted reply.
struct StubReply: Sendable {
  var status: Int
  var headers: [String: String] = [:]
  var body: String
  /// How long the server waits before answering.
  var delay: Duration = .zero

  static func json(_ body: String, status: Int = 200, headers: [String: String] = [:], delay: Duration = .zero) -> StubReply {
    StubReply(status: status, headers: ["Content-Type": "application/json"].merging(headers) { $1 }, body: body, delay: delay)
  }
}

/// A request as the server received it.
struct ReceivedRequest: Sendable {
  var method: String
  var path: String
  /// Header names lower-cased.
  var headers: [String: String]
  var body: Data

  /// The body parsed as JSON (`Insights.JSONValue`: FlyingFox has a type of the same name).
  var json: Insights.JSONValue? { try? Insights.JSONValue.parse(body) }
  var bodyText: String { String(decoding: body, as: UTF8.self) }
}

actor StubScript {
  private var replies: [StubReply]
  private(set) var requests: [ReceivedRequest] = []

  init(_ replies: [StubReply]) { self.replies = replies }

  /// Records the request and returns the next reply; the last one repeats.
  func take(_ request: ReceivedRequest) -> StubReply {
    requests.append(request)
    return replies.count > 1 ? replies.removeFirst() : replies[0]
  }
}

struct StubServer: Sendable {
  let server: HTTPServer
  let script: StubScript
  let port: UInt16

  var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
  var host: String { "127.0.0.1:\(port)" }
  var requests: [ReceivedRequest] { get async { await script.requests } }

  /// The number of requests received, once it reaches `expected` or `within` has passed.
  /// A client that gives up after a short timeout may do so before the server has read the
  /// request it sent (a loaded CI machine schedules the server late); the bytes are in the
  /// socket, so waiting for them tells "never sent" from "read late".
  func requestCount(reaching expected: Int, within: Duration = .seconds(10)) async -> Int {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: within)
    var count = await script.requests.count
    while count < expected, clock.now < end {
      try? await Task.sleep(for: .milliseconds(20))
      count = await script.requests.count
    }
    return count
  }

  /// Starts a server answering with `replies` in turn, runs `body`, stops the server.
  static func with<T: Sendable>(_ replies: [StubReply], _ body: (StubServer) async throws -> T) async throws -> T {
    let script = StubScript(replies)
    let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
    await server.appendRoute("*") { request in
      var headers: [String: String] = [:]
      for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
      let received = ReceivedRequest(
        method: request.method.rawValue, path: request.path, headers: headers, body: try await request.bodyData)
      let reply = await script.take(received)
      if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
      var responseHeaders = HTTPHeaders()
      for (name, value) in reply.headers { responseHeaders[HTTPHeader(name)] = value }
      return HTTPResponse(
        statusCode: HTTPStatusCode(reply.status, phrase: "Stub"), headers: responseHeaders, body: Data(reply.body.utf8))
    }
    let task = Task { try await server.run() }
    do {
      try await server.waitUntilListening(timeout: 10)
      guard case .ip4(_, let port)? = await server.listeningAddress else {
        throw StubError("the stub server is not listening on an IPv4 address")
      }
      let stub = StubServer(server: server, script: script, port: port)
      let result = try await body(stub)
      await server.stop(timeout: 0)
      task.cancel()
      return result
    } catch {
      await server.stop(timeout: 0)
      task.cancel()
      throw error
    }
  }
}

struct StubError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
