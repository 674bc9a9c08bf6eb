import ObjectStore

extension OSSClient {
    /// A ranged GetObject answer must hold exactly the bytes its Content-Range names, starting where we
    /// asked; otherwise a server (or something in between) that shortens the body while keeping the headers
    /// consistent with it would hand the filesystem fewer bytes than the file has, or bytes from elsewhere.
    /// When the answer covers the whole object (a 200, or a 206 of 0..size-1), its CRC64 is checked too,
    /// so a small file read in one request is verified like a plain GET.
    func checkRangedAnswer(_ key: ObjectKey, requested: Range<UInt64>, response: HTTPResponse) throws {
        let received = response.receivedBodyLength
        let server = ResponseHeaders.crc64(response.headers)
        guard response.status == 206 else {
            // 200: the server ignored the Range header and sent the whole object
            try checkCRC(key, ours: response.receivedBodyCRC64, server: server, oursIsExpected: false)
            return
        }
        guard let text = response.headers["Content-Range"], let range = Self.parseContentRange(text) else {
            throw ObjectStoreError.malformedResponse("\(key.rawValue): 206 answer without a valid Content-Range")
        }
        guard range.first == requested.lowerBound, range.last < requested.upperBound, range.last < range.total,
              range.last - range.first + 1 == received
        else {
            throw ObjectStoreError.malformedResponse("\(key.rawValue): asked for bytes \(requested.lowerBound)-"
                + "\(requested.upperBound - 1), got \(received) bytes with Content-Range \(text)")
        }
        if range.first == 0, range.last + 1 == range.total {
            try checkCRC(key, ours: response.receivedBodyCRC64, server: server, oursIsExpected: false)
        }
    }

    /// `bytes FIRST-LAST/TOTAL` (TOTAL may not be `*` for an object answer).
    static func parseContentRange(_ text: String) -> (first: UInt64, last: UInt64, total: UInt64)? {
        let t = text.trimmingSpaces()
        guard t.hasPrefix("bytes ") else { return nil }
        let spec = t.dropFirst(6)
        guard let dash = spec.firstIndex(of: "-"), let slash = spec.firstIndex(of: "/"), dash < slash,
              let first = UInt64(spec[..<dash]), let last = UInt64(spec[spec.index(after: dash)..<slash]),
              let total = UInt64(spec[spec.index(after: slash)...]), first <= last
        else { return nil }
        return (first, last, total)
    }
}
