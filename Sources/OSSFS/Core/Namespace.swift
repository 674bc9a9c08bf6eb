import ObjectStore

/// A path inside the mount, relative to its root: "" is the root, "a/b" a nested name. Never starts or ends
/// with "/", never holds an empty, "." or ".." segment, every segment ≤ 255 bytes: only names that passed
/// `Namespace.validate` are joined into one.
struct FSPath: Hashable, Sendable, CustomStringConvertible {
    let rawValue: String
    init(_ rawValue: String) { self.rawValue = rawValue }
    static let root = FSPath("")
    var isRoot: Bool { rawValue.isEmpty }
    var description: String { isRoot ? "/" : "/" + rawValue }

    func appending(_ name: String) -> FSPath { isRoot ? FSPath(name) : FSPath(rawValue + "/" + name) }

    var parent: FSPath {
        guard let slash = rawValue.lastIndex(of: "/") else { return .root }
        return FSPath(String(rawValue[..<slash]))
    }

    var name: String {
        guard let slash = rawValue.lastIndex(of: "/") else { return rawValue }
        return String(rawValue[rawValue.index(after: slash)...])
    }

    /// True when `self` is `other` or lies below it.
    func isWithin(_ other: FSPath) -> Bool {
        other.isRoot || rawValue == other.rawValue || rawValue.hasPrefix(other.rawValue + "/")
    }

    /// `self` moved from below `old` to below `new` (callers check `isWithin(old)` first).
    func rebased(from old: FSPath, to new: FSPath) -> FSPath {
        if rawValue == old.rawValue { return new }
        let rest = rawValue.dropFirst(old.isRoot ? 0 : old.rawValue.count + 1)
        return new.appending(String(rest))
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
        guard key.rawValue.hasPrefix(prefix) else { return nil }
        return String(key.rawValue.dropFirst(prefix.count))
    }

    /// Checks a name the kernel sends for a new or existing entry.
    static func validate(_ name: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0") {
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
    static func displayableName(_ name: Substring) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= nameMax && !name.contains("\0")
    }
}
