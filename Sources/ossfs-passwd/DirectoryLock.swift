#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive flock(2) on the directory that holds the credential file, so two ossfs-passwd edits of files
/// there run one after the other instead of one silently losing the other's change. The directory, not the file,
/// because the file is replaced by rename (a lock on the old inode would guard nothing) and may not exist yet.
/// Released when the value is freed (or the process exits).
final class DirectoryLock {
    private let fd: Int32

    init(directory: String) throws {
        fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ToolError.file("cannot open the directory \(directory): \(AtomicFileWriter.errnoText(errno))")
        }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let code = errno
                close(fd)
                throw ToolError.file("cannot lock the directory \(directory): \(AtomicFileWriter.errnoText(code))")
            }
        }
    }

    deinit { close(fd) }
}
