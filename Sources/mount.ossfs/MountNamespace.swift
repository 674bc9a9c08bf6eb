#if canImport(Glibc)
import Glibc
#endif

/// `-N NS`: mount(8) passes the mount namespace to mount in as a file (`/proc/PID/fd/N` of its own open
/// descriptor, or a bind-mounted namespace file); a bare number is a process id, as `mount -N` takes it.
/// setns(2) needs a process with one thread, which mount.ossfs still is here.
enum MountNamespace {
    static func enter(_ namespace: String) throws {
        let path = !namespace.isEmpty && namespace.allSatisfy(\.isASCIIDigit) ? "/proc/\(namespace)/ns/mnt"
            : namespace
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw HelperError.mountFailure("cannot open mount namespace \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard glibcSetns(fd, cloneNewNS) == 0 else {
            let reason = errno == EINVAL ? "not a mount namespace" : String(cString: strerror(errno))
            throw HelperError.mountFailure("cannot enter mount namespace \(path): \(reason)")
        }
    }
}

/// glibc's setns(2) wrapper. Swift's Glibc module leaves it out (it is declared only under _GNU_SOURCE), and
/// it is a plain two-int function, so it is bound by symbol name rather than through a C shim target.
@_silgen_name("setns")
private func glibcSetns(_ fd: Int32, _ nstype: Int32) -> Int32

/// CLONE_NEWNS from <sched.h> (also hidden behind _GNU_SOURCE); part of the Linux ABI.
private let cloneNewNS: Int32 = 0x0002_0000

private extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
