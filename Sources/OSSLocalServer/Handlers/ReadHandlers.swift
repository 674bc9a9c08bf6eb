import NIOCore
import NIOHTTP1
import OSSCore

/// GetObject, HeadObject, GetObjectMeta, GetSymlink.
extension OperationHandlers {
    func readObject(isHead: Bool) throws -> OSSResponse {
        for _ in 0..<16 {
            guard let object = bucket.head(key) else { throw OSSError.noSuchKey(key) }
            var target: StoredObject?
            if object.kind == .symlink {
                guard let name = object.symlinkTarget, let t = bucket.head(name), t.kind != .symlink else {
                    throw OSSError.symlinkTargetNotExist
                }
                target = t
            }
            var data = target ?? object
            data.lastModified = max(data.lastModified, object.lastModified)
            var headers = ObjectHeaders.describe(object, target: target)
            do {
                try ObjectConditions.check(request, object: data)
            } catch var error as OSSError where error.status == .notModified {
                // As HTTP caches expect: a 304 names the version the client already has.
                error.headers += headers.filter { ["ETag", "Last-Modified"].contains($0.name) }
                throw error
            }
            if isHead {
                headers.append(("Content-Length", String(data.size)))
                return OSSResponse(.ok, headers: headers)
            }
            if ServerBucket.needsRestore(data.attributes.storageClass), !data.restored {
                throw OSSError.invalidObjectState
            }
            let standard = request.header("x-oss-range-behavior")?.lowercased() == "standard"
            let range = try RangeRequest.resolve(header: request.header("range"), size: data.size, standard: standard)
            let opened: OpenedContent
            do {
                opened = try bucket.open(target ?? object, range: range)
            } catch StorageError.noSuchKey {
                continue   // overwritten between head and open: look again
            }
            applyResponseOverrides(&headers)
            var status = HTTPResponseStatus.ok
            if let range {
                status = .partialContent
                headers.append(("Content-Range", "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(data.size)"))
            }
            let length = range.map { UInt64($0.count) } ?? data.size
            headers.append(("Content-Length", String(length)))
            return OSSResponse(status, headers: headers, body: .content(opened, length: length))
        }
        throw OSSError.internalError
    }

    /// `response-content-type` and friends replace the stored header values.
    private func applyResponseOverrides(_ headers: inout [(name: String, value: String)]) {
        let overrides = [("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
                         ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
                         ("response-content-disposition", "Content-Disposition"),
                         ("response-content-encoding", "Content-Encoding")]
        for (parameter, header) in overrides {
            // The only response header values taken from the URL: one that could split the header is ignored,
            // since outbound headers are not re-validated (OSSHTTPHandler's pipeline).
            guard let value = request.queryValue(parameter),
                  !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else { continue }
            headers.removeAll { $0.name.lowercased() == header.lowercased() }
            headers.append((header, value))
        }
    }

    /// RestoreObject: oss-local restores at once, so the first call answers 202 and later ones 200.
    func restoreObject() throws -> OSSResponse {
        guard let object = bucket.head(key) else { throw OSSError.noSuchKey(key) }
        guard ServerBucket.needsRestore(object.attributes.storageClass) else {
            throw OSSError(.badRequest, "OperationNotSupported", "The operation is not supported for this resource.")
        }
        if object.restored { return OSSResponse(.ok) }
        bucket.restoreForTests(key)
        return OSSResponse(.accepted)
    }

    func getObjectMeta() throws -> OSSResponse {
        guard let object = bucket.head(key) else { throw OSSError.noSuchKey(key) }
        return OSSResponse(.ok, headers: [
            ("Content-Length", String(object.size)),
            ("ETag", ObjectHeaders.quoted(object.etag)),
            ("Last-Modified", ObjectHeaders.lastModified(object.lastModified)),
            ("x-oss-hash-crc64ecma", String(object.crc64)),
            ("x-oss-last-access-time", ObjectHeaders.lastModified(object.lastModified)),
        ])
    }

    func getSymlink() throws -> OSSResponse {
        guard let object = bucket.head(key) else { throw OSSError.noSuchKey(key) }
        guard object.kind == .symlink, let target = object.symlinkTarget else { throw OSSError.notSymlink }
        var headers: [(name: String, value: String)] = [
            ("x-oss-symlink-target", PercentEncoding.encode(target, keepSlash: true)),
            ("ETag", ObjectHeaders.quoted(object.etag)),
            ("Last-Modified", ObjectHeaders.lastModified(object.lastModified)),
        ]
        for (name, value) in object.attributes.userMetadata.sorted(by: { $0.key < $1.key }) {
            headers.append(("x-oss-meta-" + name, value))
        }
        return OSSResponse(.ok, headers: headers)
    }
}
