// On-disk metadata records (JSON). Keys are stored as base64 of their UTF-8 bytes so that no JSON or Unicode
// handling can change a key. Data lives in blob files; records name them by id.
import OSSCore

struct SegmentRecord: Codable {
    var blob: String
    var offset: UInt64
    var length: UInt64
}

struct ObjectRecord: Codable {
    var key: String               // base64 of the key's UTF-8 bytes
    var size: UInt64
    var etag: String
    var contentMD5: String?
    var crc64: UInt64
    var lastModified: StorageTimestamp
    var kind: ObjectKind
    var attributes: ObjectAttributes
    var symlinkTarget: String?
    var restored: Bool
    var segments: [SegmentRecord]
}

struct UploadRecord: Codable {
    var key: String               // base64 of the key's UTF-8 bytes
    var uploadID: String
    var initiated: StorageTimestamp
    var attributes: ObjectAttributes
}

struct PartRecord: Codable {
    var partNumber: Int
    var etag: String
    var size: UInt64
    var crc64: UInt64
    var lastModified: StorageTimestamp
    var segments: [SegmentRecord]
}

enum KeyCoding {
    static func encode(_ key: String) -> String { Base64.encode(Array(key.utf8)) }
    static func decode(_ s: String) -> String? {
        guard let bytes = Base64.decode(s) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
