import Foundation
import NIOCore
@testable import OSSLocalServer

/// The two backends every storage test runs against.
enum StorageTestBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory, disk
    var description: String { rawValue }
}

/// An engine with one bucket "b" (plus "other"), over a fresh temporary directory for the disk backend.
/// `close()` removes the directory.
final class StorageFixture {
    let kind: StorageTestBackend
    let dir: String?
    private(set) var engine: StorageEngine

    static let buckets = [BucketDefinition(name: "b", creationDate: 1_700_000_000),
                          BucketDefinition(name: "other", creationDate: 1_700_000_000)]

    init(_ kind: StorageTestBackend) throws {
        self.kind = kind
        switch kind {
        case .memory:
            dir = nil
            engine = try StorageEngine(backend: .memory, buckets: Self.buckets)
        case .disk:
            // tmpfs when available: these tests check layout and recovery, not the disk's fsync latency.
            let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path
            let d = base + "/storage-test-" + UUID().uuidString
            dir = d
            engine = try StorageEngine(backend: .directory(d), buckets: Self.buckets)
        }
    }

    var bucket: BucketStore { engine.bucket("b")! }

    /// Disk backend: a new engine on the same directory, as after a server restart.
    func restart() throws {
        guard let dir else { return }
        engine = try StorageEngine(backend: .directory(dir), buckets: Self.buckets)
    }

    func close() {
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }
}

/// Runs `body` with a fixture and always removes its directory.
func withStorage(_ kind: StorageTestBackend, _ body: (StorageFixture) throws -> Void) throws {
    let fixture = try StorageFixture(kind)
    defer { fixture.close() }
    try body(fixture)
}

extension BucketStore {
    /// Writes `bytes` through a writer in uneven chunks (exercising the small-write gathering) and finishes.
    func blob(_ bytes: [UInt8]) throws -> Blob {
        let writer = try newWriter()
        var i = 0, step = 1
        while i < bytes.count {
            let n = min(step, bytes.count - i)
            try writer.write(ByteBuffer(bytes: bytes[i..<(i + n)]))
            i += n
            step = step < 200_000 ? step * 3 + 1 : 7
        }
        return try writer.finish()
    }

    func blob(_ text: String) throws -> Blob { try blob(Array(text.utf8)) }

    @discardableResult
    func put(_ key: String, _ text: String, attributes: ObjectAttributes = ObjectAttributes()) throws -> StoredObject {
        try put(key, blob: blob(text), attributes: attributes, forbidOverwrite: false)
    }

    /// The whole content of the object stored under `key`, read through `open` like a GET.
    func contents(_ key: String) throws -> [UInt8]? {
        guard let object = head(key) else { return nil }
        return try contents(of: object)
    }

    func contents(of object: StoredObject, range: Range<UInt64>? = nil) throws -> [UInt8] {
        let opened = try open(object, range: range)
        defer { opened.close() }
        var out: [UInt8] = []
        for segment in opened.segments {
            switch segment {
            case .bytes(let b):
                out += b.readableBytesView
            case .file(let handle, let offset, let length):
                var buf = [UInt8](repeating: 0, count: Int(length))
                try handle.withUnsafeFileDescriptor { fd in
                    try buf.withUnsafeMutableBytes { try StorageFiles.preadAll(fd, $0, offset: offset, path: "test") }
                }
                out += buf
            }
        }
        return out
    }

    func keys(prefix: String = "", delimiter: String? = nil, after: String? = nil, maxKeys: Int = 1000) -> [String] {
        list(prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys).objects.map(\.key)
    }
}

/// Deterministic test data: `count` bytes of `f(i)`.
func storagePattern(_ count: Int, _ f: (Int) -> Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: f($0)) } }

enum StorageConcurrency {
    static func concurrentPerform(iterations: Int, _ body: (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }
}
