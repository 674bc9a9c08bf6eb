#if canImport(Glibc)
import Glibc
#endif

/// The environment ossfs starts in. mount(8) at boot may give helpers almost none: like mount.fuse, set
/// HOME=/root when it is unset (ossfs looks for ~/.passwd-ossfs), and make sure PATH reaches the system bins.
enum HelperEnvironment {
    static let systemPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func prepare() {
        if getenv("HOME") == nil { setenv("HOME", "/root", 1) }
        var path = getenv("PATH").map { String(cString: $0) } ?? ""
        var entries = path.split(separator: ":").map(String.init)
        for dir in systemPath where !entries.contains(dir) { entries.append(dir) }
        path = entries.joined(separator: ":")
        setenv("PATH", path, 1)
    }
}
