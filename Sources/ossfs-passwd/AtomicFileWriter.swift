#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file so that a reader sees the old bytes or the new ones, never a mix, and a crash leaves one of
/// the two: a temporary file in the same directory (created 0600, so nobody else can read it even for a moment),
/// write, fsync, rename over the target, fsync the directory.
enum AtomicFileWriter {
    struct Owner { let uid: uid_t; let gid: gid_t }

    /// Returns a notice when `owner` could not be kept; throws a file error naming the step that failed.
    static func replace(_ target: String, with bytes: [UInt8], mode: mode_t, owner: Owner?) throws -> String? {
        let directory = directoryOf(target)
        let base = String(target.split(separator: "/").last ?? Substring(target))
        var template = Array("\(directory)/.\(base).ossfs-passwd-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }   // O_EXCL, mode 0600
        guard fd >= 0 else { throw failure("create a temporary file in \(directory)", errno) }
        let temporary = String(cString: template)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        var ownerNotice: String?
        do {
            defer { close(fd) }
            if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
                ownerNotice = "could not keep the owner \(owner.uid):\(owner.gid) of \(target) "
                    + "(\(errnoText(errno))); it is now owned by uid \(geteuid())"
            }
            guard fchmod(fd, mode) == 0 else { throw failure("set the mode of \(temporary)", errno) }
            try writeAll(fd, bytes, name: temporary)
            guard fsync(fd) == 0 else { throw failure("fsync \(temporary)", errno) }
        }
        guard rename(temporary, target) == 0 else { throw failure("rename \(temporary) to \(target)", errno) }
        renamed = true
        // The rename is durable only once the directory entry is; a failure here leaves the new file in place.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        let synced = dirFD >= 0 && fsync(dirFD) == 0
        let code = errno
        if dirFD >= 0 { close(dirFD) }
        guard synced else {
            throw ToolError.file("\(target) was written but its directory \(directory) could not be synced "
                + "(\(errnoText(code))); the change may not survive a crash")
        }
        return ownerNotice
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write \(name)", errno)
            }
            offset += n
        }
    }

    private static func failure(_ step: String, _ code: Int32) -> ToolError {
        ToolError.file("could not \(step): \(errnoText(code)); the credential file was left unchanged")
    }

    static func errnoText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
