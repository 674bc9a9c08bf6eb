/// ListObjects / ListObjectsV2 / ListMultipartUploads paging over byte-ordered keys.
enum StorageListing {
    enum Entry: Equatable {
        case key(Int)                  // index into the sorted keys
        case commonPrefix([UInt8])
    }

    /// Entries after `after` (exclusive) among keys starting with `prefix`. With a delimiter, keys that contain it
    /// after the prefix roll up into one common prefix (up to and including the delimiter), which counts once
    /// towards `maxKeys`; a common prefix <= `after` was already returned and is skipped.
    static func page(_ keys: SortedKeys, prefix: [UInt8], delimiter: [UInt8]?, after: [UInt8]?,
                     maxKeys: Int) -> (entries: [Entry], truncated: Bool) {
        var i = keys.lowerBound(prefix)
        if let after { i = max(i, keys.upperBound(after)) }
        var entries: [Entry] = []
        let all = keys.keys
        while i < all.count {
            let key = all[i].bytes
            guard key.starts(with: prefix) else { break }
            if let delimiter, !delimiter.isEmpty, let end = endOfFirst(delimiter, in: key, from: prefix.count) {
                let common = Array(key[..<end])
                // Every key under `common` sorts before common + [0xFF] (0xFF never occurs in UTF-8).
                let next = keys.lowerBound(common + [0xFF])
                if let after, !after.lexicographicallyPrecedes(common) {
                    i = next
                    continue
                }
                if entries.count >= maxKeys { return (entries, true) }
                entries.append(.commonPrefix(common))
                i = next
                continue
            }
            if entries.count >= maxKeys { return (entries, true) }
            entries.append(.key(i))
            i += 1
        }
        return (entries, false)
    }

    /// The index just past the first occurrence of `needle` in `hay` at or after `from`.
    static func endOfFirst(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }
}

extension BucketStore {
    /// ListObjects(V2), sorted by UTF-8 bytes of key. `after` is the exclusive start (marker / start-after /
    /// decoded continuation token). Each common prefix counts as one entry towards `maxKeys`.
    public func list(prefix: String, delimiter: String?, after: String?, maxKeys: Int) -> ListResult {
        withLock {
            let (entries, truncated) = StorageListing.page(index, prefix: Array(prefix.utf8),
                                                           delimiter: delimiter.map { Array($0.utf8) },
                                                           after: after.map { Array($0.utf8) }, maxKeys: maxKeys)
            var result = ListResult(objects: [], commonPrefixes: [], isTruncated: truncated, nextMarker: nil)
            for entry in entries {
                switch entry {
                case .key(let i):
                    let object = objects[index.keys[i]]!
                    result.objects.append(object)
                    result.nextMarker = object.key
                case .commonPrefix(let bytes):
                    let p = String(decoding: bytes, as: UTF8.self)
                    result.commonPrefixes.append(p)
                    result.nextMarker = p
                }
            }
            if !truncated { result.nextMarker = nil }
            return result
        }
    }

    /// ListMultipartUploads: by key bytes, then initiation time. Without `uploadIDMarker` it starts after every
    /// upload of `keyMarker`; with it, after that upload of `keyMarker`.
    public func listUploads(prefix: String, delimiter: String?, keyMarker: String?, uploadIDMarker: String?,
                            maxUploads: Int) -> UploadListResult {
        let all: [UploadInfo] = withLock {
            uploads.values.map { UploadInfo(key: $0.key, uploadID: $0.uploadID, initiated: $0.initiated) }
        }
        let sorted = all.sorted { a, b in
            let ka = StorageKey(a.key), kb = StorageKey(b.key)
            if ka != kb { return ka < kb }
            if a.initiated != b.initiated { return a.initiated < b.initiated }
            return a.uploadID < b.uploadID
        }
        // Drop everything up to the marker.
        var start = 0
        if let keyMarker {
            let km = StorageKey(keyMarker)
            start = sorted.firstIndex { StorageKey($0.key) >= km } ?? sorted.count
            if let uploadIDMarker, !uploadIDMarker.isEmpty {
                let sameKey = sorted[start...].prefix { StorageKey($0.key) == km }
                if let at = sameKey.firstIndex(where: { $0.uploadID == uploadIDMarker }) {
                    start = at + 1
                } else {
                    start = sameKey.firstIndex { $0.uploadID > uploadIDMarker } ?? sameKey.endIndex
                }
            } else {
                start = sorted[start...].firstIndex { StorageKey($0.key) != km } ?? sorted.count
            }
        }
        let prefixBytes = Array(prefix.utf8)
        let delimiterBytes = delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        var result = UploadListResult(uploads: [], commonPrefixes: [], isTruncated: false,
                                      nextKeyMarker: nil, nextUploadIDMarker: nil)
        var count = 0
        var i = start
        while i < sorted.count {
            let upload = sorted[i]
            let key = Array(upload.key.utf8)
            i += 1
            guard key.starts(with: prefixBytes) else { continue }
            if let d = delimiterBytes, let end = StorageListing.endOfFirst(d, in: key, from: prefixBytes.count) {
                let common = String(decoding: key[..<end], as: UTF8.self)
                if let keyMarker, !StorageKey(keyMarker).bytes.lexicographicallyPrecedes(Array(common.utf8)) { continue }
                if let last = result.commonPrefixes.last, last.utf8.elementsEqual(common.utf8) { continue }
                if count >= maxUploads { result.isTruncated = true; break }
                result.commonPrefixes.append(common)
                result.nextKeyMarker = common
                result.nextUploadIDMarker = nil
                count += 1
                continue
            }
            if count >= maxUploads { result.isTruncated = true; break }
            result.uploads.append(upload)
            result.nextKeyMarker = upload.key
            result.nextUploadIDMarker = upload.uploadID
            count += 1
        }
        if !result.isTruncated {
            result.nextKeyMarker = nil
            result.nextUploadIDMarker = nil
        }
        return result
    }
}
