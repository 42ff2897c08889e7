// Files that hold exported rows (segment exports with contact details, usage exports,
// archived raw events): readable and writable by their owner only (0600), whatever the
// umask, and an existing file keeps no looser mode when it is overwritten.
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

public enum PrivateFile {
  /// Creates (or truncates) `path` with mode 0600 and opens it for writing.
  public static func create(atPath path: String) throws -> FileHandle {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw LoadingError("cannot write \(path): \(String(cString: strerror(errno)))")
    }
    // open(2) keeps the mode of a file that existed already: tighten it.
    guard fchmod(fd, 0o600) == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw LoadingError("cannot restrict \(path) to its owner (mode 0600): \(reason)")
    }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }

  /// Writes `data` to `path` (created or truncated, mode 0600).
  public static func write(_ data: Data, toPath path: String) throws {
    let handle = try create(atPath: path)
    defer { try? handle.close() }
    try handle.write(contentsOf: data)
  }
}
