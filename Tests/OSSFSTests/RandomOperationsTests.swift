import Foundation
import ObjectStore
import ObjectStoreTesting
import OSSCore
@testable import OSSFS
import Testing

/// A seeded random sequence of operations, each checked against a simple in-memory model of a POSIX tree.
/// On failure the messages name the seed and the step; rerun with that seed to reproduce.
@Suite struct RandomOperationsTests {
    final class ModelFile {
        var data: [UInt8] = []
        var path: String?
        init(path: String) { self.path = path }
    }
    struct OpenFile {
        var handle: HandleID
        var ino: InodeNumber
        var file: ModelFile
        var append = false
    }

    /// Byte arrays compared by length and CRC64, so a failure prints a line, not a megabyte.
    func summary(_ b: [UInt8]?) -> String {
        guard let b else { return "absent" }
        return "\(b.count) bytes, crc64 \(CRC64.checksum(b))"
    }

    static let seeds: [UInt64] = [1, 2, 3, 0xC0FFEE, 20_261_125]

    @Test(arguments: seeds) func randomOperationsMatchTheModel(seed: UInt64) async throws {
        try await run(seed: seed, steps: 400, prefix: seed % 2 == 0 ? "mnt/" : "")
    }

    /// A longer soak: `OSSFS_RANDOM_SEEDS=200 swift test --filter RandomOperations` runs seeds 1000..<1200.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["OSSFS_RANDOM_SEEDS"] != nil))
    func manySeeds() async throws {
        let n = UInt64(ProcessInfo.processInfo.environment["OSSFS_RANDOM_SEEDS"] ?? "") ?? 0
        for seed in 1000..<(1000 + n) { try await run(seed: seed, steps: 400, prefix: seed % 2 == 0 ? "mnt/" : "") }
    }

