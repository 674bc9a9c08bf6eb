import ObjectStore
import OSSCore

/// Decodes the XML bodies of OSS answers into ObjectStore values. With `EncodingType` `url`, keys, prefixes,
/// markers and tokens are URL-decoded.
enum ResponseDecoders {
    // MARK: helpers

    static func root(_ body: [UInt8], _ name: String) throws -> XMLNode {
        let node: XMLNode
        do { node = try XML.parse(body) } catch {
            throw ObjectStoreError.malformedResponse("\(name): \(error)")
        }
        guard node.name == name else {
            throw ObjectStoreError.malformedResponse("expected <\(name)>, got <\(node.name)>")
        }
        return node
    }

    static func text(_ node: XMLNode, _ name: String) -> String? { node.childText(name) }

    static func required(_ node: XMLNode, _ name: String) throws -> String {
        guard let t = node.childText(name) else {
            throw ObjectStoreError.malformedResponse("<\(node.name)> lacks <\(name)>")
        }
        return t
    }

    static func int(_ node: XMLNode, _ name: String) -> Int? { node.childText(name).flatMap { Int($0.trimmingSpaces()) } }
    static func uint64(_ node: XMLNode, _ name: String) -> UInt64? {
        node.childText(name).flatMap { UInt64($0.trimmingSpaces()) }
    }
    static func bool(_ node: XMLNode, _ name: String) -> Bool { node.childText(name)?.trimmingSpaces() == "true" }

    static func timestamp(_ s: String?) -> Timestamp? {
        guard let s, let t = HTTPDate.parseISO8601(s.trimmingSpaces()) else { return nil }
        return Timestamp(seconds: t.seconds, nanoseconds: t.nanoseconds)
    }

    /// A decoder for one document: identity, or URL-decoding when it says `EncodingType: url`.
    struct Decoder {
        let urlEncoded: Bool
        init(_ root: XMLNode) { urlEncoded = root.childText("EncodingType")?.trimmingSpaces().lowercased() == "url" }
        func callAsFunction(_ s: String) throws -> String {
            guard urlEncoded else { return s }
            guard let d = PercentEncoding.decode(s, plusAsSpace: true) else {
                throw ObjectStoreError.malformedResponse("bad URL encoding in listing: \(s)")
            }
            return d
        }
        func callAsFunction(_ s: String?) throws -> String? { try s.map { try self($0) } }
    }

    // MARK: listings

    static func objects(_ root: XMLNode, _ decode: Decoder) throws -> [ListedObject] {
        try root.children("Contents").map { c in
            ListedObject(
                key: ObjectKey(try decode(try required(c, "Key"))),
                size: uint64(c, "Size") ?? 0,
                etag: ETag(c.childText("ETag") ?? ""),
                lastModified: timestamp(c.childText("LastModified")) ?? Timestamp(seconds: 0),
                objectType: c.childText("Type").flatMap { ObjectType(rawValue: $0.trimmingSpaces()) },
                storageClass: c.childText("StorageClass").flatMap { StorageClass(rawValue: $0.trimmingSpaces()) })
        }
    }

