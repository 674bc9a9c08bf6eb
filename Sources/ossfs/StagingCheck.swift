#if canImport(Glibc)
import Glibc
#endif
import OSSFS

/// The local directories the mount writes to: the staging directory must exist and be writable; the
/// use_cache= directory is created unless check_cache_dir_exist asks for it to exist already.
enum StagingCheck {
    static func prepare(_ options: MountOptions) throws {
        let staging = options.filesystem.stagingDirectory
        guard isWritableDirectory(staging) else {
            throw StartupError("tmpdir=\(staging) is not a writable directory")
        }
        guard let cache = options.filesystem.cacheDirectory else { return }
        if !isWritableDirectory(cache) {
            if options.checkCacheDirectoryExists {
                throw StartupError("use_cache=\(cache) does not exist (check_cache_dir_exist)")
            }
            guard mkdir(cache, 0o700) == 0 || errno == EEXIST, isWritableDirectory(cache) else {
                throw StartupError("use_cache=\(cache) cannot be created: \(errnoText())")
            }
        }
    }

    static func isWritableDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR && access(path, W_OK | X_OK) == 0
    }
}
