import ObjectStore
import ObjectStoreTesting
@testable import OSSFS
import Synchronization
import Testing

/// An ObjectStore through which a mount "dies" at a chosen request: `crash(at: "uploadPart", after: 2)` lets
/// two UploadParts through and kills the mount on the third, before the server sees it (or, with
/// `performed: true`, right after the server did it and before the answer arrives). From then on every call
/// fails and `onCrash` has frozen the mount's staging records, as a `kill -9` would. It counts calls by name.
final class CrashingStore: ObjectStore {
    let inner: MemoryObjectStore
    private struct State {
        var calls: [String: Int] = [:]
        var trigger: (name: String, after: Int, performed: Bool)?
        var dead = false
        var onCrash: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())
    init(_ inner: MemoryObjectStore) { self.inner = inner }

    func crash(at name: String, after count: Int, performed: Bool = false) {
        state.withLock { $0.trigger = (name, count, performed) }
    }
    func onCrash(_ body: @escaping @Sendable () -> Void) { state.withLock { $0.onCrash = body } }
    func calls(_ name: String) -> Int { state.withLock { $0.calls[name] ?? 0 } }
    var crashed: Bool { state.withLock { $0.dead } }

    private struct Died: Error {}

    private enum Step { case go, dieBefore, dieAfter, dead }

    private func call<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        let step = state.withLock { s -> Step in
            if s.dead { return .dead }
            s.calls[name, default: 0] += 1
            guard let t = s.trigger, t.name == name, s.calls[name]! > t.after else { return .go }
            return t.performed ? .dieAfter : .dieBefore
        }
        switch step {
        case .go: return try await body()
        case .dead: throw ObjectStoreError.service(OSSServiceError(status: 503, code: .serviceUnavailable, message: "dead"))
        case .dieBefore:
            die()
            throw ObjectStoreError.service(OSSServiceError(status: 503, code: .serviceUnavailable, message: "crash"))
        case .dieAfter:
            _ = try await body()
            die()
            throw ObjectStoreError.service(OSSServiceError(status: 503, code: .serviceUnavailable, message: "crash"))
        }
    }

    private func die() {
        let hook = state.withLock { s -> (@Sendable () -> Void)? in
            s.dead = true
            return s.onCrash
        }
        hook?()
    }

    func head(_ key: ObjectKey) async throws -> ObjectMetadata { try await call("head") { try await inner.head(key) } }
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions) async throws
        -> (metadata: ObjectMetadata, body: [UInt8])
    {
        try await call("get") { try await inner.get(key, range: range, conditions: conditions) }
    }
    func get(_ key: ObjectKey, range: Range<UInt64>?, conditions: GetConditions, into sink: BodySink) async throws
        -> ObjectMetadata
    {
        try await call("get") { try await inner.get(key, range: range, conditions: conditions, into: sink) }
    }
    func put(_ key: ObjectKey, payload: Payload, options: WriteOptions) async throws -> WriteResult {
        try await call("put") { try await inner.put(key, payload: payload, options: options) }
    }
    func delete(_ key: ObjectKey) async throws { try await call("delete") { try await inner.delete(key) } }
    func deleteMultiple(_ keys: [ObjectKey]) async throws -> DeleteResult {
        try await call("deleteMultiple") { try await inner.deleteMultiple(keys) }
    }
    func copy(from source: ObjectKey, to destination: ObjectKey, metadata: MetadataDirective, ifMatch: ETag?)
        async throws -> WriteResult
    {
        try await call("copy") { try await inner.copy(from: source, to: destination, metadata: metadata, ifMatch: ifMatch) }
    }
    func list(_ request: ListRequest) async throws -> ListPage { try await call("list") { try await inner.list(request) } }
    func initiateMultipartUpload(_ key: ObjectKey, options: WriteOptions) async throws -> UploadID {
        try await call("initiate") { try await inner.initiateMultipartUpload(key, options: options) }
    }
    func uploadPart(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, payload: Payload) async throws
        -> WriteResult
    {
        try await call("uploadPart") {
            try await inner.uploadPart(key, uploadID: uploadID, partNumber: partNumber, payload: payload)
        }
    }
    func uploadPartCopy(_ key: ObjectKey, uploadID: UploadID, partNumber: Int, source: ObjectKey,
                        range: Range<UInt64>?, ifMatch: ETag?) async throws -> WriteResult
    {
        try await call("uploadPartCopy") {
            try await inner.uploadPartCopy(key, uploadID: uploadID, partNumber: partNumber, source: source,
                                           range: range, ifMatch: ifMatch)
        }
    }
    func completeMultipartUpload(_ key: ObjectKey, uploadID: UploadID, parts: [UploadedPart]) async throws
        -> WriteResult
    {
        try await call("complete") { try await inner.completeMultipartUpload(key, uploadID: uploadID, parts: parts) }
    }
    func abortMultipartUpload(_ key: ObjectKey, uploadID: UploadID) async throws {
        try await call("abort") { try await inner.abortMultipartUpload(key, uploadID: uploadID) }
    }
    func listMultipartUploads(prefix: String, keyMarker: String?, uploadIDMarker: String?, maxUploads: Int)
        async throws -> UploadsPage
    {
        try await call("listUploads") {
            try await inner.listMultipartUploads(prefix: prefix, keyMarker: keyMarker, uploadIDMarker: uploadIDMarker,
                                                 maxUploads: maxUploads)
        }
    }
    func listParts(_ key: ObjectKey, uploadID: UploadID, partNumberMarker: Int?, maxParts: Int) async throws
        -> PartsPage
    {
        try await call("listParts") {
            try await inner.listParts(key, uploadID: uploadID, partNumberMarker: partNumberMarker, maxParts: maxParts)
        }
    }
    func append(_ key: ObjectKey, position: UInt64, payload: Payload, options: WriteOptions) async throws
        -> AppendResult
    {
        try await call("append") { try await inner.append(key, position: position, payload: payload, options: options) }
    }
    func putSymlink(_ link: ObjectKey, target: ObjectKey, options: WriteOptions) async throws {
        try await call("putSymlink") { try await inner.putSymlink(link, target: target, options: options) }
    }
    func getSymlink(_ link: ObjectKey) async throws -> (target: ObjectKey, metadata: ObjectMetadata) {
        try await call("getSymlink") { try await inner.getSymlink(link) }
    }
    func bucketInfo() async throws -> BucketInfo { try await inner.bucketInfo() }
    func bucketStat() async throws -> BucketStat { try await inner.bucketStat() }
}

