import Foundation
import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Synchronization

/// A clock the test moves by hand, so stat-cache TTLs expire without sleeping.
final class ManualClock: Sendable {
    private let time = Mutex(Timestamp(seconds: 1_800_000_000))
    var clock: FilesystemClock { FilesystemClock { self.time.withLock { $0 } } }
    func advance(_ seconds: Int64) { time.withLock { $0.seconds += seconds } }
}

let user = Caller(uid: 1000, gid: 1000, pid: 42, umask: 0o022)
let root = Caller(uid: 0, gid: 0, pid: 1, umask: 0o022)

/// A filesystem over an in-memory store with its own staging directory, and path-based helpers.
final class Harness: @unchecked Sendable {
    let memory: MemoryObjectStore
    let store: any ObjectStore
    let fs: Filesystem
    let clock = ManualClock()
    let staging: String
    var config: FilesystemConfiguration

    /// `store` wraps `memory` (a FaultyStore) when given.
    init(store wrapper: (any ObjectStore)? = nil,
         memory: MemoryObjectStore = MemoryObjectStore(),
         _ configure: (inout FilesystemConfiguration) -> Void = { _ in })
    {
        self.memory = memory
        self.store = wrapper ?? memory
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ossfs-test-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        staging = dir
        var c = FilesystemConfiguration()
        c.stagingDirectory = dir
        c.defaultUID = 1000
        c.defaultGID = 1000
        configure(&c)
        config = c
        fs = Filesystem(store: store, configuration: c, clock: clock.clock)
    }

    deinit { try? FileManager.default.removeItem(atPath: staging) }

    /// Staging data files (in the mount's staging area since durable staging; records, the lock and the
    /// renames/conflicts folders are not data).
    var stagingFiles: [String] {
        let dir = fs.area?.directory ?? staging
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            !$0.hasSuffix(".record") && !["lock", "renames", "conflicts"].contains($0) && !$0.hasPrefix(".ossfs-")
                || $0.hasPrefix(".ossfs-staging-")
        }
    }

    // MARK: paths

    /// Looks up every component (each lookup counts once; tests of counts use the API directly).
    func ino(_ path: String) async throws -> InodeNumber {
        var ino = InodeNumber.root
        for part in path.split(separator: "/") {
            ino = try await fs.lookup(parent: ino, name: String(part)).attributes.ino
        }
        return ino
    }

    func split(_ path: String) async throws -> (InodeNumber, String) {
        var parts = path.split(separator: "/").map(String.init)
        let name = parts.removeLast()
        return (try await ino(parts.joined(separator: "/")), name)
    }

    func stat(_ path: String) async throws -> FileAttributes {
        try await fs.getattr(try await ino(path), handle: nil).0
    }

    func exists(_ path: String) async -> Bool {
        do { _ = try await ino(path); return true } catch { return false }
    }

    func mkdir(_ path: String, _ mode: UInt32 = 0o755) async throws {
        let (p, n) = try await split(path)
        _ = try await fs.mkdir(parent: p, name: n, permissions: mode, caller: user)
    }

    func create(_ path: String, flags: OpenFlags = OpenFlags(access: .readWrite)) async throws -> HandleID {
        let (p, n) = try await split(path)
        return try await fs.create(parent: p, name: n, permissions: 0o644, flags: flags, caller: user).1.handle
    }

    func open(_ path: String, _ flags: OpenFlags = OpenFlags(access: .readWrite)) async throws -> HandleID {
        try await fs.open(try await ino(path), flags: flags, caller: user).handle
    }

    func writeFile(_ path: String, _ bytes: [UInt8]) async throws {
        let h = await exists(path)
            ? try await open(path, OpenFlags(access: .writeOnly, truncate: true))
            : try await create(path)
        _ = try await fs.write(h, offset: 0, data: bytes)
        try await fs.flush(h)
        await fs.release(h)
    }

    func readAll(_ h: HandleID, chunk: Int = 65536) async throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let b = try await fs.read(h, offset: UInt64(out.count), size: chunk)
            if b.isEmpty { return out }
            out += b
        }
    }

    func readFile(_ path: String) async throws -> [UInt8] {
        let h = try await open(path, OpenFlags(access: .readOnly))
        do {
            let b = try await readAll(h)
            await fs.release(h)
            return b
        } catch {
            await fs.release(h)
            throw error
        }
    }

    func list(_ path: String, plus: Bool = false) async throws -> [DirectoryEntry] {
        let h = try await fs.opendir(try await ino(path))
        var all: [DirectoryEntry] = []
        var offset: UInt64 = 0
        while true {
            let batch = try await fs.readdir(h, offset: offset, plus: plus)
            if batch.isEmpty { break }
            all += batch
            offset = batch.last!.offset
        }
        if plus { fs.confirmLookups(all.compactMap { $0.entry?.attributes.ino }) }
        await fs.releasedir(h)
        return all
    }

    func names(_ path: String) async throws -> [String] {
        try await list(path).map(\.name).filter { $0 != "." && $0 != ".." }.sorted()
    }

    func put(_ key: String, _ body: [UInt8] = [], contentType: String? = nil, meta: [String: String] = [:]) async throws {
        _ = try await memory.put(ObjectKey(key), payload: .bytes(body),
                                 options: WriteOptions(contentType: contentType, userMetadata: meta))
    }

    func head(_ key: String) async throws -> ObjectMetadata { try await memory.head(ObjectKey(key)) }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Deterministic pseudo-random bytes (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
    var g = SeededRandom(seed: seed)
    var out = [UInt8](repeating: 0, count: n)
    var i = 0
    while i < n {
        var v = g.next()
        for _ in 0..<8 where i < n {
            out[i] = UInt8(truncatingIfNeeded: v)
            v >>= 8
            i += 1
        }
    }
    return out
}