    func run(seed: UInt64, steps: Int, prefix: String) async throws {
        let t = Harness {
            $0.prefix = prefix
            $0.multipartSize = 100 << 10
            $0.multipartThreshold = 150 << 10
            $0.parallelCount = 2
            $0.singlePartCopyLimit = 120 << 10
            $0.multipartCopySize = 100 << 10
        }
        var g = SeededRandom(seed: seed)
        var dirs: Set<String> = [""]
        var files: [String: ModelFile] = [:]
        var open: [OpenFile] = []
        var step = 0
        var performed = 0   // operations that ran rather than being skipped (guards against a vacuous run)
        var peakFiles = 0, peakDirs = 0
        func where_() -> Comment { "seed \(seed) step \(step)" }
        func key(_ p: String) -> ObjectKey { ObjectKey(prefix + p) }
        func join(_ d: String, _ n: String) -> String { d.isEmpty ? n : d + "/" + n }
        func parentOf(_ p: String) -> String { p.contains("/") ? String(p[..<p.lastIndex(of: "/")!]) : "" }
        func children(_ d: String) -> [String] {
            (Array(dirs) + Array(files.keys)).filter { $0 != d && !$0.isEmpty && parentOf($0) == d }
        }
        func pick<T>(_ xs: [T]) -> T? { xs.isEmpty ? nil : xs[Int(g.next() % UInt64(xs.count))] }
        func rnd(_ n: Int) -> Int { n <= 0 ? 0 : Int(g.next() % UInt64(n)) }
        func name() -> String { "n\(rnd(6))" }
        func exists(_ p: String) -> Bool { dirs.contains(p) || files[p] != nil }

        for s in 0..<steps {
            step = s
            let op = rnd(100)
            do {
                switch op {
                case 0..<14:   // create
                    guard let d = pick(Array(dirs)) else { continue }
                    let p = join(d, name())
                    let (parent, n) = (try await t.ino(d), String(p.split(separator: "/").last!))
                    if exists(p) {
                        await #expect(throws: FSError.exists, where_()) {
                            _ = try await t.fs.create(parent: parent, name: n, permissions: 0o644,
                                                      flags: OpenFlags(access: .readWrite, exclusive: true), caller: user)
                        }
                        continue
                    }
                    let (e, o) = try await t.fs.create(parent: parent, name: n, permissions: 0o644,
                                                       flags: OpenFlags(access: .readWrite, exclusive: true), caller: user)
                    let f = ModelFile(path: p)
                    files[p] = f
                    open.append(OpenFile(handle: o.handle, ino: e.attributes.ino, file: f))
                case 14..<19:  // open an existing file: plain, O_TRUNC or O_APPEND
                    guard let p = pick(Array(files.keys)) else { continue }
                    let f = files[p]!
                    let mode = rnd(3)
                    let ino = try await t.ino(p)
                    let o = try await t.fs.open(ino, flags: OpenFlags(access: .readWrite, truncate: mode == 1, append: mode == 2),
                                                caller: user)
                    if mode == 1 { f.data = [] }
                    open.append(OpenFile(handle: o.handle, ino: ino, file: f, append: mode == 2))
                case 19..<34:  // write at a random offset
                    guard let h = pick(open) else { continue }
                    let offset = h.append ? h.file.data.count : rnd(h.file.data.count + 50_000)
                    let data = randomBytes(1 + rnd(40_000), seed: g.next())
                    #expect(try await t.fs.write(h.handle, offset: UInt64(offset), data: data) == data.count, where_())
                    if offset > h.file.data.count {
                        h.file.data += [UInt8](repeating: 0, count: offset - h.file.data.count)
                    }
                    let end = offset + data.count
                    if end > h.file.data.count { h.file.data += [UInt8](repeating: 0, count: end - h.file.data.count) }
                    h.file.data.replaceSubrange(offset..<end, with: data)
                case 34..<44:  // read a range through a handle
                    guard let h = pick(open) else { continue }
                    let offset = rnd(h.file.data.count + 10)
                    let size = 1 + rnd(100_000)
                    let got = try await t.fs.read(h.handle, offset: UInt64(offset), size: size)
                    let want = offset >= h.file.data.count ? [] : Array(h.file.data[offset..<min(offset + size, h.file.data.count)])
                    #expect(summary(got) == summary(want), where_())
                case 44..<52:  // truncate, through a handle or by path
                    let size = rnd(450_000)
                    if rnd(2) == 0, let h = pick(open) {
                        _ = try await t.fs.setattr(h.ino, changes: AttributeChanges(size: UInt64(size)), handle: h.handle,
                                                   caller: user)
                        h.file.data = Array(h.file.data.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - h.file.data.count))
                    } else if let p = pick(Array(files.keys)) {
                        let f = files[p]!
                        _ = try await t.fs.setattr(try await t.ino(p), changes: AttributeChanges(size: UInt64(size)),
                                                   handle: nil, caller: user)
                        f.data = Array(f.data.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - f.data.count))
                    }
                case 52..<60:  // flush: the object now holds what the handles wrote
                    guard let h = pick(open) else { continue }
                    try await t.fs.flush(h.handle)
                    if let p = h.file.path { #expect(summary(t.memory.storedBytes(key(p))) == summary(h.file.data), where_()) }
                case 60..<68:  // close (flush + release), or a bare release
                    guard !open.isEmpty else { continue }
                    let i = rnd(open.count)
                    let h = open.remove(at: i)
                    let close = rnd(2) == 0
                    if close { try await t.fs.flush(h.handle) }
                    await t.fs.release(h.handle)
                    // Data is in OSS after a close, or after the last release of the file (its last chance).
                    let last = !open.contains { $0.file === h.file }
                    if let p = h.file.path, close || last {
                        #expect(summary(t.memory.storedBytes(key(p))) == summary(h.file.data), where_())
                    }
                case 68..<78:  // rename
                    let sources = Array(files.keys) + dirs.filter { !$0.isEmpty }
                    guard let src = pick(sources), let d = pick(Array(dirs)) else { continue }
                    let dst = join(d, name())
                    let (sp, sn) = (try await t.ino(parentOf(src)), String(src.split(separator: "/").last!))
                    let (dp, dn) = (try await t.ino(d), String(dst.split(separator: "/").last!))
                    let rename = { try await t.fs.rename(parent: sp, name: sn, newParent: dp, newName: dn, flags: .none) }
                    if src == dst { continue }
                    let srcIsDir = dirs.contains(src)
                    if srcIsDir, dst.hasPrefix(src + "/") {
                        await #expect(throws: FSError.self, where_()) { try await rename() }
                        continue
                    }
                    if srcIsDir, files[dst] != nil {
                        await #expect(throws: FSError.notDirectory, where_()) { try await rename() }
                        continue
                    }
                    if !srcIsDir, dirs.contains(dst) {
                        await #expect(throws: FSError.isDirectory, where_()) { try await rename() }
                        continue
                    }
                    if srcIsDir, dirs.contains(dst), !children(dst).isEmpty {
                        await #expect(throws: FSError.notEmpty, where_()) { try await rename() }
                        continue
                    }
                    try await rename()
                    if let old = files[dst] { old.path = nil }
                    files[dst] = nil
                    if srcIsDir {
                        let moved = dirs.filter { $0 == src || $0.hasPrefix(src + "/") }
                        for m in moved { dirs.remove(m); dirs.insert(dst + m.dropFirst(src.count)) }
                        for (p, f) in files where p.hasPrefix(src + "/") {
                            files[p] = nil
                            let np = dst + p.dropFirst(src.count)
                            files[np] = f
                            f.path = np
                        }
                    } else {
                        let f = files.removeValue(forKey: src)!
                        f.path = dst
                        files[dst] = f
                    }
                case 78..<85:  // unlink
                    guard let p = pick(Array(files.keys)) else { continue }
                    try await t.fs.unlink(parent: try await t.ino(parentOf(p)), name: String(p.split(separator: "/").last!))
                    files.removeValue(forKey: p)!.path = nil
                    #expect(t.memory.storedBytes(key(p)) == nil, where_())
                case 85..<91:  // mkdir
                    guard let d = pick(Array(dirs)) else { continue }
                    let p = join(d, name())
                    if exists(p) {
                        await #expect(throws: FSError.exists, where_()) { try await t.mkdir(p) }
                    } else {
                        try await t.mkdir(p)
                        dirs.insert(p)
                    }
                case 91..<95:  // rmdir
                    guard let p = pick(dirs.filter { !$0.isEmpty }) else { continue }
                    let rmdir = { try await t.fs.rmdir(parent: try await t.ino(parentOf(p)), name: String(p.split(separator: "/").last!)) }
                    if !children(p).isEmpty {
                        await #expect(throws: FSError.notEmpty, where_()) { try await rmdir() }
                    } else {
                        try await rmdir()
                        dirs.remove(p)
                    }
                case 95..<98:  // readdir
                    guard let d = pick(Array(dirs)) else { continue }
                    let want = children(d).map { String($0.split(separator: "/").last!) }.sorted()
                    #expect(try await t.names(d) == want, where_())
                default:       // read a whole file by path (shares the staged state of open handles)
                    guard let p = pick(Array(files.keys)) else { continue }
                    #expect(summary(try await t.readFile(p)) == summary(files[p]!.data), where_())
                    #expect(try await t.stat(p).size == UInt64(files[p]!.data.count), where_())
                }
                performed += 1
                peakFiles = max(peakFiles, files.count)
                peakDirs = max(peakDirs, dirs.count)
            } catch {
                Issue.record("seed \(seed) step \(step) op \(op): unexpected \(error)")
                for h in open { await t.fs.release(h.handle) }   // leave no staging files behind
                return
            }
        }
        #expect(performed > steps / 2, "seed \(seed): only \(performed) operations ran")
        #expect(peakFiles > 2 && peakDirs > 1, "seed \(seed): the tree stayed trivial")
        for h in open { await t.fs.release(h.handle) }
        for (p, f) in files {
            #expect(summary(t.memory.storedBytes(key(p))) == summary(f.data), "seed \(seed): final content of \(p)")
            #expect(summary(try await t.readFile(p)) == summary(f.data), "seed \(seed): read back \(p)")
        }
        for d in dirs {
            let want = children(d).map { String($0.split(separator: "/").last!) }.sorted()
            #expect(try await t.names(d) == want, "seed \(seed): final listing of \(d)")
        }
        let storedFiles = Set(t.memory.keys.map(\.rawValue).filter { !$0.hasSuffix("/") })
        #expect(storedFiles == Set(files.keys.map { prefix + $0 }), "seed \(seed): no stray objects")
        #expect(t.stagingFiles.isEmpty, "seed \(seed): staging cleaned up")
        #expect(t.fs.inodes.checkInvariants(), "seed \(seed)")
    }
}
