import OSSClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One read-edit-write of a credential file: loads and parses it (or starts empty), and writes the edit back
/// atomically with a mode ossfs accepts, saying so when the mode had to be tightened.
struct PasswdFileUpdate {
    let path: String
    /// The file actually replaced: `path` with symlinks resolved, so a link keeps pointing at the real file.
    let target: String
    let existing: stat?
    var editor: PasswdFileEditor
    /// Held from the read to the write, so a concurrent edit cannot slip in between.
    private let lock: DirectoryLock?

    /// `mustExist`: a missing file is an error (remove); otherwise it starts empty (set). `locked`: take the
    /// directory lock before reading (for the read that the write follows).
    init(path: String, mustExist: Bool, locked: Bool) throws {
        self.path = path
        lock = locked ? try DirectoryLock(directory: AtomicFileWriter.directoryOf(Self.resolved(path))) : nil
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            guard code == ENOENT, !mustExist else { throw PasswdFileReading.statError(path, code) }
            existing = nil
            target = path
            editor = try PasswdFileReading.editor(contents: [], path: path)
            return
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ToolError.file("\(path) is not a regular file; give a file path with --file")
        }
        existing = info
        target = Self.resolved(path)
        editor = try PasswdFileReading.editor(contents: PasswdFileReading.contents(path), path: path)
    }

    /// Writes the editor's contents and reports what changed about the file's mode or owner.
    func write() throws {
        let isSystem = FileOption.isSystemFile(path)
        let mode = PasswdFileEditor.rewriteMode(existing: existing?.st_mode, isSystemFile: isSystem)
        let owner = existing.map { AtomicFileWriter.Owner(uid: $0.st_uid, gid: $0.st_gid) }
        let ownerNotice = try AtomicFileWriter.replace(target, with: editor.contents, mode: mode, owner: owner)
        if let old = existing.map({ $0.st_mode & 0o7777 }), old != mode {
            let why = old & 0o177 != 0
                ? " (ossfs accepts only owner read/write, plus group read for /etc/passwd-ossfs)" : ""
            Output.notice("\(path) had mode \(Self.octal(old)); it is now \(Self.octal(mode))\(why)")
        }
        if let ownerNotice { Output.notice(ownerNotice) }
    }

    private static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Reading and parsing, with errors turned into one-line file problems that say what to do.
enum PasswdFileReading {
    static func contents(_ path: String) throws -> [UInt8] {
        do {
            return try PasswdFileEditor.read(path: path)
        } catch {
            throw ToolError.file("\(error)")
        }
    }

    static func editor(contents: [UInt8], path: String) throws -> PasswdFileEditor {
        do {
            return try PasswdFileEditor(contents: contents, path: path)
        } catch {
            throw ToolError.file("\(error) Fix the file by hand first; '\(Output.program) check' lists every problem.")
        }
    }

    static func statError(_ path: String, _ code: Int32) -> ToolError {
        if code == ENOENT {
            return ToolError.file("\(path) does not exist; create it with '\(Output.program) set [BUCKET] ACCESS_KEY_ID'")
        }
        return ToolError.file("cannot stat \(path): \(AtomicFileWriter.errnoText(code))")
    }
}
