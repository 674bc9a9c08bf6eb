import ArgumentParser
import OSSClient

/// `ossfs-passwd remove BUCKET` / `remove --default`.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove the entry for BUCKET, or with --default the default entry.",
        discussion: """
            --default removes the ID:SECRET line and any OSSAccessKeyId=/OSSSecretKey= lines. Other lines and \
            comments are kept as they are; the file is rewritten atomically with mode 0600.
            """)

    @OptionGroup var options: FileOption

    @Flag(name: .customLong("default"), help: "Remove the default entry instead of a bucket's.")
    var defaultEntry = false

    @Argument(help: ArgumentHelp("The bucket whose entry to remove.", valueName: "bucket"))
    var bucket: String?

    func run() throws {
        let target: PasswdFileTarget
        switch (bucket, defaultEntry) {
        case (let bucket?, false): target = .bucket(bucket)
        case (nil, true): target = .defaultEntry
        case (_?, true): throw ToolError.usage("give either BUCKET or --default, not both")
        case (nil, false): throw ToolError.usage("missing BUCKET: ossfs-passwd remove BUCKET, or remove --default")
        }
        let path = try options.path()
        var update = try PasswdFileUpdate(path: path, mustExist: true, locked: true)
        let removed: [Int]
        do {
            removed = try update.editor.remove(target)
        } catch {
            throw ToolError.file("\(error)")
        }
        try update.write()
        let what = target == .defaultEntry ? "the default entry" : "the entry for bucket \(target.bucketName)"
        let lines = removed.map(String.init).joined(separator: ", ")
        Output.result("removed \(what) from \(path) (line\(removed.count == 1 ? "" : "s") \(lines))")
    }
}
