import Foundation
import Glibc
@testable import OSSClient

/// A private temporary directory for credential files, removed by `remove()`.
struct CredentialsTempDir {
    let path: String

    init() throws {
        var template = Array("/tmp/ossfs-creds-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    /// Writes `text` to `name` inside the directory with exactly `mode` (chmod, so the umask plays no part).
    @discardableResult
    func write(_ name: String, _ text: String, mode: mode_t = 0o600) throws -> String {
        let file = path + "/" + name
        let dir = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
            throw POSIXError(.EIO)
        }
        guard chmod(file, mode) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return file
    }

    /// A Unix socket at `name`: stat succeeds but open(2) fails (ENXIO) even for root, which makes a
    /// "not readable" file in a test run as root.
    func unixSocket(_ name: String) throws -> String {
        let file = path + "/" + name
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in file.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        _ = chmod(file, 0o600)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards, also when `body` throws.
func withCredentialsTempDir<R>(_ body: (CredentialsTempDir) throws -> R) throws -> R {
    let dir = try CredentialsTempDir()
    defer { dir.remove() }
    return try body(dir)
}

/// The error `body` throws, as a `CredentialsError`; nil when it throws nothing (or something else).
func credentialsError<R>(_ body: () throws -> R) -> CredentialsError? {
    do { _ = try body(); return nil } catch let error as CredentialsError { return error } catch { return nil }
}

func credentialsError<R>(_ body: () async throws -> R) async -> CredentialsError? {
    do { _ = try await body(); return nil } catch let error as CredentialsError { return error } catch { return nil }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int64
    init(_ seconds: Int64) { self.seconds = seconds }
    var now: Int64 {
        get { lock.withLock { seconds } }
        set { lock.withLock { seconds = newValue } }
    }
    var clock: CredentialsClock { CredentialsClock { [self] in self.now } }
}
