// RawHTTPServer: an HTTP/1.1 server on 127.0.0.1 written on plain sockets, for replies the
// FlyingFox stub cannot script: a body sent in chunks without a length that then stalls with
// the connection open, as a server flooding the client would.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Answers every connection with `head` (status line and headers, no blank line), then
/// `chunks` bytes of `chunkByte` in `chunkSize` pieces, then holds the connection open until
/// ``stop()`` (or `hold` has passed) before closing it. Records each request's head (lower-cased).
final class RawHTTPServer: @unchecked Sendable {
  let port: UInt16
  private let listener: Int32
  private let lock = NSLock()
  private var heads: [String] = []
  private var sent = 0
  private var connections = 0
  private let release = DispatchSemaphore(value: 0)

  var host: String { "127.0.0.1:\(port)" }
  var baseURL: URL { URL(string: "http://\(host)")! }
  var requestHeads: [String] { lock.withLock { heads } }
  /// Body bytes written so far.
  var bytesSent: Int { lock.withLock { sent } }

  init(head: String, chunks: Int, chunkSize: Int = 64 << 10, chunkByte: UInt8 = UInt8(ascii: " "), prefix: String = "", hold: Duration)
    throws
  {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0 else { throw StubError("socket failed") }
    self.listener = listener
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 8) == 0 else { throw StubError("bind/listen failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
    }
    port = UInt16(bigEndian: address.sin_port)
    let thread = Thread { [self] in
      while true {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        self.lock.withLock { self.connections += 1 }
        let serve = Thread { [self] in
          self.serve(connection, head: head, chunks: chunks, chunkSize: chunkSize, chunkByte: chunkByte, prefix: prefix, hold: hold)
        }
        serve.start()
      }
    }
    thread.start()
  }

  private func serve(_ connection: Int32, head: String, chunks: Int, chunkSize: Int, chunkByte: UInt8, prefix: String, hold: Duration) {
    defer { close(connection) }
    var received = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    // The request head, then as many body bytes as it declares.
    while true {
      let count = read(connection, &buffer, buffer.count)
      guard count > 0 else { return }
      received.append(contentsOf: buffer[0..<count])
      guard let end = received.range(of: Data("\r\n\r\n".utf8)) else { continue }
      let headText = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
      let declared = headText.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
      if received.count - end.upperBound >= declared {
        lock.withLock { heads.append(headText) }
        break
      }
    }
    func write(_ data: Data) -> Bool {
      data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
          let written = send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
          if written <= 0 { return false }
          offset += written
        }
        return true
      }
    }
    guard write(Data((head + "\r\n\r\n" + prefix).utf8)) else { return }
    let chunk = Data(repeating: chunkByte, count: chunkSize)
    for _ in 0..<chunks {
      guard write(chunk) else { return }
      lock.withLock { sent += chunk.count }
    }
    _ = release.wait(timeout: .now() + Double(hold.components.seconds) + Double(hold.components.attoseconds) / 1e18)
  }

  /// Stops accepting and lets every held connection close.
  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    for _ in 0..<lock.withLock({ connections }) { release.signal() }
  }
}
