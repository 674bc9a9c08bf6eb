import ObjectStore
import OSSCore

/// The sidecar of one dirty staging file: what the next mount needs to finish its upload after a crash.
///
/// Which staged bytes are the file's: `written` (ranges written since the object `baseETag` was pinned)
/// and everything at or above `baseSize` (holes there are zeros). The rest of `[0, baseSize)` still
/// equals the object `baseETag`, so recovery loads it from there, or copies it server-side, and only while
/// the object still has that ETag. The file's size is the data file's length (writes past `baseSize`
/// never need the record rewritten).
struct StagingRecord: Codable, Sendable, Equatable {
    struct Part: Codable, Sendable, Equatable {
        var number: Int
        var etag: String
        var size: UInt64
        var crc64: UInt64?
    }
    /// A multipart upload started for this data (never aborted by the mount's cleanup).
    struct Upload: Codable, Sendable, Equatable {
        var uploadID: String
        var partSize: UInt64
        /// Parts confirmed (CRC64 checked) before the record was last written.
        var parts: [Part] = []
    }

    var version = 1
    var key: String
    /// The data file's name in the staging area.
    var dataFile: String
    /// The object the staged data was loaded from; nil when the file had no object yet.
    var baseETag: String?
    var baseSize: UInt64
    /// Flattened half-open ranges: [lo0, hi0, lo1, hi1, ...].
    var written: [UInt64]
    var contentType: String?
    var metadata: [String: String]
    /// Appendable objects cannot be sources of UploadPartCopy.
    var appendable: Bool
    var upload: Upload?

    var writtenRanges: ByteRangeSet {
        var set = ByteRangeSet()
        var i = 0
        while i + 1 < written.count {
            if written[i] < written[i + 1] { set.insert(written[i]..<written[i + 1]) }
            i += 2
        }
        return set
    }

    static func flatten(_ set: ByteRangeSet) -> [UInt64] { set.ranges.flatMap { [$0.lowerBound, $0.upperBound] } }

    /// The record as JSON that JSONDecoder reads back as this record (the Codable keys; nil members left
    /// out), written member by member: a record is written for every file created, and JSONEncoder cost more
    /// than the rest of the create.
    func json() -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.bool("appendable", appendable)
        if let baseETag { w.string("baseETag", baseETag) }
        w.number("baseSize", baseSize)
        if let contentType { w.string("contentType", contentType) }
        w.string("dataFile", dataFile)
        w.string("key", key)
        w.beginObject("metadata")
        for (name, value) in metadata.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            w.string(name, value)
        }
        w.endObject()
        if let upload {
            w.beginObject("upload")
            w.number("partSize", upload.partSize)
            w.beginArray("parts")
            for part in upload.parts {
                w.beginObject()
                if let crc = part.crc64 { w.number("crc64", crc) }
                w.string("etag", part.etag)
                w.number("number", part.number)
                w.number("size", part.size)
                w.endObject()
            }
            w.endArray()
            w.string("uploadID", upload.uploadID)
            w.endObject()
        }
        w.number("version", version)
        w.beginArray("written")
        for n in written { w.number(nil, n) }
        w.endArray()
        w.endObject()
        return w.bytes
    }
}

/// A directory rename in progress (see Filesystem+Rename.swift for the ordering argument).
struct RenameRecord: Codable, Sendable, Equatable {
    enum Phase: String, Codable, Sendable { case copying, deleting }
    struct Source: Codable, Sendable, Equatable {
        var key: String
        var size: UInt64
        var etag: String
        var symlink: Bool?
    }
    var version = 1
    var sourcePrefix: String
    var destinationPrefix: String
    var phase: Phase
    /// Every object below the source when the rename began (the listing snapshot).
    var sources: [Source]
    /// Indexes into `sources` whose copy is confirmed.
    var copied: [Int]
    /// A legacy directory object (`dir` typed as a directory, or s3fs `dir_$folder$`) that goes away too.
    var legacyKey: String?
    /// When set, the `dir/` marker written at the destination (the legacy form becomes a proper marker).
    var markerMetadata: [String: String]?
}

/// What the start-up recovery pass found, for the daemon to log.
public struct RecoveryReport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The staged data is in OSS now (`reusedParts` parts of an earlier upload kept).
        case uploaded(reusedParts: Int)
        /// The object already held the staged data (the crash came after the upload).
        case alreadyStored
        /// Not uploaded; the staged copy is kept at `stagedPath`.
        case kept(reason: String)
        /// An interrupted directory rename finished forward (`copied` copies made now, `deleted` sources removed).
        case renameFinished(copied: Int, deleted: Int)
        /// The rename could not be finished now; its record stays for the next mount.
        case renamePending(reason: String)
    }
    public struct Item: Sendable, Equatable {
        public var key: String
        public var stagedPath: String?
        public var outcome: Outcome
    }
    public var items: [Item] = []
    /// Abandoned multipart uploads aborted by the start-up cleanup.
    public var abortedUploads: [MultipartUpload] = []
    /// Problems that did not stop the mount (staging area unusable, cleanup failed).
    public var warnings: [String] = []

    public init() {}

    /// One line per item, for the daemon's log (keys and paths only).
    public var lines: [String] {
        var out: [String] = []
        for i in items {
            switch i.outcome {
            case .uploaded(let n): out.append("recovered \(i.key): staged data uploaded (\(n) parts reused)")
            case .alreadyStored: out.append("recovered \(i.key): already stored")
            case .kept(let r): out.append("NOT recovered \(i.key): \(r); staged copy kept at \(i.stagedPath ?? "?")")
            case .renameFinished(let c, let d):
                out.append("finished interrupted rename to \(i.key) (\(c) copied, \(d) deleted)")
            case .renamePending(let r): out.append("interrupted rename to \(i.key) not finished yet: \(r)")
            }
        }
        for u in abortedUploads { out.append("aborted abandoned multipart upload \(u.uploadID) of \(u.key)") }
        return out + warnings.map { "warning: \($0)" }
    }
}