/// A mount that crashes (through a CrashingStore) and the one that comes up after it on the same staging
/// directory and bucket.
final class CrashScenario: @unchecked Sendable {
    let memory: MemoryObjectStore
    let crashing: CrashingStore
    let first: Harness
    init(memory: MemoryObjectStore = MemoryObjectStore(),
         _ configure: @escaping (inout FilesystemConfiguration) -> Void = { _ in })
    {
        self.memory = memory
        crashing = CrashingStore(memory)
        first = Harness(store: crashing, memory: memory) {
            $0.bucket = "bucket"
            $0.multipartAbortAge = 0   // cleanup tested on its own
            configure(&$0)
        }
        let fs = first.fs
        crashing.onCrash { fs.area?.freeze() }
    }

    /// Kills the first mount now (if the store has not already) and starts the next one, counting its calls.
    func remount(clock: FilesystemClock? = nil, _ configure: (inout FilesystemConfiguration) -> Void = { _ in })
        -> (Filesystem, CrashingStore)
    {
        first.fs.area?.freeze()
        first.fs.area?.release()   // the dead process's flock goes with it
        let counting = CrashingStore(memory)
        var config = first.config
        configure(&config)
        let fs = Filesystem(store: counting, configuration: config, clock: clock ?? first.clock.clock)
        #expect(fs.area?.directory == first.fs.area?.directory, "the next mount finds the crashed one's area")
        return (fs, counting)
    }

    var records: [StagingRecord] { first.fs.area?.stagingRecords() ?? [] }
}

/// Byte comparison that reports only the sizes when it fails (large buffers would flood the log).
func expectSame(_ pair: ([UInt8]?, [UInt8]), _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    let equal = pair.0 == pair.1
    let sizes = "\(pair.0.map { "\($0.count)" } ?? "nil") bytes, expected \(pair.1.count)"
    #expect(equal, "\(comment.map { "\($0): " } ?? "")\(sizes)", sourceLocation: sourceLocation)
}
