#if canImport(Glibc)
import Glibc
#endif

/// What a user gets wrong about the mount point, checked before anything starts, with ossfs 1.x's messages.
enum MountpointCheck {
    /// Returns the absolute, symlink-free path of a usable mount point, or the one-line reason it is not.
    static func check(_ path: String, nonempty: Bool) -> Result<String, StartupError> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            return .failure(StartupError("unable to access MOUNTPOINT \(path): \(errnoText())"))
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            return .failure(StartupError("MOUNTPOINT: \(path) is not a directory."))
        }
        guard let resolved = realpath(path, nil) else {
            return .failure(StartupError("unable to access MOUNTPOINT \(path): \(errnoText())"))
        }
        let absolute = String(cString: resolved)
        free(resolved)
        if !nonempty {
            guard let dir = opendir(absolute) else {
                return .failure(StartupError("unable to access MOUNTPOINT \(path): \(errnoText())"))
            }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name != "." && name != ".." {
                    return .failure(StartupError("MOUNTPOINT directory \(path) is not empty. if you are sure this is "
                        + "safe, can use the 'nonempty' mount option."))
                }
            }
        }
        return .success(absolute)
    }
}

/// A reason ossfs will not mount: one line for the user.
struct StartupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Paths in options are taken relative to where ossfs was started; the daemon changes to /.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    guard let cwd = getcwd(nil, 0) else { return path }
    defer { free(cwd) }
    return String(cString: cwd) + "/" + path
}
