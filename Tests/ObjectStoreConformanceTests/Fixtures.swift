#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import ObjectStoreTesting
import Synchronization
import Testing

/// A store under test: makes a fresh, empty store, runs the body, and tears it down even when it throws.
struct StoreFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> (store: any ObjectStore, tearDown: @Sendable () async -> Void)

    var testDescription: String { name }

    func run(_ body: (any ObjectStore) async throws -> Void) async throws {
        let (store, tearDown) = try await make()
        do {
            try await body(store)
        } catch {
            await tearDown()
            throw error
        }
        await tearDown()
    }
}

enum StoreFixtures {
    static let memory = StoreFixture(name: "memory") { (MemoryObjectStore(), {}) }
    static var all: [StoreFixture] { [memory] + ossFixtures }
}

/// Collects a streamed body, honouring `reset()` as a retried transfer demands.
final class CollectingSink: BodySink {
    private let state = Mutex<[UInt8]>([])
    var bytes: [UInt8] { state.withLock { $0 } }
    func write(_ chunk: UnsafeRawBufferPointer) throws { state.withLock { $0 += chunk } }
    func reset() throws { state.withLock { $0 = [] } }
}

enum TemporaryFile {
    static func write(_ bytes: [UInt8]) throws -> String {
        var template = Array("/tmp/ossfs-conformance-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ObjectStoreError.transport(kind: .other, detail: "mkstemp failed") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw ObjectStoreError.transport(kind: .other, detail: "short write") }
        return String(cString: template)
    }

    static func remove(_ path: String) { unlink(path) }
}
