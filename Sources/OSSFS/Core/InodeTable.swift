import ObjectStore
import OSSCore

/// How many times the kernel holds an inode: one per Entry it was sent (lookup, create, mkdir, symlink,
/// mknod, each confirmed readdirplus entry), minus what `forget` returned.
struct LookupCount: Sendable, Hashable {
    private(set) var value: UInt64 = 0
    mutating func increment() { value += 1 }
    /// True when the count reached zero.
    mutating func forget(_ n: UInt64) -> Bool {
        precondition(n <= value, "forget(\(n)) exceeds lookup count \(value)")
        value -= n
        return value == 0
    }
}

/// The inodes the kernel knows. Inode numbers are stable for a path while the kernel or an open file holds
/// them: a path maps to the same number until the record is evicted (lookups forgotten, no open file, no
/// readdirplus pin), renamed (the number follows the entry) or detached (unlinked or replaced: the number
/// lives on, nameless, until forgotten, so open handles keep working).
///
/// INVARIANTS (checked by `checkInvariants` in tests):
/// - `records[k].ino == k`; `byPath[p] == k` iff `records[k].path == p`.
/// - `.root` is always present, at path "", with a lookup count ≥ 1 that `forget` never lowers.
/// - A record is evicted only when its lookup count is 0 and it has no pins, no early forgets and no
///   `OpenFile`.
/// - Numbers are never reused while the mount lives.
/// LOCK ORDER: `InodeTable.state` is a leaf: nothing else is locked while it is held, and it is never held
/// across `await`.
final class InodeTable: Sendable {
    struct Record: Sendable {
        let ino: InodeNumber
        /// nil once detached.
        var path: FSPath?
        var kind: FileKind
        var lookups = LookupCount()
        /// readdirplus entries handed to the adapter but not yet confirmed; released at releasedir.
        var pins = 0
        /// Forgets that overtook the confirmation of the lookup they forget: the kernel may process a
        /// readdirplus reply and send FORGET before the adapter's `confirmLookups` runs on its thread.
        var earlyForgets: UInt64 = 0
        /// Pending or open data; shared by every handle on the inode.
        var openFile: OpenFile?
        /// The last attributes seen, for detached inodes and for the kernel cache decision at open.
        var info: NodeInfo?
        /// The ETag the last open saw (keep_cache when unchanged).
        var lastOpenETag: ETag?
        /// Bumped by every upload through this mount: an open-file state built from a HEAD that started
        /// before the bump would pin a stale ETag.
        var epoch: UInt64 = 0
    }
    private struct State {
        var records: [InodeNumber: Record] = [:]
        var byPath: [FSPath: InodeNumber] = [:]
        var next: UInt64 = 2
    }
    private let state: Locked<State>

    init(rootInfo: NodeInfo) {
        var s = State()
        var root = Record(ino: .root, path: .root, kind: .directory, info: rootInfo)
        root.lookups.increment()
        s.records[.root] = root
        s.byPath[.root] = .root
        state = Locked(s)
    }

    /// The number for `path`, creating a record when needed. A record of another kind at the path is
    /// detached first (the object was replaced by another client), so the kernel sees a new inode.
    private static func upsert(_ s: inout State, _ path: FSPath, _ kind: FileKind, _ info: NodeInfo?) -> InodeNumber {
        if let ino = s.byPath[path] {
            if s.records[ino]!.kind == kind || ino == .root {
                if let info { s.records[ino]!.info = info }
                return ino
            }
            detach(&s, ino)
        }
        let ino = InodeNumber(s.next)
        s.next += 1
        s.records[ino] = Record(ino: ino, path: path, kind: kind, info: info)
        s.byPath[path] = ino
        return ino
    }

    private static func detach(_ s: inout State, _ ino: InodeNumber) {
        guard let path = s.records[ino]?.path else { return }
        s.byPath[path] = nil
        s.records[ino]!.path = nil
        evictIfUnused(&s, ino)
    }

