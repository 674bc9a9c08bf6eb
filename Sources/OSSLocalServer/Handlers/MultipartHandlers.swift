import NIOCore
import OSSCore

/// Initiate, UploadPart, UploadPartCopy, Complete, ListParts, ListMultipartUploads.
extension OperationHandlers {
    func initiateMultipartUpload() throws -> OSSResponse {
        let encode = try RequestAttributes.urlEncoding(request)
        let attributes = try RequestAttributes.attributes(request, bucket: bucket)
        if RequestAttributes.forbidOverwrite(request), bucket.head(key) != nil { throw OSSError.fileAlreadyExists }
        let uploadID = try bucket.initiateUpload(key, attributes: attributes)
        var xml = XMLWriter(root: "InitiateMultipartUploadResult")
        xml.element("Bucket", bucket.definition.name)
        xml.element("Key", ListEncoding.maybe(key, encode))
        xml.element("UploadId", uploadID)
        if encode { xml.element("EncodingType", "url") }
        return .xml(xml.finish())
    }

    func uploadPart(_ writer: BlobWriter) throws -> OSSResponse {
        let uploadID = try RequestAttributes.uploadID(request)
        let number = try RequestAttributes.partNumber(request)
        let blob = try writer.finish()
        try RequestAttributes.checkContentMD5(request, md5: blob.md5)
        let info = try bucket.uploadPart(uploadID: uploadID, key: key, partNumber: number, blob: blob)
        return OSSResponse(.ok, headers: [
            ("ETag", ObjectHeaders.quoted(info.etag)),
            ("x-oss-hash-crc64ecma", String(info.crc64)),
            ("Content-MD5", Base64.encode(blob.md5)),
        ])
    }

    func uploadPartCopy() throws -> OSSResponse {
        let uploadID = try RequestAttributes.uploadID(request)
        let number = try RequestAttributes.partNumber(request)
        let (_, source) = try copySource()
        var range: Range<UInt64>?
        if let header = request.header("x-oss-copy-source-range") {
            guard case .closed(let a, let b)? = RangeRequest.parse(header), b < source.size else {
                throw OSSError.invalidArgument("x-oss-copy-source-range", header,
                                               "The copy range must be bytes=first-last within the source object.")
            }
            range = a..<(b + 1)
        }
        let info: PartInfo
        do {
            info = try bucket.uploadPartCopy(uploadID: uploadID, key: key, partNumber: number, source: source, range: range)
        } catch StorageError.noSuchKey {
            throw OSSError.noSuchKey(source.key)
        }
        var xml = XMLWriter(root: "CopyPartResult")
        xml.element("LastModified", ObjectHeaders.iso8601(info.lastModified))
        xml.element("ETag", ObjectHeaders.quoted(info.etag))
        // oss2 reads the part's ETag from the header only, as real OSS sends it beside the body.
        return .xml(xml.finish(), headers: [("x-oss-hash-crc64ecma", String(info.crc64)),
                                           ("ETag", ObjectHeaders.quoted(info.etag))])
    }

    func completeMultipartUpload(_ body: ByteBuffer?) throws -> OSSResponse {
        let uploadID = try RequestAttributes.uploadID(request)
        let encode = try RequestAttributes.urlEncoding(request)
        let all = request.header("x-oss-complete-all")?.lowercased() == "yes"
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        var parts: [(Int, String)] = []
        if all {
            guard bytes.isEmpty else {
                throw OSSError.invalidArgument("x-oss-complete-all", "yes",
                                               "With x-oss-complete-all: yes the request must have no body.")
            }
        } else {
            guard let root = try? XML.parse(bytes), root.name == "CompleteMultipartUpload" else { throw OSSError.malformedXML }
            for part in root.children("Part") {
                guard let numberText = part.childText("PartNumber"), let number = Int(numberText.trimmingSpaces),
                      let etag = part.childText("ETag") else { throw OSSError.malformedXML }
                parts.append((number, etag.trimmingSpaces))
            }
            guard !parts.isEmpty else { throw OSSError.malformedXML }
        }
        let object = try bucket.completeUpload(uploadID: uploadID, key: key, parts: parts, all: all,
                                               forbidOverwrite: RequestAttributes.forbidOverwrite(request))
        let host = request.host.isEmpty ? "\(server.configuration.host):\(server.port)" : request.host
        var xml = XMLWriter(root: "CompleteMultipartUploadResult")
        if encode { xml.element("EncodingType", "url") }
        xml.element("Location", "http://\(host)/\(bucket.definition.name)/\(PercentEncoding.encode(key, keepSlash: true))")
        xml.element("Bucket", bucket.definition.name)
        xml.element("Key", ListEncoding.maybe(key, encode))
        xml.element("ETag", ObjectHeaders.quoted(object.etag))
        return .xml(xml.finish(), headers: [("x-oss-hash-crc64ecma", String(object.crc64)),
                                           ("ETag", ObjectHeaders.quoted(object.etag))])
    }