    static func commonPrefixes(_ root: XMLNode, _ decode: Decoder) throws -> [String] {
        try root.children("CommonPrefixes").flatMap { p in try p.children("Prefix").map { try decode($0.text) } }
    }

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }

    static func listV1(_ body: [UInt8]) throws -> ListObjectsV1Result {
        let r = try root(body, "ListBucketResult")
        let d = Decoder(r)
        return ListObjectsV1Result(
            name: text(r, "Name") ?? "", prefix: try d(text(r, "Prefix")) ?? "",
            marker: try d(text(r, "Marker")) ?? "", delimiter: nonEmpty(try d(text(r, "Delimiter"))),
            maxKeys: int(r, "MaxKeys") ?? 0, isTruncated: bool(r, "IsTruncated"),
            nextMarker: nonEmpty(try d(text(r, "NextMarker"))),
            objects: try objects(r, d), commonPrefixes: try commonPrefixes(r, d))
    }

    static func listV2(_ body: [UInt8]) throws -> ListObjectsV2Result {
        let r = try root(body, "ListBucketResult")
        let d = Decoder(r)
        return ListObjectsV2Result(
            name: text(r, "Name") ?? "", prefix: try d(text(r, "Prefix")) ?? "",
            delimiter: nonEmpty(try d(text(r, "Delimiter"))), startAfter: nonEmpty(try d(text(r, "StartAfter"))),
            continuationToken: nonEmpty(try d(text(r, "ContinuationToken"))),
            nextContinuationToken: nonEmpty(try d(text(r, "NextContinuationToken"))),
            maxKeys: int(r, "MaxKeys") ?? 0, keyCount: int(r, "KeyCount"), isTruncated: bool(r, "IsTruncated"),
            objects: try objects(r, d), commonPrefixes: try commonPrefixes(r, d))
    }

    // MARK: multipart

    static func initiateMultipartUpload(_ body: [UInt8]) throws -> UploadID {
        let r = try root(body, "InitiateMultipartUploadResult")
        return UploadID(try required(r, "UploadId").trimmingSpaces())
    }

    /// ETag (and the decoded Key) of CompleteMultipartUploadResult.
    static func completeMultipartUpload(_ body: [UInt8]) throws -> (etag: ETag, key: String?, location: String?) {
        let r = try root(body, "CompleteMultipartUploadResult")
        let d = Decoder(r)
        return (ETag(try required(r, "ETag")), try d(text(r, "Key")), text(r, "Location"))
    }

    /// CopyObjectResult and CopyPartResult carry the same two fields.
    static func copyResult(_ body: [UInt8], root name: String) throws -> (etag: ETag, lastModified: Timestamp?) {
        let r = try root(body, name)
        return (ETag(try required(r, "ETag")), timestamp(text(r, "LastModified")))
    }

    static func listMultipartUploads(_ body: [UInt8]) throws -> UploadsPage {
        let r = try root(body, "ListMultipartUploadsResult")
        let d = Decoder(r)
        let uploads = try r.children("Upload").map { u in
            MultipartUpload(key: ObjectKey(try d(try required(u, "Key"))),
                            uploadID: UploadID(try required(u, "UploadId").trimmingSpaces()),
                            initiated: timestamp(text(u, "Initiated")) ?? Timestamp(seconds: 0))
        }
        let truncated = bool(r, "IsTruncated")
        return UploadsPage(
            uploads: uploads, commonPrefixes: try commonPrefixes(r, d),
            nextKeyMarker: truncated ? nonEmpty(try d(text(r, "NextKeyMarker"))) : nil,
            nextUploadIDMarker: truncated ? nonEmpty(text(r, "NextUploadIdMarker")) : nil)
    }

    static func listParts(_ body: [UInt8]) throws -> PartsPage {
        let r = try root(body, "ListPartsResult")
        let parts = try r.children("Part").map { p in
            guard let n = int(p, "PartNumber") else {
                throw ObjectStoreError.malformedResponse("<Part> without a PartNumber")
            }
            return UploadedPart(partNumber: n, etag: ETag(text(p, "ETag") ?? ""), size: uint64(p, "Size") ?? 0,
                                crc64: uint64(p, "HashCrc64ecma"), lastModified: timestamp(text(p, "LastModified")))
        }
        return PartsPage(parts: parts, nextPartNumberMarker: bool(r, "IsTruncated") ? int(r, "NextPartNumberMarker") : nil)
    }

    // MARK: delete, bucket

    /// Deleted keys and, where the server reports them, per-key errors.
    static func deleteResult(_ body: [UInt8]) throws -> (deleted: [ObjectKey], failed: [ObjectKey: String]) {
        let r = try root(body, "DeleteResult")
        let d = Decoder(r)
        let deleted = try r.children("Deleted").map { ObjectKey(try d(try required($0, "Key"))) }
        var failed: [ObjectKey: String] = [:]
        for e in r.children("Error") {
            failed[ObjectKey(try d(try required(e, "Key")))] = text(e, "Code") ?? "Unknown"
        }
        return (deleted, failed)
    }

    static func bucketInfo(_ body: [UInt8]) throws -> BucketInfo {
        let r = try root(body, "BucketInfo")
        guard let b = r.child("Bucket") else { throw ObjectStoreError.malformedResponse("<BucketInfo> lacks <Bucket>") }
        return BucketInfo(
            name: try required(b, "Name"), location: text(b, "Location")?.trimmingSpaces() ?? "",
            storageClass: text(b, "StorageClass").flatMap { StorageClass(rawValue: $0.trimmingSpaces()) },
            creationDate: timestamp(text(b, "CreationDate")), extranetEndpoint: text(b, "ExtranetEndpoint"),
            intranetEndpoint: text(b, "IntranetEndpoint"))
    }

    static func bucketStat(_ body: [UInt8]) throws -> BucketStat {
        let r = try root(body, "BucketStat")
        return BucketStat(storage: uint64(r, "Storage") ?? 0, objectCount: uint64(r, "ObjectCount") ?? 0,
                          multipartUploadCount: uint64(r, "MultipartUploadCount") ?? 0)
    }
}
