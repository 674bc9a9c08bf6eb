import NIOCore
import OSSCore

/// PutObject, AppendObject, CopyObject, PutSymlink, DeleteMultipleObjects.
extension OperationHandlers {
    func putObject(_ writer: BlobWriter) throws -> OSSResponse {
        let attributes = try RequestAttributes.attributes(request, bucket: bucket)
        let blob = try writer.finish()
        try RequestAttributes.checkContentMD5(request, md5: blob.md5)
        let object = try bucket.put(key, blob: blob, attributes: attributes,
                                    forbidOverwrite: RequestAttributes.forbidOverwrite(request))
        var headers: [(name: String, value: String)] = [
            ("ETag", ObjectHeaders.quoted(object.etag)),
            ("x-oss-hash-crc64ecma", String(object.crc64)),
        ]
        if let md5 = object.contentMD5 { headers.append(("Content-MD5", md5)) }
        return OSSResponse(.ok, headers: headers)
    }

    func appendObject(_ writer: BlobWriter) throws -> OSSResponse {
        let position = try RequestAttributes.appendPosition(request)
        let attributes = try RequestAttributes.attributes(request, bucket: bucket)
        let blob = try writer.finish()
        try RequestAttributes.checkContentMD5(request, md5: blob.md5)
        let object = try bucket.append(key, position: position, blob: blob, attributes: attributes)
        return OSSResponse(.ok, headers: [
            ("ETag", ObjectHeaders.quoted(object.etag)),
            ("x-oss-next-append-position", String(object.size)),
            ("x-oss-hash-crc64ecma", String(object.crc64)),
        ])
    }

    /// `x-oss-copy-source: /bucket/<urlencoded key>[?versionId=…]` (leading slash optional, as S3 tools send it).
    func copySource() throws -> (store: BucketStore, object: StoredObject) {
        let raw = request.header("x-oss-copy-source") ?? ""
        var path = Substring(raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let slash = path.firstIndex(of: "/") else {
            throw OSSError.invalidArgument("x-oss-copy-source", raw, "Copy source must be /bucket/key.")
        }
        let bucketName = String(path[..<slash])
        guard let sourceKey = PercentEncoding.decode(String(path[path.index(after: slash)...])) else {
            throw OSSError.invalidArgument("x-oss-copy-source", raw, "Copy source key is not valid URL-encoded UTF-8.")
        }
        try KeyRules.validate(sourceKey)
        guard let store = server.engine.bucket(bucketName) else { throw OSSError.noSuchBucket(bucketName) }
        guard let object = store.head(sourceKey) else { throw OSSError.noSuchKey(sourceKey) }
        if ServerBucket.needsRestore(object.attributes.storageClass), !object.restored {
            throw OSSError.invalidObjectState
        }
        try ObjectConditions.check(request, object: object, prefix: "x-oss-copy-source-")
        return (store, object)
    }

    func copyObject() throws -> OSSResponse {
        let (sourceStore, source) = try copySource()
        if source.kind == .appendable {
            throw OSSError.invalidArgument("x-oss-copy-source", source.key, "Appendable objects cannot be copied.")
        }
        let directive = (request.header("x-oss-metadata-directive") ?? "COPY").uppercased()
        let storageClass = try RequestAttributes.storageClass(request)
        var attributes: ObjectAttributes?
        switch directive {
        case "COPY":
            if let storageClass {
                var a = source.attributes
                a.storageClass = storageClass
                attributes = a
            }
        case "REPLACE":
            var a = try RequestAttributes.attributes(request, bucket: bucket)
            a.storageClass = storageClass ?? source.attributes.storageClass
            attributes = a
        default:
            throw OSSError.invalidArgument("x-oss-metadata-directive", directive, "The metadata directive must be COPY or REPLACE.")
        }
        let sameBucket = sourceStore === bucket
        let sameClass = (attributes?.storageClass ?? source.attributes.storageClass) == source.attributes.storageClass
        if source.size > StorageLimits.maxObjectSize, !(sameBucket && sameClass) { throw OSSError.entityTooLarge }
        let object: StoredObject
        do {
            object = try bucket.copy(from: source, to: key, attributes: attributes,
                                     forbidOverwrite: RequestAttributes.forbidOverwrite(request))
        } catch StorageError.noSuchKey {
            throw OSSError.noSuchKey(source.key)
        }
        var xml = XMLWriter(root: "CopyObjectResult")
        xml.element("ETag", ObjectHeaders.quoted(object.etag))
        xml.element("LastModified", ObjectHeaders.iso8601(object.lastModified))
        return .xml(xml.finish(), headers: [("x-oss-hash-crc64ecma", String(object.crc64)),
                                           ("ETag", ObjectHeaders.quoted(object.etag))])
    }

    func putSymlink() throws -> OSSResponse {
        guard let raw = request.header("x-oss-symlink-target"), !raw.isEmpty else {
            throw OSSError.missingArgument("x-oss-symlink-target", "The x-oss-symlink-target header is required.")
        }
        guard let target = PercentEncoding.decode(raw) else {
            throw OSSError.invalidArgument("x-oss-symlink-target", raw, "The symlink target is not valid URL-encoded UTF-8.")
        }
        try KeyRules.validate(target)
        let attributes = try RequestAttributes.attributes(request, bucket: bucket)
        let object = try bucket.putSymlink(key, target: target, attributes: attributes,
                                           forbidOverwrite: RequestAttributes.forbidOverwrite(request))
        return OSSResponse(.ok, headers: [("ETag", ObjectHeaders.quoted(object.etag))])
    }

    func deleteMultipleObjects(_ body: ByteBuffer?) throws -> OSSResponse {
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        if let md5 = request.header("content-md5") {
            guard Base64.decode(md5.trimmingSpaces) == Digest.md5(bytes) else { throw OSSError.invalidDigest }
        } else if !request.head.headers.contains(where: { $0.name.lowercased().hasPrefix("x-amz-checksum-") }) {
            // Newer S3 SDKs send an x-amz-checksum-* header instead (S3 dialect); OSS clients must send the MD5.
            throw OSSError.missingArgument("Content-MD5", "Missing required header for this request: Content-MD5.")
        }
        let encode = try RequestAttributes.urlEncoding(request)
        guard let root = try? XML.parse(bytes), root.name == "Delete" else { throw OSSError.malformedXML }
        let quiet = root.childText("Quiet")?.trimmingSpaces.lowercased() == "true"
        let objects = root.children("Object")
        guard !objects.isEmpty, objects.count <= 1000 else { throw OSSError.malformedXML }
        var keys: [String] = []
        for object in objects {
            guard let key = object.childText("Key"), !key.isEmpty else { throw OSSError.malformedXML }
            keys.append(key)
        }
        let deleted = bucket.deleteMultiple(keys)
        var xml = XMLWriter(root: "DeleteResult")
        if encode { xml.element("EncodingType", "url") }
        if !quiet {
            for key in deleted {
                xml.open("Deleted")
                xml.element("Key", encode ? ListEncoding.encode(key) : key)
                xml.close("Deleted")
            }
        }
        return .xml(xml.finish())
    }
}