/// An ObjectStore that fails chosen calls: `failNext("put", 2)` makes the next two puts fail with a 503, and
/// `corruptCRC` makes writes report a wrong CRC64. It counts every call by name.
final class FaultyStore: ObjectStore {
    let inner: MemoryObjectStore
    private struct State {
        var failures: [String: Int] = [:]
        var calls: [String: Int] = [:]
        var corruptCRC = false
        var hidesSentCRC = false
        var getRanges: [Range<UInt64>?] = []
        var ossSymlinkAnswers = false
        var flipBodyByte = false
        var lieAboutCRC = false
        var getDelay: UInt64 = 0
        var getsInFlight = 0
        var maxGetsInFlight = 0
        var getsOnBlockingThread = 0
    }
    private let state = Mutex(State())
    init(_ inner: MemoryObjectStore) { self.inner = inner }

    func failNext(_ call: String, _ times: Int = 1) { state.withLock { $0.failures[call, default: 0] += times } }
    func setCorruptCRC(_ on: Bool) { state.withLock { $0.corruptCRC = on } }
    /// Writes report no CRC64 of the bytes they sent, as a store that does not hash them.
    func setHidesSentCRC(_ on: Bool) { state.withLock { $0.hidesSentCRC = on } }
    /// GET answers with one body byte changed (headers intact), as a faulty network or proxy would give.
    func setFlipBodyByte(_ on: Bool) { state.withLock { $0.flipBodyByte = on } }
    /// GET answers that name a wrong x-oss-hash-crc64ecma (body intact).
    func setLieAboutCRC(_ on: Bool) { state.withLock { $0.lieAboutCRC = on } }
    /// Every GET waits this long before answering, so GETs that overlap can be seen.
    func setGetDelay(nanoseconds: UInt64) { state.withLock { $0.getDelay = nanoseconds } }
    /// The most GETs that were in flight at once.
    var maxGetsInFlight: Int { state.withLock { $0.maxGetsInFlight } }
    /// GETs that began on a thread `BlockingCaller` marks: the transport would carry them out there.
    var getsOnBlockingThread: Int { state.withLock { $0.getsOnBlockingThread } }
    /// Answers about native symlinks as OSS gives them (the memory store says more): HeadObject carries no
    /// x-oss-symlink-target, GetSymlink no x-oss-object-type (the client then reports Normal).
    func setOSSSymlinkAnswers(_ on: Bool) { state.withLock { $0.ossSymlinkAnswers = on } }
    func calls(_ name: String) -> Int { state.withLock { $0.calls[name] ?? 0 } }
    var getRanges: [Range<UInt64>?] { state.withLock { $0.getRanges } }
    func resetCounts() {
        state.withLock { $0.calls = [:]; $0.getRanges = []; $0.maxGetsInFlight = 0; $0.getsOnBlockingThread = 0 }
    }

    private func enter(_ call: String) throws {
        let fail = state.withLock { s -> Bool in
            s.calls[call, default: 0] += 1
            guard let n = s.failures[call], n > 0 else { return false }
            s.failures[call] = n - 1
            return true
        }
        if fail {
            throw ObjectStoreError.service(OSSServiceError(status: 503, code: .serviceUnavailable, message: "injected"))
        }
    }
    private func mangle(_ r: WriteResult) -> WriteResult {
        let (corrupt, hide) = state.withLock { ($0.corruptCRC, $0.hidesSentCRC) }
        var r = r
        if corrupt { r.crc64 = (r.crc64 ?? 0) ^ 0xDEAD }
        if hide { r.sentCRC64 = nil }
        return r
    }

