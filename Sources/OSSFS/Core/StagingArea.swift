#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import OSSCore
import Synchronization

/// `ensure_diskfree=`: writes that would leave less free space on the staging filesystem fail with ENOSPC.
/// `freeSpace` is the statvfs probe (tests replace it to fill the disk without filling the disk).
/// Staged data comes before cached data: when the disk cache (`use_cache=`) shares the filesystem, `reclaim`
/// deletes cached blocks worth the bytes asked for before a write fails.
final class SpaceGuard: Sendable {
    let ensureFree: UInt64
    let freeSpace: @Sendable (String) -> UInt64?
    let reclaim: (@Sendable (UInt64) -> UInt64)?
    init(ensureFree: UInt64, freeSpace: (@Sendable (String) -> UInt64?)? = nil,
         reclaim: (@Sendable (UInt64) -> UInt64)? = nil)
    {
        self.ensureFree = ensureFree
        self.freeSpace = freeSpace ?? { StagingFile.freeSpace($0) }
        self.reclaim = reclaim
    }

    func reserve(_ count: UInt64, in directory: String) throws {
        guard ensureFree > 0, count > 0, let free = freeSpace(directory) else { return }
        if free >= count, free - count >= ensureFree { return }
        if let reclaim, reclaim(ensureFree + count - min(free, ensureFree + count)) > 0,
           let after = freeSpace(directory), after >= count, after - count >= ensureFree { return }
        throw FSError.noSpace
    }
}