    func listParts() throws -> OSSResponse {
        let uploadID = try RequestAttributes.uploadID(request)
        let encode = try RequestAttributes.urlEncoding(request)
        let maxParts = try ListHelpers.limit(request, "max-parts", default: 1000)
        let markerText = request.queryValue("part-number-marker") ?? "0"
        guard let marker = Int(markerText.isEmpty ? "0" : markerText), marker >= 0 else {
            throw OSSError.invalidArgument("part-number-marker", markerText, "part-number-marker must be a number.")
        }
        let result = try bucket.listParts(uploadID: uploadID, key: key, partNumberMarker: marker, maxParts: maxParts)
        var xml = XMLWriter(root: "ListPartsResult")
        xml.element("Bucket", bucket.definition.name)
        if encode { xml.element("EncodingType", "url") }
        xml.element("Key", ListEncoding.maybe(key, encode))
        xml.element("UploadId", uploadID)
        xml.element("StorageClass", result.attributes.storageClass)
        xml.element("PartNumberMarker", String(marker))
        xml.element("NextPartNumberMarker", String(result.nextPartNumberMarker ?? result.parts.last?.partNumber ?? marker))
        xml.element("MaxParts", String(maxParts))
        xml.element("IsTruncated", result.isTruncated ? "true" : "false")
        for part in result.parts {
            xml.open("Part")
            xml.element("PartNumber", String(part.partNumber))
            xml.element("LastModified", ObjectHeaders.iso8601(part.lastModified))
            xml.element("ETag", ObjectHeaders.quoted(part.etag))
            xml.element("HashCrc64ecma", String(part.crc64))
            xml.element("Size", String(part.size))
            xml.close("Part")
        }
        return .xml(xml.finish())
    }

    func listMultipartUploads() throws -> OSSResponse {
        let encode = try RequestAttributes.urlEncoding(request)
        let maxUploads = try ListHelpers.limit(request, "max-uploads", default: 1000)
        let prefix = request.queryValue("prefix") ?? ""
        let delimiter = request.queryValue("delimiter").flatMap { $0.isEmpty ? nil : $0 }
        let keyMarker = request.queryValue("key-marker").flatMap { $0.isEmpty ? nil : $0 }
        let uploadIDMarker = request.queryValue("upload-id-marker").flatMap { $0.isEmpty ? nil : $0 }
        let result = bucket.listUploads(prefix: prefix, delimiter: delimiter, keyMarker: keyMarker,
                                        uploadIDMarker: uploadIDMarker, maxUploads: maxUploads)
        let e = { (s: String) in ListEncoding.maybe(s, encode) }
        var xml = XMLWriter(root: "ListMultipartUploadsResult")
        xml.element("Bucket", bucket.definition.name)
        if encode { xml.element("EncodingType", "url") }
        xml.element("KeyMarker", e(keyMarker ?? ""))
        xml.element("UploadIdMarker", uploadIDMarker ?? "")
        xml.element("NextKeyMarker", e(result.nextKeyMarker ?? ""))
        xml.element("NextUploadIdMarker", result.nextUploadIDMarker ?? "")
        xml.element("Delimiter", e(delimiter ?? ""))
        xml.element("Prefix", e(prefix))
        xml.element("MaxUploads", String(maxUploads))
        xml.element("IsTruncated", result.isTruncated ? "true" : "false")
        for upload in result.uploads {
            xml.open("Upload")
            xml.element("Key", e(upload.key))
            xml.element("UploadId", upload.uploadID)
            xml.element("Initiated", ObjectHeaders.iso8601(upload.initiated))
            xml.close("Upload")
        }
        for p in result.commonPrefixes {
            xml.open("CommonPrefixes")
            xml.element("Prefix", e(p))
            xml.close("CommonPrefixes")
        }
        return .xml(xml.finish())
    }
}
