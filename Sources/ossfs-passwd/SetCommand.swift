import ArgumentParser
import OSSClient

/// `ossfs-passwd set [BUCKET] ACCESS_KEY_ID`: adds or replaces one entry; the secret comes from the terminal
/// (no echo) or standard input.
struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Add or replace the entry for BUCKET, or the default entry when no bucket is given.",
        usage: "ossfs-passwd set [--file <path>] [BUCKET] ACCESS_KEY_ID",
        discussion: """
            The AccessKey secret is read from the terminal without echo, or as one line from standard input \
            when it is not a terminal (for example: printf '%s\\n' "$SECRET" | ossfs-passwd set ID). It is never \
            an argument. Other lines and comments are kept as they are; the file is rewritten atomically with \
            mode 0600.
            """)

    @OptionGroup var options: FileOption

    @Argument(help: ArgumentHelp("[BUCKET] ACCESS_KEY_ID", valueName: "bucket-and-id"))
    var words: [String] = []

    func run() throws {
        let (target, accessKeyID) = try parseWords()
        try usageChecked {
            if case .bucket(let bucket) = target { try PasswdFileEditor.validate(bucket: bucket) }
            try PasswdFileEditor.validate(accessKeyID: accessKeyID)
        }
        let path = try options.path()
        // A broken file is reported before the user types a secret; the edit itself is made on a fresh read
        // under the lock, which is not held while the prompt waits.
        _ = try PasswdFileUpdate(path: path, mustExist: false, locked: false)
        let secret = try SecretReader.read(prompt: "AccessKey secret for \(accessKeyID): ")
        try usageChecked { try PasswdFileEditor.validate(secret: secret) }
        var update = try PasswdFileUpdate(path: path, mustExist: false, locked: true)
        let outcome: PasswdFileEditor.SetOutcome
        do {
            outcome = try update.editor.set(target, accessKeyID: accessKeyID, secret: secret)
        } catch {
            throw ToolError.file("\(error)")
        }
        try update.write()
        let what = target == .defaultEntry ? "the default entry" : "the entry for bucket \(target.bucketName)"
        switch outcome {
        case .added(let line): Output.result("added \(what) to \(path) (line \(line))")
        case .replaced(let line): Output.result("replaced \(what) in \(path) (line \(line))")
        }
    }

    private func parseWords() throws -> (PasswdFileTarget, String) {
        switch words.count {
        case 1: return (.defaultEntry, words[0])
        case 2: return (.bucket(words[0]), words[1])
        case 0: throw ToolError.usage("missing ACCESS_KEY_ID: ossfs-passwd set [BUCKET] ACCESS_KEY_ID")
        default:
            throw ToolError.usage("too many arguments: give only [BUCKET] ACCESS_KEY_ID; the secret is never an "
                + "argument (ps and shell history would keep it): type it at the prompt or pipe it on standard input")
        }
    }

    /// Field-rule failures are usage errors (exit 1).
    private func usageChecked(_ body: () throws -> Void) throws {
        do { try body() } catch { throw ToolError.usage("\(error)") }
    }
}

extension PasswdFileTarget {
    var bucketName: String {
        if case .bucket(let name) = self { return name }
        return "(default)"
    }
}
