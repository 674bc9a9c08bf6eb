#if canImport(Glibc)
import Glibc
#endif

/// Finds the ossfs daemon: $OSSFS_BIN (for tests), else next to this program (the same package installs
/// both), else on PATH.
enum DaemonLocator {
    static func find(argv0: String) throws -> String {
        if let given = getenv("OSSFS_BIN").map({ String(cString: $0) }), !given.isEmpty {
            guard isExecutable(given) else { throw HelperError.mountFailure("OSSFS_BIN=\(given) is not executable") }
            return given
        }
        var candidates: [String] = []
        if let exe = realpath("/proc/self/exe", nil) {
            candidates.append(directory(of: String(cString: exe)) + "/ossfs")
            free(exe)
        }
        if argv0.contains("/") { candidates.append(directory(of: argv0) + "/ossfs") }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        candidates += path.split(separator: ":").map { "\($0)/ossfs" }
        guard let found = candidates.first(where: isExecutable) else {
            throw HelperError.mountFailure("cannot find the ossfs program next to mount.ossfs or in PATH (\(path))")
        }
        return found
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func isExecutable(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && access(path, X_OK) == 0
    }
}
