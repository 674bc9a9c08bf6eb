import NIOCore
import NIOHTTP1
import OSSCore

/// Runs one planned operation against the storage engine. Called in the thread pool: engine calls may block.
struct OperationHandlers {
    let server: ServerContext
    let plan: RequestPlan

    var request: OSSRequest { plan.request }
    var key: String { plan.request.key }
    /// Every operation but ListBuckets has a bucket (the planner checked it exists).
    var bucket: BucketStore { plan.bucket! }

    func run(writer: BlobWriter?, xmlBody: ByteBuffer?) throws -> OSSResponse {
        do {
            return try dispatch(writer: writer, xmlBody: xmlBody)
        } catch let error as StorageError {
            throw OSSError(error, key: key, bucket: request.bucket ?? "")
        }
    }

    private func dispatch(writer: BlobWriter?, xmlBody: ByteBuffer?) throws -> OSSResponse {
        switch plan.operation {
        case .listBuckets: return listBuckets()
        case .getBucketInfo: return getBucketInfo()
        case .getBucketStat: return getBucketStat()
        case .getBucketLocation: return getBucketLocation()
        case .headBucket: return OSSResponse(.ok)
        case .getBucketACL: return getACL(root: "AccessControlPolicy", grant: "private")
        case .getObjectACL:
            guard let object = bucket.head(key) else { throw OSSError.noSuchKey(key) }
            // An object without an ACL of its own follows the bucket's, which OSS reports as "default".
            return getACL(root: "AccessControlPolicy", grant: object.attributes.acl ?? "default")
        case .listObjects: return try listObjects(v2: false)
        case .listObjectsV2: return try listObjects(v2: true)
        case .listMultipartUploads: return try listMultipartUploads()
        case .deleteMultipleObjects: return try deleteMultipleObjects(xmlBody)
        case .putObject: return try putObject(try required(writer))
        case .appendObject: return try appendObject(try required(writer))
        case .uploadPart: return try uploadPart(try required(writer))
        case .copyObject: return try copyObject()
        case .uploadPartCopy: return try uploadPartCopy()
        case .getObject: return try readObject(isHead: false)
        case .headObject: return try readObject(isHead: true)
        case .getObjectMeta: return try getObjectMeta()
        case .deleteObject:
            bucket.delete(key)
            return OSSResponse(.noContent)
        case .putSymlink: return try putSymlink()
        case .getSymlink: return try getSymlink()
        case .initiateMultipartUpload: return try initiateMultipartUpload()
        case .completeMultipartUpload: return try completeMultipartUpload(xmlBody)
        case .abortMultipartUpload:
            try bucket.abortUpload(uploadID: try RequestAttributes.uploadID(request), key: key)
            return OSSResponse(.noContent)
        case .listParts: return try listParts()
        case .restoreObject: return try restoreObject()
        }
    }

    private func required(_ writer: BlobWriter?) throws -> BlobWriter {
        guard let writer else { throw OSSError.internalError }
        return writer
    }

    /// The owner every listing shows: oss-local has one account.
    static let ownerID = "1000000000000000"
    static let ownerName = "oss-local"

    func ownerXML(_ writer: inout XMLWriter) {
        writer.open("Owner")
        writer.element("ID", Self.ownerID)
        writer.element("DisplayName", Self.ownerName)
        writer.close("Owner")
    }

    /// `oss-cn-hangzhou` from `cn-hangzhou`.
    func location(_ region: String) -> String { region.hasPrefix("oss-") ? region : "oss-" + region }
}
