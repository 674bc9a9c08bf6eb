/// Why `ossfs-passwd` will not make an edit. Each message names what is wrong and what to do; none quotes a
/// secret (an access key id or a bucket name may appear: they are not secret).
public enum PasswdFileEditError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidBucket(String, reason: String)
    case invalidAccessKeyID(reason: String)
    case invalidSecret(reason: String)
    case entryNotFound(PasswdFileTarget, path: String)
    /// `OSSAccessKeyId=`/`OSSSecretKey=` lines win over every bucket entry, so a new bucket entry would be dead.
    case overriddenByKeyValueLines(bucket: String, path: String, line: Int)
    /// The edited file would not give back the pair just written; a guard against a bug, never expected.
    case notReadBack(path: String)

    public var description: String {
        switch self {
        case .invalidBucket(let bucket, let reason):
            "bucket name \"\(bucket)\" \(reason)"
        case .invalidAccessKeyID(let reason):
            "the AccessKey ID \(reason)"
        case .invalidSecret(let reason):
            "the AccessKey secret \(reason)"
        case .entryNotFound(let target, let path):
            "\(path) has no \(target.entryName); 'ossfs-passwd list' shows the entries it has"
        case .overriddenByKeyValueLines(let bucket, let path, let line):
            "\(path):\(line): the OSSAccessKeyId=/OSSSecretKey= lines override every bucket entry, so ossfs would "
                + "never use an entry for \(bucket); remove them first with 'ossfs-passwd remove --default'"
        case .notReadBack(let path):
            "the edited \(path) would not read back as the entry just written; the file was left unchanged"
        }
    }
}

/// Which entry of a passwd file an edit is about.
public enum PasswdFileTarget: Sendable, Hashable {
    /// The unscoped `id:secret` entry (or the `OSSAccessKeyId=`/`OSSSecretKey=` lines).
    case defaultEntry
    case bucket(String)

    /// The key PasswdFile files the entry under: the bucket, or "" for the default entry.
    var bucketKey: String {
        switch self {
        case .defaultEntry: ""
        case .bucket(let name): name
        }
    }

    var entryName: String {
        switch self {
        case .defaultEntry: "default entry"
        case .bucket(let name): "entry for bucket \(name)"
        }
    }
}
