#if canImport(Glibc)
import Glibc
#endif

struct TestFileError: Error { let message: String }

/// Reads a whole file (test helper; small files only).
func readFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw TestFileError(message: "open \(path)") }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 { throw TestFileError(message: "read \(path)") }
        if n == 0 { break }
        out += buf[0..<n]
    }
    return out
}

/// A temporary file holding `bytes`; removed by the caller with `unlink`.
func writeTemporaryFile(_ bytes: [UInt8]) throws -> String {
    var template = Array("/tmp/ossclient-test-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw TestFileError(message: "mkstemp") }
    defer { close(fd) }
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard n > 0 else { throw TestFileError(message: "write") }
        done += n
    }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
