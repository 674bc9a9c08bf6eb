#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a passwd file the way ossfs 1.x does (`S3fsCred::CheckPasswdFilePerms`, `ReadPasswdFile`):
/// stat (following symlinks), readable, no "other" bits, no group bits (the system file may be group-readable
/// but not group-writable), no execute bits. ossfs 1.x does not check the owner, and neither do we.
public enum PasswdFileAccess {
    /// The file ossfs 1.x names DEFAULT_PASSWD_FILE; the only one allowed to be group-readable.
    public static let systemPasswdFilePath = "/etc/passwd-ossfs"

    /// Whether the file can be opened for reading (ossfs 1.x's `ifstream::good()`), which decides whether
    /// ~/.passwd-ossfs and /etc/passwd-ossfs are looked at at all.
    public static func isReadable(_ path: String) -> Bool {
        guard !path.isEmpty else { return false }
        // O_NONBLOCK: a FIFO at the path must not hang the mount.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    /// Checks the file's mode; `isSystemFile` relaxes the group rule (ossfs 1.x compares the path with
    /// /etc/passwd-ossfs; tests pass another path in its place).
    public static func checkPermissions(_ path: String, isSystemFile: Bool) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CredentialsError.statFailed(path: path, reason: errnoText(errno))
        }
        guard isReadable(path) else { throw CredentialsError.notReadable(path: path) }
        let mode = info.st_mode
        if mode & (S_IROTH | S_IWOTH | S_IXOTH) != 0 { throw CredentialsError.othersPermissions(path: path) }
        if isSystemFile {
            if mode & S_IWGRP != 0 { throw CredentialsError.groupWritable(path: path) }
        } else if mode & (S_IRGRP | S_IWGRP | S_IXGRP) != 0 {
            throw CredentialsError.groupPermissions(path: path)
        }
        if mode & (S_IXUSR | S_IXGRP) != 0 { throw CredentialsError.executable(path: path) }
    }

    /// Checks the permissions, then reads and parses the file.
    public static func load(_ path: String, isSystemFile: Bool) throws -> PasswdFile {
        try checkPermissions(path, isSystemFile: isSystemFile)
        return try PasswdFile(contents: readContents(path), path: path)
    }

    /// The whole file. Passwd files are a few lines; anything over 1 MiB is not one.
    static func readContents(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialsError.cannotOpen(path: path, reason: errnoText(errno)) }
        defer { close(fd) }
        let limit = 1 << 20
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while contents.count <= limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return contents }
            if n < 0 {
                if errno == EINTR { continue }
                throw CredentialsError.cannotOpen(path: path, reason: errnoText(errno))
            }
            contents.append(contentsOf: chunk[0..<n])
        }
        throw CredentialsError.cannotOpen(path: path, reason: "larger than \(limit) bytes")
    }

    static func errnoText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }
}
