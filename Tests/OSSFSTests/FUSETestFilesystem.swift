import Glibc
import ObjectStore
@testable import OSSFS
import Synchronization

/// A small in-memory filesystem behind `FilesystemOperations`, so the FUSE adapter can be mounted and driven
/// by real tools without the core or a server. It also audits the lookup protocol: every Entry handed out adds
/// one reference, `forget` removes them, and removing more than were given is recorded as a violation.
final class FUSETestFilesystem: FilesystemOperations, @unchecked Sendable {
    struct Node {
        var kind: FileKind
        var permissions: UInt32
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var data: [UInt8] = []
        var target = ""
        var children: [String: InodeNumber] = [:]
        var xattrs: [String: [UInt8]] = [:]
        var mtime = Timestamp(seconds: 1_700_000_000)
        var atime = Timestamp(seconds: 1_700_000_000)
    }

    struct State {
        var nodes: [InodeNumber: Node] = [.root: Node(kind: .directory, permissions: 0o755)]
        var next: UInt64 = 2
        var handles: [HandleID: InodeNumber] = [:]
        var listings: [HandleID: [DirectoryEntry]] = [:]
        var nextHandle: UInt64 = 1
        var lookups: [InodeNumber: UInt64] = [:]
        var violations: [String] = []
        var confirmed = 0
        var shutdownCalled = false
        var flushes = 0
    }

    let state = Mutex(State())

    var violations: [String] { state.withLock { $0.violations } }
    var confirmedLookups: Int { state.withLock { $0.confirmed } }
    var shutdownCalled: Bool { state.withLock { $0.shutdownCalled } }
    var flushes: Int { state.withLock { $0.flushes } }

    private func attributes(_ ino: InodeNumber, _ n: Node) -> FileAttributes {
        let size = n.kind == .symlink ? UInt64(n.target.utf8.count) : UInt64(n.data.count)
        return FileAttributes(ino: ino, kind: n.kind, permissions: n.permissions, nlink: n.kind == .directory ? 2 : 1,
                              uid: n.uid, gid: n.gid, size: size, atime: n.atime, mtime: n.mtime, ctime: n.mtime)
    }

    /// An entry reply: counts one lookup.
    private func entry(_ s: inout State, _ ino: InodeNumber) -> Entry {
        s.lookups[ino, default: 0] += 1
        return Entry(attributes: attributes(ino, s.nodes[ino]!), entryTimeout: 1, attributeTimeout: 1)
    }

    private func node(_ s: State, _ ino: InodeNumber) throws -> Node {
        guard let n = s.nodes[ino] else { throw FSError.notFound }
        return n
    }

    private func add(_ parent: InodeNumber, _ name: String, _ n: Node) throws -> Entry {
        try state.withLock { s in
            guard s.nodes[parent]?.kind == .directory else { throw FSError.notDirectory }
            guard s.nodes[parent]!.children[name] == nil else { throw FSError.exists }
            guard name.utf8.count <= 255 else { throw FSError.nameTooLong }
            let ino = InodeNumber(s.next)
            s.next += 1
            s.nodes[ino] = n
            s.nodes[parent]!.children[name] = ino
            return entry(&s, ino)
        }
    }

    func lookup(parent: InodeNumber, name: String) async throws -> Entry {
        try state.withLock { s in
            guard let ino = try node(s, parent).children[name] else { throw FSError.notFound }
            return entry(&s, ino)
        }
    }

    func forget(_ ino: InodeNumber, count: UInt64) {
        state.withLock { s in
            let have = s.lookups[ino, default: 0]
            if count > have { s.violations.append("forget(\(ino), \(count)) with only \(have) lookups") }
            s.lookups[ino] = have >= count ? have - count : 0
        }
    }

    func confirmLookups(_ inodes: [InodeNumber]) {
        state.withLock { s in
            for ino in inodes { s.lookups[ino, default: 0] += 1 }
            s.confirmed += inodes.count
        }
    }

    func getattr(_ ino: InodeNumber, handle: HandleID?) async throws -> (FileAttributes, timeout: Double) {
        try state.withLock { s in (attributes(ino, try node(s, ino)), 1) }
    }

