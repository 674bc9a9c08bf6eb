import ObjectStore
import OSSCore

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

    /// `bytes FIRST-LAST/TOTAL` (TOTAL may not be `*` for an object answer), spaces and tabs around ignored.
    /// Read as bytes: every random read's answer passes through here.
    static func parseContentRange(_ text: String) -> (first: UInt64, last: UInt64, total: UInt64)? {
        var text = text
        return text.withUTF8 { b -> (first: UInt64, last: UInt64, total: UInt64)? in
            let trimmed = ASCII.trimmingBlanks(b[...])
            let lo = trimmed.startIndex, hi = trimmed.endIndex
            let unit = "bytes ".utf8
            guard hi - lo > unit.count, b[lo..<(lo + unit.count)].elementsEqual(unit) else { return nil }
            let spec = (lo + unit.count)..<hi
            guard let dash = b[spec].firstIndex(of: 0x2D), let slash = b[spec].firstIndex(of: 0x2F), dash < slash,
                  let first = ASCII.decimal(UnsafeBufferPointer(rebasing: b[spec.lowerBound..<dash])),
                  let last = ASCII.decimal(UnsafeBufferPointer(rebasing: b[(dash + 1)..<slash])),
                  let total = ASCII.decimal(UnsafeBufferPointer(rebasing: b[(slash + 1)..<hi])), first <= last
            else { return nil }
            return (first, last, total)
        }
    }
}
