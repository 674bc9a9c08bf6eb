#if canImport(Glibc)
import Glibc
#endif

/// Content-Type of new objects by file extension, from a mime.types file (`/etc/mime.types`, or `mime=`),
/// as ossfs 1.x sets it. Loaded once at mount; a missing file means every object is application/octet-stream.
struct MimeTypes: Sendable {
    static let fallback = "application/octet-stream"
    /// Lower-cased extension → type; the first line that names an extension wins, as in mime.types(5).
    private let byExtension: [String: String]

    init(contents: String) {
        var table: [String: String] = [:]
        for line in contents.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let type = fields.first, fields.count > 1 else { continue }
            for ext in fields.dropFirst() where table[ext.lowercased()] == nil {
                table[ext.lowercased()] = String(type)
            }
        }
        byExtension = table
    }

    /// Reads `path`; an unreadable file gives an empty table (every object gets the fallback type).
    init(path: String?) {
        guard let path, let fd = Optional(open(path, O_RDONLY | O_CLOEXEC)), fd >= 0 else {
            self.init(contents: "")
            return
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        self.init(contents: String(decoding: bytes, as: UTF8.self))
    }

    /// The type for a file name: by its last extension (`a.tar.gz` → gz), else the fallback.
    func contentType(forName name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return Self.fallback }
        let ext = name[name.index(after: dot)...].lowercased()
        return byExtension[ext] ?? Self.fallback
    }
}