/// The mount's own directory under `tmpdir=`: staging data files (`<id>.data`), their sidecar records
/// (`<id>.data.record`), directory-rename records (`renames/`) and staged copies recovery could not upload
/// (`conflicts/`). Named from bucket and prefix, so the next mount of the same bucket:/prefix finds what a
/// crashed one left; an exclusive flock keeps two live mounts of the same prefix out of each other's area
/// (the second takes `-2`, `-3`, ...).
///
/// Records are replaced atomically (temp file + rename), so a reader sees the old or the new record, never a
/// torn one. The rename survives a killed process as it stands; `sync` writes (upload started, rename
/// phases) also fsync the record and the directory, for power loss.
final class StagingArea: Sendable {
    let directory: String
    var renamesDirectory: String { directory + "/renames" }
    var conflictsDirectory: String { directory + "/conflicts" }
    let space: SpaceGuard
    /// True when another live mount of the same bucket:/prefix holds the usual area (this one is `-N`).
    let sharedWithLiveMount: Bool
    private let lockFD: Locked<Int32>
    /// Test hook for a simulated crash: once set, records are neither written nor removed.
    private let frozen = Atomic<Bool>(false)
    private let counter = Locked<UInt64>(0)
    private let namePrefix = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))-"

    static let recordSuffix = ".record"
    static let dataSuffix = ".data"

    /// The area for `identity` (bucket:/prefix) under `root`, created and locked.
    init(root: String, identity: String, space: SpaceGuard) throws {
        let base = (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/.ossfs-"
            + String(Hex.encode(Digest.sha256(Array(identity.utf8))).prefix(16))
        self.space = space
        for n in 1...64 {
            let dir = n == 1 ? base : "\(base)-\(n)"
            for d in [dir, dir + "/renames", dir + "/conflicts"] {
                if mkdir(d, 0o700) != 0, errno != EEXIST { throw StagingFile.failure("mkdir", d) }
            }
            let fd = open(dir + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw StagingFile.failure("open", dir + "/lock") }
            // A few tries: a mount that is exiting, or a child forked by another thread that has not reached
            // exec yet, holds the lock for a moment only.
            for attempt in 0..<20 {
                if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                    directory = dir
                    sharedWithLiveMount = n > 1
                    lockFD = Locked(fd)
                    return
                }
                if attempt < 19 { usleep(10_000) }
            }
            close(fd)   // another live mount of the same bucket:/prefix owns it
        }
        throw FSError.io("staging area \(base): 64 live mounts of the same prefix")
    }

    deinit { release() }

    /// Gives the area up (unmount, or a simulated crash in tests).
    func release() {
        lockFD.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Simulates a crash from here on: no record is written or removed any more.
    func freeze() { frozen.store(true, ordering: .sequentiallyConsistent) }
    var isFrozen: Bool { frozen.load(ordering: .sequentiallyConsistent) }

    /// `<pid>-<random>-<n><suffix>`: unique within this process by the counter, and against names an
    /// earlier process left by its pid and the random part (drawn once per area, as the pid is constant).
    func uniqueName(_ suffix: String) -> String {
        let n = counter.withLock { c -> UInt64 in c += 1; return c }
        return namePrefix + String(n) + suffix
    }

    func path(_ name: String) -> String { directory + "/" + name }

    // MARK: - Records

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }

    /// Replaces the file at `path` with `bytes` atomically.
    func writeAtomically(_ bytes: [UInt8], to path: String, sync: Bool) throws {
        guard !isFrozen else { return }
        let temp = path + ".\(uniqueName(".tmp"))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StagingFile.failure("open", temp) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let e = StagingFile.failure("write", temp)
                close(fd)
                unlink(temp)
                throw e
            }
            done += n
        }
        if sync { fsync(fd) }
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = StagingFile.failure("rename", temp)
            unlink(temp)
            throw e
        }
        if sync { syncDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])) }
    }

    func syncDirectory(_ dir: String) {
        let fd = open(dir.isEmpty ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    func remove(_ path: String) {
        guard !isFrozen else { return }
        unlink(path)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    static func names(in dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != ".", name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    func writeRecord(_ record: StagingRecord, sync: Bool) throws {
        try writeAtomically(record.json(), to: path(record.dataFile + Self.recordSuffix), sync: sync)
    }

    func removeRecord(dataFile: String) { remove(path(dataFile + Self.recordSuffix)) }

    /// Every staging record left in the area, by data file name.
    func stagingRecords() -> [StagingRecord] {
        Self.names(in: directory).filter { $0.hasSuffix(Self.recordSuffix) }.compactMap { name in
            Self.readFile(path(name)).flatMap { Self.decode(StagingRecord.self, $0) }
        }
    }

    /// Deletes what a crash can leave without meaning: temp files, and data files without a record (a clean
    /// file's staging, or a temporary copy).
    func removeOrphans() {
        let all = Self.names(in: directory)
        let recorded = Set(all.filter { $0.hasSuffix(Self.recordSuffix) }.map { String($0.dropLast(Self.recordSuffix.count)) })
        for name in all where name.hasSuffix(".tmp") || name.hasPrefix(".ossfs-staging-")
            || (name.hasSuffix(Self.dataSuffix) && !recorded.contains(name))
        {
            unlink(path(name))
        }
        for name in Self.names(in: renamesDirectory) where name.hasSuffix(".tmp") { unlink(renamesDirectory + "/" + name) }
    }

    func writeRename(_ record: RenameRecord, name: String, sync: Bool) throws {
        try writeAtomically(try Self.encode(record), to: renamesDirectory + "/" + name, sync: sync)
    }

    func removeRename(name: String, sync: Bool = true) {
        remove(renamesDirectory + "/" + name)
        if sync, !isFrozen { syncDirectory(renamesDirectory) }
    }

    func renameRecords() -> [(name: String, record: RenameRecord)] {
        Self.names(in: renamesDirectory).filter { $0.hasSuffix(".rename") }.compactMap { name in
            guard let bytes = Self.readFile(renamesDirectory + "/" + name),
                  let r = Self.decode(RenameRecord.self, bytes) else { return nil }
            return (name, r)
        }
    }

    /// Moves a data file and its record into `conflicts/`; returns the data file's new path.
    func keepAsConflict(_ record: StagingRecord) -> String {
        let stem = conflictsDirectory + "/" + record.dataFile
        if rename(path(record.dataFile), stem) != 0 { return path(record.dataFile) }
        _ = rename(path(record.dataFile + Self.recordSuffix), stem + Self.recordSuffix)
        syncDirectory(conflictsDirectory)
        return stem
    }
}
