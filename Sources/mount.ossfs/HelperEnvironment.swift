#if canImport(Glibc)
import Glibc
#endif

/// The environment ossfs starts in. mount(8) gives helpers almost none: like mount.fuse, set HOME when it is
/// unset (ossfs looks for ~/.passwd-ossfs), to the home of the user we run as, which is /root for root (a
/// `user` fstab mount runs us as that user), and make sure PATH reaches the system bins.
enum HelperEnvironment {
    static let systemPath = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func prepare() {
        if getenv("HOME") == nil { setenv("HOME", home(of: getuid()), 1) }
        var path = getenv("PATH").map { String(cString: $0) } ?? ""
        var entries = path.split(separator: ":").map(String.init)
        for dir in systemPath where !entries.contains(dir) { entries.append(dir) }
        path = entries.joined(separator: ":")
        setenv("PATH", path, 1)
    }

    private static func home(of uid: uid_t) -> String {
        if uid == 0 { return "/root" }
        guard let entry = getpwuid(uid), let dir = entry.pointee.pw_dir, dir.pointee != 0 else { return "/root" }
        return String(cString: dir)
    }
}
