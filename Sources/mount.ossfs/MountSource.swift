/// The fstab source field: `BUCKET`, `BUCKET:/PREFIX`, or the legacy `ossfs#BUCKET[:/PREFIX]` that
/// mount.fuse's `TYPE#SOURCE` convention produced. ossfs itself checks the bucket name and prefix.
enum MountSource {
    static func bucketArgument(_ source: String) throws -> String {
        var bucket = Substring(source)
        if let hash = bucket.firstIndex(of: "#") {
            let program = bucket[..<hash]
            guard program == "ossfs" || program == "fuse.ossfs" else {
                throw HelperError.usage("source '\(source)' names program '\(program)', not ossfs")
            }
            bucket = bucket[bucket.index(after: hash)...]
        }
        guard !bucket.isEmpty, !bucket.hasPrefix(":") else {
            throw HelperError.usage("source '\(source)' names no bucket (expected BUCKET or BUCKET:/PREFIX)")
        }
        return String(bucket)
    }
}
