/// OSS object key rules (oss-protocol.md §4): UTF-8, 1 to 1023 bytes, not starting with `/` or `\`.
enum KeyRules {
    static let maxKeyBytes = 1023

    static func validate(_ key: String) throws {
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= maxKeyBytes, bytes.first != UInt8(ascii: "/"),
              bytes.first != UInt8(ascii: "\\") else {
            throw OSSError.invalidObjectName(key)
        }
    }
}
