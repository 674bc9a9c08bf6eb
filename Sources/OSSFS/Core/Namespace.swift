import ObjectStore

/// A path inside the mount, relative to its root: "" is the root, "a/b" a nested name. Never starts or ends
/// with "/", never holds an empty, "." or ".." segment, every segment ≤ 255 bytes: only names that passed
/// `Namespace.validate` are joined into one.
/// Paths are byte strings, compared, hashed and cut by their UTF-8 bytes (see `ExactString`): two objects
/// whose names differ only in Unicode normalization are two files.
struct FSPath: Hashable, Sendable, CustomStringConvertible {
    let rawValue: String
    init(_ rawValue: String) { self.rawValue = rawValue }
    static let root = FSPath("")
    var isRoot: Bool { rawValue.isEmpty }
    var description: String { isRoot ? "/" : "/" + rawValue }

    static func == (a: FSPath, b: FSPath) -> Bool { a.rawValue.bytesEqual(b.rawValue) }
    func hash(into hasher: inout Hasher) { rawValue.hashBytes(into: &hasher) }

    func appending(_ name: String) -> FSPath { isRoot ? FSPath(name) : FSPath(rawValue + "/" + name) }

    var parent: FSPath { rawValue.beforeLastSlash.map(FSPath.init) ?? .root }

    var name: String { rawValue.afterLastSlash }

    /// True when `self` is `other` or lies below it.
    func isWithin(_ other: FSPath) -> Bool {
        if other.isRoot { return true }
        let n = other.rawValue.utf8.count
        return rawValue.hasBytePrefix(other.rawValue)
            && (rawValue.utf8.count == n || rawValue.utf8.dropFirst(n).first == UInt8(ascii: "/"))
    }

    /// `self` moved from below `old` to below `new` (callers check `isWithin(old)` first).
    func rebased(from old: FSPath, to new: FSPath) -> FSPath {
        if self == old { return new }
        return new.appending(rawValue.droppingBytes(first: old.isRoot ? 0 : old.rawValue.utf8.count + 1))
    }
}

/// The one place that maps paths to object keys and back, applying the mount's prefix (`bucket:/prefix`).
///
/// Files are objects at `prefix + path`; a directory is a `prefix + path + "/"` marker object, or implicit
/// (keys exist below it). Names a filesystem cannot show are filtered by `displayableName`:
/// - empty segments (`a//b`), `.` and `..` segments: hidden, so no listing ever yields a path that escapes
///   the mount or aliases another;
/// - names longer than 255 bytes (NAME_MAX): hidden;
/// - a file `a` beside keys `a/...`: the directory wins and the file is hidden (lookup and readdir agree).
///   Deliberate: the directory holds more data, and POSIX cannot show two entries with one name.
/// Hidden keys still count as children, so rmdir of a directory holding only hidden keys is ENOTEMPTY and
/// never deletes data a user cannot see.
struct Namespace: Sendable {
    /// "" or ending in "/".
    let prefix: String

    init(prefix: String) {
        var p = prefix
        while p.hasPrefix("/") { p.removeFirst() }
        if !p.isEmpty, !p.hasSuffix("/") { p += "/" }
        self.prefix = p
    }

    static let nameMax = 255
    /// OSS keys are at most 1023 bytes.
    static let keyMax = 1023

    /// The object holding a file (or symlink) at `path`.
    func fileKey(_ path: FSPath) -> ObjectKey { ObjectKey(prefix + path.rawValue) }

    /// The `dir/` marker of a directory. The root's marker is the prefix itself (absent for a bucket root).
    func markerKey(_ path: FSPath) -> ObjectKey { ObjectKey(listPrefix(path)) }

    /// The listing prefix of a directory's children.
    func listPrefix(_ path: FSPath) -> String { path.isRoot ? prefix : prefix + path.rawValue + "/" }

    /// The path of a key below the prefix, or nil when it is not below it.
    func path(ofKey key: ObjectKey) -> String? {
        guard key.rawValue.hasBytePrefix(prefix) else { return nil }
        return key.rawValue.droppingBytes(first: prefix.utf8.count)
    }

    /// The name of a listed key or common prefix directly below `listPrefix` (its trailing "/" and the
    /// `dropSuffix` bytes cut), or nil when it is not below it.
    static func childName(_ listed: String, below listPrefix: String, dropSuffix: String = "") -> String? {
        guard listed.hasBytePrefix(listPrefix) else { return nil }
        return listed.droppingBytes(first: listPrefix.utf8.count, last: dropSuffix.utf8.count)
    }

    /// Checks a name the kernel sends for a new or existing entry.
    static func validate(_ name: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.utf8.contains(UInt8(ascii: "/")) || name.utf8.contains(0) {
            throw FSError.invalidArgument("invalid name")
        }
        if name.utf8.count > nameMax { throw FSError.nameTooLong }
    }

    /// Checks that a new entry's keys fit OSS's key limit.
    func validateNew(_ path: FSPath, directory: Bool) throws {
        let n = prefix.utf8.count + path.rawValue.utf8.count + (directory ? 1 : 0)
        if n > Self.keyMax { throw FSError.nameTooLong }
    }

    /// Whether a listing name (one segment, no "/") can be shown as a directory entry.
    static func displayableName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= nameMax && !name.utf8.contains(0)
    }
}