    func head(_ key: ObjectKey) async throws -> ObjectMetadata {
        try enter("head")
        var m = try await inner.head(key)
        if state.withLock({ $0.ossSymlinkAnswers }) { m.symlinkTarget = nil }
        return m
    }
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    {
        try enter("get")
        return try await bentGet(key, range: range, conditions: conditions)
    }
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions, into sink: BodySink) async throws
        -> ObjectMetadata
    {
        try enter("get")
        let (metadata, body) = try await bentGet(key, range: range, conditions: conditions)
        try body.withUnsafeBytes { try sink.write($0) }
        return metadata
    }
    private func bentGet(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    {
        let onBlockingThread = BlockingCaller.isAllowedHere
        let delay = state.withLock { s -> UInt64 in
            if onBlockingThread { s.getsOnBlockingThread += 1 }
            s.getRanges.append(range)
            s.getsInFlight += 1
            s.maxGetsInFlight = max(s.maxGetsInFlight, s.getsInFlight)
            return s.getDelay
        }
        defer { state.withLock { $0.getsInFlight -= 1 } }
        if delay > 0 { try await Task.sleep(nanoseconds: delay) }
        var (metadata, body) = try await inner.get(key, range: range, conditions: conditions)
        let (flip, lie) = state.withLock { ($0.flipBodyByte, $0.lieAboutCRC) }
        if flip, !body.isEmpty { body[body.count / 2] ^= 0x55 }
        if lie { metadata.crc64 = 12345 }
        return (metadata, body)
    }
    func put(_ key: ObjectKey, payload: Payload, options: WriteOptions) async throws -> WriteResult {
        try enter("put")
        return mangle(try await inner.put(key, payload: payload, options: options))
    }
    func delete(_ key: ObjectKey) async throws { try enter("delete"); try await inner.delete(key) }
    func deleteMultiple(_ keys: [ObjectKey]) async throws -> DeleteResult {
        try enter("deleteMultiple")
        return try await inner.deleteMultiple(keys)
    }
    func copy(from source: ObjectKey, to destination: ObjectKey, metadata: MetadataDirective, ifMatch: ETag?)
        async throws -> WriteResult
    {
        try enter("copy")
        return try await inner.copy(from: source, to: destination, metadata: metadata, ifMatch: ifMatch)
    }
    func list(_ request: ListRequest) async throws -> ListPage { try enter("list"); return try await inner.list(request) }
    func initiateMultipartUpload(_ key: ObjectKey, options: WriteOptions) async throws -> UploadID {
        try enter("initiate")
        return try await inner.initiateMultipartUpload(key, options: options)
    }
    func uploadPart(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, payload: Payload) async throws
        -> WriteResult
    {
        try enter("uploadPart")
        return mangle(try await inner.uploadPart(key, uploadID: uploadID, partNumber: partNumber, payload: payload))
    }
    func uploadPartCopy(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, source: ObjectKey,
                        range: Range<UInt64>?, ifMatch: ETag?) async throws -> WriteResult
    {
        try enter("uploadPartCopy")
        return try await inner.uploadPartCopy(key, uploadID: uploadID, partNumber: partNumber, source: source,
                                              range: range, ifMatch: ifMatch)
    }
    func completeMultipartUpload(_ key: ObjectKey, uploadID: UploadID, parts: [UploadedPart]) async throws
        -> WriteResult
    {
        try enter("complete")
        return mangle(try await inner.completeMultipartUpload(key, uploadID: uploadID, parts: parts))
    }
    func abortMultipartUpload(_ key: ObjectKey, uploadID: UploadID) async throws {
        try enter("abort")
        try await inner.abortMultipartUpload(key, uploadID: uploadID)
    }
    func listMultipartUploads(prefix: String, keyMarker: String?, uploadIDMarker: String?, maxUploads: Int)
        async throws -> UploadsPage
    {
        try await inner.listMultipartUploads(prefix: prefix, keyMarker: keyMarker, uploadIDMarker: uploadIDMarker,
                                             maxUploads: maxUploads)
    }
    func listParts(_ key: ObjectKey, uploadID: UploadID, partNumberMarker: Int?, maxParts: Int) async throws
        -> PartsPage
    {
        try await inner.listParts(key, uploadID: uploadID, partNumberMarker: partNumberMarker, maxParts: maxParts)
    }
    func append(_ key: ObjectKey, position: UInt64, payload: Payload, options: WriteOptions) async throws
        -> AppendResult
    {
        try enter("append")
        return try await inner.append(key, position: position, payload: payload, options: options)
    }
    func putSymlink(_ link: ObjectKey, target: ObjectKey, options: WriteOptions) async throws {
        try enter("putSymlink")
        try await inner.putSymlink(link, target: target, options: options)
    }
    func getSymlink(_ link: ObjectKey) async throws -> (target: ObjectKey, metadata: ObjectMetadata) {
        try enter("getSymlink")
        var (target, m) = try await inner.getSymlink(link)
        if state.withLock({ $0.ossSymlinkAnswers }) { m.objectType = .normal }
        return (target, m)
    }
    func bucketInfo() async throws -> BucketInfo { try await inner.bucketInfo() }
    func bucketStat() async throws -> BucketStat { try await inner.bucketStat() }
}
