import ArgumentParser
import OSSClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--file PATH`, shared by every subcommand, and the default it stands for.
struct FileOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The credential file (default: /etc/passwd-ossfs as root, ~/.passwd-ossfs otherwise).",
        valueName: "path"))
    var file: String?

    /// The file to use: --file, else the one ossfs reads for this user.
    func path() throws -> String {
        if let file {
            guard !file.isEmpty else { throw ToolError.usage("--file needs a path") }
            return file
        }
        if geteuid() == 0 { return PasswdFileAccess.systemPasswdFilePath }
        guard let home = Self.homeDirectory() else {
            throw ToolError.usage("cannot tell the home directory (HOME is unset); give the file with --file PATH")
        }
        return (home.hasSuffix("/") ? home : home + "/") + ".passwd-ossfs"
    }

    /// $HOME, as ossfs uses, else the password database's entry for the effective user.
    private static func homeDirectory() -> String? {
        if let home = getenv("HOME"), home.pointee != 0 { return String(cString: home) }
        guard let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir, dir.pointee != 0 else { return nil }
        return String(cString: dir)
    }

    /// ossfs relaxes its group rule for this one path (compared as given, as ossfs does).
    static func isSystemFile(_ path: String) -> Bool { path == PasswdFileAccess.systemPasswdFilePath }
}