    private static func evictIfUnused(_ s: inout State, _ ino: InodeNumber) {
        guard ino != .root, let r = s.records[ino], r.lookups.value == 0, r.pins == 0, r.openFile == nil,
              r.earlyForgets == 0 else { return }
        s.records[ino] = nil
        if let path = r.path, s.byPath[path] == ino { s.byPath[path] = nil }
    }

    /// THE place lookups are counted: every Entry the core returns comes through here.
    func reference(_ path: FSPath, kind: FileKind, info: NodeInfo?) -> InodeNumber {
        state.withLock { s in
            let ino = Self.upsert(&s, path, kind, info)
            s.records[ino]!.lookups.increment()
            return ino
        }
    }

    /// A number for a readdir entry without counting a lookup. Pinned so it survives until the adapter
    /// confirms it (readdirplus) or the directory handle is released.
    /// A listing's guess (`info.complete == false`: a body-form symlink or a legacy `dir` object lists as a
    /// plain object) never replaces a known inode: the kind a lookup established stands.
    func provision(_ path: FSPath, kind: FileKind, info: NodeInfo?) -> (InodeNumber, FileKind) {
        state.withLock { s in
            if let info, !info.complete, let known = s.byPath[path], let r = s.records[known] {
                s.records[known]!.pins += 1
                return (known, r.kind)
            }
            let ino = Self.upsert(&s, path, kind, info)
            s.records[ino]!.pins += 1
            return (ino, kind)
        }
    }

    func unpin(_ inodes: [InodeNumber]) {
        state.withLock { s in
            for ino in inodes where s.records[ino] != nil {
                s.records[ino]!.pins -= 1
                Self.evictIfUnused(&s, ino)
            }
        }
    }

    /// readdirplus entries the kernel received: one lookup each.
    func confirm(_ inodes: [InodeNumber]) {
        state.withLock { s in
            for ino in inodes {
                guard s.records[ino] != nil else {
                    assertionFailure("confirmLookups of unknown \(ino)")
                    continue
                }
                if s.records[ino]!.earlyForgets > 0 {
                    s.records[ino]!.earlyForgets -= 1
                    Self.evictIfUnused(&s, ino)
                } else {
                    s.records[ino]!.lookups.increment()
                }
            }
        }
    }

    func forget(_ ino: InodeNumber, count: UInt64) {
        guard ino != .root else { return }
        state.withLock { s in
            guard s.records[ino] != nil else {
                assertionFailure("forget of unknown \(ino)")
                return
            }
            let r = s.records[ino]!
            if count > r.lookups.value, r.pins > 0 {
                // Part of this forget pays for readdirplus lookups not confirmed yet.
                s.records[ino]!.earlyForgets += count - r.lookups.value
                _ = s.records[ino]!.lookups.forget(r.lookups.value)
                return
            }
            if s.records[ino]!.lookups.forget(count) { Self.evictIfUnused(&s, ino) }
        }
    }

    func record(_ ino: InodeNumber) -> Record? { state.withLock { $0.records[ino] } }

    /// The path alone (nil once detached or forgotten): the read path asks on every request, and copying the
    /// whole record under the table's one lock is what its callers then contend on.
    func path(_ ino: InodeNumber) -> FSPath? { state.withLock { $0.records[ino]?.path } }

    func ino(at path: FSPath) -> InodeNumber? { state.withLock { $0.byPath[path] } }

    func lookupCount(_ ino: InodeNumber) -> UInt64? { state.withLock { $0.records[ino]?.lookups.value } }

    var count: Int { state.withLock { $0.records.count } }

    func setInfo(_ ino: InodeNumber, _ info: NodeInfo) {
        state.withLock { s in
            if s.records[ino] != nil { s.records[ino]!.info = info }
        }
    }

    func setLastOpenETag(_ ino: InodeNumber, _ etag: ETag?) -> ETag? {
        state.withLock { s in
            guard s.records[ino] != nil else { return nil }
            let old = s.records[ino]!.lastOpenETag
            s.records[ino]!.lastOpenETag = etag
            return old
        }
    }

    func epoch(_ ino: InodeNumber) -> UInt64? { state.withLock { $0.records[ino]?.epoch } }

