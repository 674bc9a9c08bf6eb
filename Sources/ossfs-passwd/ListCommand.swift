import ArgumentParser
import OSSClient
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ossfs-passwd list`: buckets and AccessKey IDs, in file order. Never a secret.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the buckets and AccessKey IDs in the file (never the secrets).")

    @OptionGroup var options: FileOption

    func run() throws {
        let path = try options.path()
        var info = stat()
        guard stat(path, &info) == 0 else { throw PasswdFileReading.statError(path, errno) }
        let editor = try PasswdFileReading.editor(contents: PasswdFileReading.contents(path), path: path)
        if let problem = PasswdFileCheck.permissionProblem(path: path, isSystemFile: FileOption.isSystemFile(path)) {
            Output.warning("\(problem)")
        }

        var rows: [[String]] = editor.entries.map { entry in
            [entry.bucket ?? "(default)", Self.shownID(entry, path: path),
             entry.bucket == nil ? "id:secret" : "bucket:id:secret", "\(entry.line)"]
        }
        if let kv = editor.keyValueEntry {
            let line = [kv.accessKeyIDLine, kv.secretLine].compactMap { $0 }.min() ?? 0
            rows.append(["(default)", kv.accessKeyID ?? "", "\(PasswdFile.accessKeyIDKey)=", "\(line)"])
            rows.sort { Int($0[3]) ?? 0 < Int($1[3]) ?? 0 }
            if kv.isComplete {
                Output.notice("the \(PasswdFile.accessKeyIDKey)=/\(PasswdFile.secretKeyKey)= lines override every "
                    + "other entry: ossfs uses them for every bucket")
            } else {
                Output.warning("the \(PasswdFile.accessKeyIDKey)=/\(PasswdFile.secretKeyKey)= pair is incomplete "
                    + "or empty, so ossfs refuses this file; '\(Output.program) check' says more")
            }
        }
        for warning in editor.warnings { Output.warning(warning) }
        guard !rows.isEmpty else {
            Output.notice("\(path) has no entries; add one with '\(Output.program) set [BUCKET] ACCESS_KEY_ID'")
            return
        }
        for line in Self.table([["BUCKET", "ACCESS_KEY_ID", "FORM", "LINE"]] + rows) { Output.result(line) }
    }

    /// The ID, unless the line looks split in the wrong place (a secret with a `:` in it moves part of the secret
    /// into the ID or bucket field): then "-", and a warning pointing at `check`.
    private static func shownID(_ entry: PasswdFileEditor.Entry, path: String) -> String {
        let bucketOK = entry.bucket.map { (try? PasswdFileEditor.validate(bucket: $0)) != nil } ?? true
        guard bucketOK, (try? PasswdFileEditor.validate(accessKeyID: entry.accessKeyID)) != nil else {
            Output.warning("\(path):\(entry.line): this entry is malformed, so its ID is not shown (part of a "
                + "secret may have landed in it); '\(Output.program) check' explains")
            return "-"
        }
        return entry.accessKeyID
    }

    /// Columns padded to their widest cell, two spaces apart.
    static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }.joined()
        }
    }
}
