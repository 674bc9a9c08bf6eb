import Foundation
import Testing
@testable import OSSLocalServer

@Suite("Storage concurrency")
struct StorageConcurrencyTests {
    /// Threads overwrite, copy, delete and read a few keys at once. Every read sees one whole version (all bytes
    /// equal to its tag, never a mix), and afterwards exactly the live objects' blob files remain.
    @Test(arguments: StorageTestBackend.allCases)
    func mixedOperationsStayConsistent(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let keys = ["k0", "k1", "k2", "k3"]
            let failures = StorageTestCounter()
            StorageConcurrency.concurrentPerform(iterations: 8) { thread in
                var rng = SystemRandomNumberGenerator()
                for step in 0..<60 {
                    let key = keys.randomElement(using: &rng)!
                    let tag = UInt8(truncatingIfNeeded: thread * 31 + step)
                    do {
                        switch Int.random(in: 0..<5, using: &rng) {
                        case 0, 1:
                            let size = Int.random(in: 1..<20_000, using: &rng)
                            try b.put(key, blob: b.blob([UInt8](repeating: tag, count: size)),
                                      attributes: ObjectAttributes(), forbidOverwrite: false)
                        case 2:
                            b.delete(key)
                        case 3:
                            if let source = b.head(key) {
                                do {
                                    _ = try b.copy(from: source, to: keys.randomElement(using: &rng)!, attributes: nil,
                                                   forbidOverwrite: false)
                                } catch StorageError.noSuchKey {}   // the source was replaced meanwhile: allowed
                            }
                        default:
                            if let (object, opened) = try b.headAndOpen(key) {
                                opened.close()
                                let bytes = try b.contents(of: object)
                                if bytes.count != Int(object.size) || Set(bytes).count > 1 { failures.add() }
                            }
                        }
                    } catch StorageError.noSuchKey {
                        // contents(of:) of a snapshot whose bytes were freed by a later overwrite: allowed
                    } catch {
                        failures.add()
                    }
                }
            }
            #expect(failures.value == 0)
            var total: UInt64 = 0
            for key in keys {
                if let o = b.head(key) {
                    total += o.size
                    let bytes = try b.contents(key) ?? []
                    #expect(Set(bytes).count <= 1)
                }
            }
            #expect(b.stat().storage == total)
            if let dir = f.dir {
                var live = Set<String>()
                for key in keys {
                    for case .file(let path, _, _) in b.head(key)?.content.segments ?? [] { live.insert(path) }
                }
                #expect(Set(StorageTestFiles.names(dir + "/blobs").map { dir + "/blobs/" + $0 }) == live)
                #expect(StorageTestFiles.names(dir + "/tmp").isEmpty)
            }
        }
    }
}

final class StorageTestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
