import OSSCore

enum ListHelpers {
    /// max-keys / max-parts / max-uploads: 0...1000, default when absent.
    static func limit(_ request: OSSRequest, _ name: String, default value: Int) throws -> Int {
        guard let text = request.queryValue(name), !text.isEmpty else { return value }
        guard let n = Int(text), n >= 0, n <= 1000 else {
            throw OSSError.invalidArgument(name, text, "\(name) must be between 0 and 1000.")
        }
        return n
    }

    /// Continuation tokens are the base64 of the last key or prefix returned: opaque to clients.
    static func token(for marker: String) -> String { Base64.encode(Array(marker.utf8)) }

    static func marker(fromToken token: String) throws -> String {
        guard let bytes = Base64.decode(token), let marker = String(validating: bytes, as: UTF8.self) else {
            throw OSSError.invalidArgument("continuation-token", token, "The continuation token is not valid.")
        }
        return marker
    }
}

/// ListObjects (v1) and ListObjectsV2.
extension OperationHandlers {
    func listObjects(v2: Bool) throws -> OSSResponse {
        let encode = try RequestAttributes.urlEncoding(request)
        let maxKeys = try ListHelpers.limit(request, "max-keys", default: 100)
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        var after: String?
        let token = request.queryValue("continuation-token").flatMap { $0.isEmpty ? nil : $0 }
        let startAfter = request.queryValue("start-after").flatMap { $0.isEmpty ? nil : $0 }
        let marker = request.queryValue("marker").flatMap { $0.isEmpty ? nil : $0 }
        if v2 {
            if let token { after = try ListHelpers.marker(fromToken: token) } else { after = startAfter }
        } else {
            after = marker
        }
        let result = bucket.list(prefix: prefix, delimiter: delimiter, after: after, maxKeys: maxKeys)
        let e = { (s: String) in ListEncoding.maybe(s, encode) }
        let withOwner = !v2 || request.queryValue("fetch-owner") == "true"

        var xml = XMLWriter(root: "ListBucketResult")
        xml.element("Name", bucket.definition.name)
        xml.element("Prefix", e(prefix))
        if v2 {
            if let startAfter { xml.element("StartAfter", e(startAfter)) }
            if let token { xml.element("ContinuationToken", token) }
        } else {
            xml.element("Marker", e(marker ?? ""))
        }
        xml.element("MaxKeys", String(maxKeys))
        xml.element("Delimiter", e(delimiter ?? ""))
        if encode { xml.element("EncodingType", "url") }
        xml.element("IsTruncated", result.isTruncated ? "true" : "false")
        if let next = result.nextMarker, result.isTruncated {
            if v2 { xml.element("NextContinuationToken", ListHelpers.token(for: next)) } else { xml.element("NextMarker", e(next)) }
        }
        if v2 { xml.element("KeyCount", String(result.objects.count + result.commonPrefixes.count)) }
        for object in result.objects {
            xml.open("Contents")
            xml.element("Key", e(object.key))
            xml.element("LastModified", ObjectHeaders.iso8601(object.lastModified))
            xml.element("ETag", ObjectHeaders.quoted(object.etag))
            xml.element("Type", object.kind.rawValue)
            xml.element("Size", String(object.size))
            xml.element("StorageClass", object.attributes.storageClass)
            if withOwner { ownerXML(&xml) }
            if ServerBucket.needsRestore(object.attributes.storageClass), object.restored {
                xml.element("RestoreInfo", "ongoing-request=\"false\"")
            }
            xml.close("Contents")
        }
        for p in result.commonPrefixes {
            xml.open("CommonPrefixes")
            xml.element("Prefix", e(p))
            xml.close("CommonPrefixes")
        }
        return .xml(xml.finish())
    }
}
