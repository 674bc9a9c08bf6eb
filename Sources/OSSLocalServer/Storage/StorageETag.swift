import OSSCore

/// ETag rules (stored without quotes).
enum StorageETag {
    /// Normal objects and parts: the upper-case hex MD5.
    static func normal(md5: [UInt8]) -> String { Hex.encode(md5, uppercase: true) }

    /// Multipart: MD5 of the concatenated raw part MD5s, then "-<part count>" (not the content's MD5, as on OSS).
    static func multipart(partETags: [String]) -> String {
        var all: [UInt8] = []
        for e in partETags { all += Hex.decode(e) ?? Array(e.utf8) }
        return Hex.encode(Digest.md5(all), uppercase: true) + "-\(partETags.count)"
    }

    /// Appendable: changes with every append; derived from the previous ETag and the new data's MD5.
    static func appended(previous: String?, md5: [UInt8]) -> String {
        Hex.encode(Digest.md5(Array((previous ?? "").utf8) + md5), uppercase: true)
    }

    /// Symlinks: MD5 of the target key.
    static func symlink(target: String) -> String { Hex.encode(Digest.md5(Array(target.utf8)), uppercase: true) }

    /// ETags as clients send them: quotes optional, any letter case.
    static func matches(_ a: String, _ b: String) -> Bool {
        func norm(_ s: String) -> String {
            var t = Substring(s.trimmingSpaces)
            if t.hasPrefix("\"") { t = t.dropFirst() }
            if t.hasSuffix("\"") { t = t.dropLast() }
            return t.uppercased()
        }
        return norm(a) == norm(b)
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