    func setattr(_ ino: InodeNumber, changes: AttributeChanges, handle: HandleID?, caller: Caller) async throws
        -> (FileAttributes, timeout: Double)
    {
        try state.withLock { s in
            var n = try node(s, ino)
            if let p = changes.permissions { n.permissions = p }
            if let u = changes.uid { n.uid = u }
            if let g = changes.gid { n.gid = g }
            if let size = changes.size {
                if size < n.data.count { n.data.removeLast(n.data.count - Int(size)) }
                else { n.data += [UInt8](repeating: 0, count: Int(size) - n.data.count) }
            }
            switch changes.mtime {
            case .to(let t): n.mtime = t
            case .now: n.mtime = Timestamp(seconds: Int64(time(nil)))
            case nil: break
            }
            switch changes.atime {
            case .to(let t): n.atime = t
            case .now: n.atime = Timestamp(seconds: Int64(time(nil)))
            case nil: break
            }
            s.nodes[ino] = n
            return (attributes(ino, n), 1)
        }
    }

    func readlink(_ ino: InodeNumber) async throws -> String {
        try state.withLock { s in
            let n = try node(s, ino)
            guard n.kind == .symlink else { throw FSError.invalidArgument("not a symlink") }
            return n.target
        }
    }

    func mkdir(parent: InodeNumber, name: String, permissions: UInt32, caller: Caller) async throws -> Entry {
        try add(parent, name, Node(kind: .directory, permissions: permissions & ~caller.umask, uid: caller.uid,
                                   gid: caller.gid))
    }

    func mknod(parent: InodeNumber, name: String, mode: UInt32, caller: Caller) async throws -> Entry {
        guard mode & 0o170000 == 0o100000 else { throw FSError.notSupported("only regular files") }
        return try add(parent, name, Node(kind: .regular, permissions: mode & 0o7777, uid: caller.uid, gid: caller.gid))
    }

    private func remove(parent: InodeNumber, name: String, directory: Bool) throws {
        try state.withLock { s in
            guard let ino = try node(s, parent).children[name] else { throw FSError.notFound }
            let n = try node(s, ino)
            if directory {
                guard n.kind == .directory else { throw FSError.notDirectory }
                guard n.children.isEmpty else { throw FSError.notEmpty }
            } else if n.kind == .directory {
                throw FSError.isDirectory
            }
            s.nodes[parent]!.children[name] = nil
        }
    }

    func unlink(parent: InodeNumber, name: String) async throws { try remove(parent: parent, name: name, directory: false) }
    func rmdir(parent: InodeNumber, name: String) async throws { try remove(parent: parent, name: name, directory: true) }

    func symlink(parent: InodeNumber, name: String, target: String, caller: Caller) async throws -> Entry {
        try add(parent, name, Node(kind: .symlink, permissions: 0o777, uid: caller.uid, gid: caller.gid, target: target))
    }

    func rename(parent: InodeNumber, name: String, newParent: InodeNumber, newName: String, flags: RenameFlags)
        async throws
    {
        try state.withLock { s in
            guard let ino = try node(s, parent).children[name] else { throw FSError.notFound }
            if flags == .exchange { throw FSError.notSupported("RENAME_EXCHANGE") }
            if let existing = try node(s, newParent).children[newName] {
                if flags == .noReplace { throw FSError.exists }
                if s.nodes[existing]?.kind == .directory, !(s.nodes[existing]?.children.isEmpty ?? true) {
                    throw FSError.notEmpty
                }
            }
            s.nodes[parent]!.children[name] = nil
            s.nodes[newParent]!.children[newName] = ino
        }
    }

    func link(_ ino: InodeNumber, newParent: InodeNumber, newName: String) async throws -> Entry {
        throw FSError.notPermitted("hard links")
    }

    private func newHandle(_ s: inout State, _ ino: InodeNumber) -> HandleID {
        let h = HandleID(s.nextHandle)
        s.nextHandle += 1
        s.handles[h] = ino
        return h
    }

    func open(_ ino: InodeNumber, flags: OpenFlags, caller: Caller) async throws -> OpenReply {
        try state.withLock { s in
            guard try node(s, ino).kind == .regular else { throw FSError.isDirectory }
            if flags.truncate { s.nodes[ino]!.data = [] }
            return OpenReply(handle: newHandle(&s, ino))
        }
    }

    func create(parent: InodeNumber, name: String, permissions: UInt32, flags: OpenFlags, caller: Caller)
        async throws -> (Entry, OpenReply)
    {
        let e = try add(parent, name, Node(kind: .regular, permissions: permissions & ~caller.umask, uid: caller.uid,
                                          gid: caller.gid))
        return state.withLock { s in (e, OpenReply(handle: newHandle(&s, e.attributes.ino))) }
    }

    private func fileInode(_ s: State, _ handle: HandleID) throws -> InodeNumber {
        guard let ino = s.handles[handle] else { throw FSError.badHandle }
        return ino
    }