    func bumpEpoch(_ ino: InodeNumber) {
        state.withLock { s in
            if s.records[ino] != nil { s.records[ino]!.epoch += 1 }
        }
    }

    /// The inode's shared open-file state, created by `make` when absent (and, when `epoch` is given, only
    /// if no upload happened since the caller read it; nil otherwise).
    func openFile(_ ino: InodeNumber, epoch: UInt64? = nil, make: () -> OpenFile) -> OpenFile? {
        state.withLock { s in
            guard s.records[ino] != nil else { return nil }
            if let f = s.records[ino]!.openFile { return f }
            if let epoch, s.records[ino]!.epoch != epoch { return nil }
            let f = make()
            s.records[ino]!.openFile = f
            return f
        }
    }

    func existingOpenFile(_ ino: InodeNumber) -> OpenFile? { state.withLock { $0.records[ino]?.openFile } }

    func existingOpenFile(at path: FSPath) -> OpenFile? {
        state.withLock { s in s.byPath[path].flatMap { s.records[$0]?.openFile } }
    }

    /// Drops the inode's open-file state once nothing needs it (no handle and nothing left to upload).
    func dropOpenFile(_ ino: InodeNumber, ifIdentical f: OpenFile) {
        state.withLock { s in
            guard let r = s.records[ino], r.openFile === f else { return }
            s.records[ino]!.openFile = nil
            Self.evictIfUnused(&s, ino)
        }
    }

    /// Open-file states of the files directly in `directory`, by name.
    func openFiles(in directory: FSPath) -> [(name: String, file: OpenFile)] {
        state.withLock { s in
            s.records.values.compactMap { r in
                guard let f = r.openFile, let p = r.path, !p.isRoot, p.parent == directory else { return nil }
                return (p.name, f)
            }.sorted { $0.name < $1.name }
        }
    }

    /// Open-file states of every inode at or below `path`, ascending by inode number (the lock order for
    /// `OpenFile.lock`).
    func openFiles(within path: FSPath) -> [OpenFile] {
        state.withLock { s in
            s.records.values.filter { r in r.openFile != nil && (r.path.map { $0.isWithin(path) } ?? false) }
                .sorted { $0.ino < $1.ino }.map { $0.openFile! }
        }
    }

    /// Every open-file state (shutdown).
    func allOpenFiles() -> [OpenFile] {
        state.withLock { s in s.records.values.compactMap(\.openFile) }
    }

    /// The name is gone (unlink, rmdir, replaced by rename): the inode lives on without a path.
    func detach(_ path: FSPath) {
        state.withLock { s in
            if let ino = s.byPath[path], ino != .root { Self.detach(&s, ino) }
        }
    }

    /// rename: the inode at `from` (and everything below it) now lives at `to`; whatever was at `to` (and
    /// below) is detached first.
    func move(from: FSPath, to: FSPath, directory: Bool) {
        state.withLock { s in
            if !directory {   // one name: no walk over every known path
                if let old = s.byPath[to], old != .root { Self.detach(&s, old) }
                if let ino = s.byPath.removeValue(forKey: from) {
                    s.records[ino]!.path = to
                    s.byPath[to] = ino
                }
                return
            }
            let targets = s.byPath.filter { $0.key.isWithin(to) && !$0.key.isWithin(from) }.map(\.value)
            for ino in targets where ino != .root { Self.detach(&s, ino) }
            let moving = s.byPath.filter { $0.key.isWithin(from) }
            for (path, _) in moving { s.byPath[path] = nil }
            for (path, ino) in moving {
                let newPath = path.rebased(from: from, to: to)
                s.records[ino]!.path = newPath
                s.byPath[newPath] = ino
            }
        }
    }

    /// For tests: the documented invariants hold.
    func checkInvariants() -> Bool {
        state.withLock { s in
            guard let root = s.records[.root], root.path == .root, root.lookups.value >= 1 else { return false }
            for (k, r) in s.records where r.ino != k { return false }
            for (p, k) in s.byPath where s.records[k]?.path != p { return false }
            for (k, r) in s.records { if let p = r.path, s.byPath[p] != k { return false } }
            return true
        }
    }
}
