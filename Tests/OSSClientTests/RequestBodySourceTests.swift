#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

@Suite struct RequestBodySourceTests {
    func drain(_ s: RequestBodySource, chunk: Int = 7) -> [UInt8]? {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: chunk)
        while true {
            guard let n = buf.withUnsafeMutableBytes({ s.read(into: $0) }) else { return nil }
            if n == 0 { return out }
            out += buf[0..<n]
        }
    }

    @Test func fileRegionIsReadAndHashedAndRewindRestartsTheHash() throws {
        let content = pattern(1000)
        let path = try writeTemporaryFile(content)
        defer { unlink(path) }
        let s = try RequestBodySource(.file(path: path, offset: 100, length: 500), hashing: true)
        var buf = [UInt8](repeating: 0, count: 50)
        _ = buf.withUnsafeMutableBytes { s.read(into: $0) }
        #expect(s.sentCRC64 == nil)
        #expect(s.seek(to: 0))
        #expect(drain(s) == Array(content[100..<600]))
        #expect(s.sentCRC64 == CRC64.checksum(content[100..<600]))
        #expect(s.seek(to: 10))
        _ = drain(s)
        #expect(s.sentCRC64 == nil)
        #expect(!s.seek(to: 501))
    }

    @Test func bytesAndShortFiles() throws {
        let s = try RequestBodySource(.bytes(Array("hello world".utf8)), hashing: true)
        #expect(drain(s, chunk: 4) == Array("hello world".utf8) && s.sentCRC64 == 5_981_764_153_023_615_706)
        let path = try writeTemporaryFile([1, 2, 3])
        defer { unlink(path) }
        let short = try RequestBodySource(.file(path: path, offset: 0, length: 10), hashing: false)
        #expect(drain(short) == nil && short.readError != nil)
        #expect(throws: TransportError.self) { try RequestBodySource(.file(path: "/nonexistent", offset: 0, length: 1), hashing: false) }
    }

    @Test func collectedBodiesAreBounded() async throws {
        try await withLocalServer { port in
            let client = try localClient(port: port, signing: .v4, configure: { $0.maxCollectedBody = 1000 })
            _ = try await client.put("big", payload: .bytes(pattern(5000)), options: WriteOptions())
            do {
                _ = try await client.get("big", range: nil, conditions: GetConditions())
                Issue.record("expected the bound to stop the transfer")
            } catch let e as ObjectStoreError {
                guard case .transport(let kind, let detail) = e else { Issue.record("\(e)"); return }
                #expect(kind == .aborted && detail.contains("1000"))
            }
            #expect(try await client.get("big", range: 0..<1000, conditions: GetConditions()).body == Array(pattern(5000)[0..<1000]))
        }
    }
}