    func readBuffer(_ handle: HandleID, offset: UInt64, size: Int) async throws -> ReadBuffer {
        try state.withLock { s in
            let data = try node(s, try fileInode(s, handle)).data
            guard offset < data.count else { return .empty }
            return ReadBuffer(Array(data[Int(offset)..<min(data.count, Int(offset) + size)]))
        }
    }

    func write(_ handle: HandleID, offset: UInt64, data: [UInt8]) async throws -> Int {
        try state.withLock { s in
            let ino = try fileInode(s, handle)
            var bytes = s.nodes[ino]!.data
            let end = Int(offset) + data.count
            if bytes.count < end { bytes += [UInt8](repeating: 0, count: end - bytes.count) }
            bytes.replaceSubrange(Int(offset)..<end, with: data)
            s.nodes[ino]!.data = bytes
            return data.count
        }
    }

    func flush(_ handle: HandleID) async throws {
        _ = try state.withLock { s in
            s.flushes += 1
            return try fileInode(s, handle)
        }
    }
    func fsync(_ handle: HandleID, dataOnly: Bool) async throws { try await flush(handle) }
    func release(_ handle: HandleID) async { _ = state.withLock { s in s.handles.removeValue(forKey: handle) } }

    func opendir(_ ino: InodeNumber) async throws -> HandleID {
        try state.withLock { s in
            let dir = try node(s, ino)
            guard dir.kind == .directory else { throw FSError.notDirectory }
            var listing = [DirectoryEntry(name: ".", ino: ino, kind: .directory, offset: 1),
                           DirectoryEntry(name: "..", ino: .root, kind: .directory, offset: 2)]
            for (i, (name, child)) in dir.children.sorted(by: { $0.key < $1.key }).enumerated() {
                listing.append(DirectoryEntry(name: name, ino: child, kind: s.nodes[child]!.kind, offset: UInt64(i + 3)))
            }
            let h = newHandle(&s, ino)
            s.listings[h] = listing
            return h
        }
    }

    func readdir(_ handle: HandleID, offset: UInt64, plus: Bool) async throws -> [DirectoryEntry] {
        state.withLock { s in
            let after = (s.listings[handle] ?? []).filter { $0.offset > offset }
            guard plus else { return after }
            // Entries carry attributes but no lookup yet: the adapter confirms the ones it sent.
            return after.map { d in
                var d = d
                if d.name != ".", d.name != "..", let n = s.nodes[d.ino] {
                    d.entry = Entry(attributes: attributes(d.ino, n), entryTimeout: 1, attributeTimeout: 1)
                }
                return d
            }
        }
    }

    func releasedir(_ handle: HandleID) async {
        state.withLock { s in
            s.handles[handle] = nil
            s.listings[handle] = nil
        }
    }

    func statfs() async throws -> FilesystemStatistics {
        FilesystemStatistics(blockSize: 4096, blocks: 1 << 20, freeBlocks: 1 << 19, availableBlocks: 1 << 19,
                             files: 1000, freeFiles: 900, nameMax: 255)
    }

    func getxattr(_ ino: InodeNumber, name: String) async throws -> [UInt8] {
        try state.withLock { s in
            guard let v = try node(s, ino).xattrs[name] else { throw FSError.noAttribute }
            return v
        }
    }

    func setxattr(_ ino: InodeNumber, name: String, value: [UInt8], mode: XattrSetMode) async throws {
        try state.withLock { s in
            let exists = try node(s, ino).xattrs[name] != nil
            if mode == .create && exists { throw FSError.exists }
            if mode == .replace && !exists { throw FSError.noAttribute }
            s.nodes[ino]!.xattrs[name] = value
        }
    }

    /// Every stored attribute name, across all nodes (tests check that none reached the core).
    func allXattrs() -> [String] {
        state.withLock { s in s.nodes.values.flatMap { $0.xattrs.keys } }
    }

    func listxattr(_ ino: InodeNumber) async throws -> [String] {
        try state.withLock { s in try node(s, ino).xattrs.keys.sorted() }
    }

    func removexattr(_ ino: InodeNumber, name: String) async throws {
        try state.withLock { s in
            guard try node(s, ino).xattrs[name] != nil else { throw FSError.noAttribute }
            s.nodes[ino]!.xattrs[name] = nil
        }
    }

    func access(_ ino: InodeNumber, mask: UInt32, caller: Caller) async throws {
        _ = try state.withLock { s in try node(s, ino) }
    }

    func shutdown() async { state.withLock { $0.shutdownCalled = true } }
}
