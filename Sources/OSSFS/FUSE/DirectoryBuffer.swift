import CFuse
#if canImport(Glibc)
import Glibc
#endif

/// Packs directory entries into the kernel's reply buffer (readdir and readdirplus).
enum DirectoryBuffer {
    static func isDot(_ name: String) -> Bool { name == "." || name == ".." }

    /// Adds `entries` in order until the next one would not fit in `size` bytes, replies with the packed buffer, and returns the entries that were packed. For readdirplus an entry without an `Entry` (`.`,
    /// `..`) goes out with node id 0, which the kernel takes as "no lookup" rather than ENOENT.
    /// `beforeReply` sees the packed entries before the kernel does: once the reply is out, the kernel may
    /// FORGET them and the directory may be released, so their lookups must be counted first.
    static func fill(_ reply: FuseReply, size: Int, entries: [DirectoryEntry], plus: Bool,
                     beforeReply: (ArraySlice<DirectoryEntry>) -> Void = { _ in }) -> ArraySlice<DirectoryEntry> {
        let req = reply.pending
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 8)
        defer { buffer.deallocate() }
        let base = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        var used = 0
        var count = 0
        for item in entries {
            let remaining = size - used
            let needed: Int = item.name.withCString { name in
                if plus {
                    var param: fuse_entry_param
                    if let entry = item.entry, !isDot(item.name) {
                        param = FuseEncoding.entryParam(entry)
                    } else {
                        param = fuse_entry_param()
                        param.attr.st_ino = UInt(item.ino.rawValue)
                        param.attr.st_mode = item.kind.typeBits
                    }
                    return fuse_add_direntry_plus(req, base + used, remaining, name, &param, off_t(item.offset))
                } else {
                    var st = Glibc.stat()
                    st.st_ino = UInt(item.ino.rawValue)
                    st.st_mode = item.kind.typeBits
                    return fuse_add_direntry(req, base + used, remaining, name, &st, off_t(item.offset))
                }
            }
            if needed > remaining { break }
            used += needed
            count += 1
        }
        beforeReply(entries[..<count])
        reply.bytes(UnsafeRawBufferPointer(start: buffer.baseAddress, count: used))
        return entries[..<count]
    }
}
