import NIOHTTP1

/// The OSS API a request calls, decided from method, sub-resources and whether a key is present.
enum OSSOperation: String {
    case listBuckets = "ListBuckets"
    case getBucketInfo = "GetBucketInfo", getBucketStat = "GetBucketStat", getBucketLocation = "GetBucketLocation"
    case headBucket = "HeadBucket", getBucketACL = "GetBucketAcl"
    case listObjects = "ListObjects", listObjectsV2 = "ListObjectsV2", listMultipartUploads = "ListMultipartUploads"
    case deleteMultipleObjects = "DeleteMultipleObjects"
    case putObject = "PutObject", copyObject = "CopyObject", appendObject = "AppendObject"
    case getObject = "GetObject", headObject = "HeadObject", getObjectMeta = "GetObjectMeta"
    case deleteObject = "DeleteObject"
    case putSymlink = "PutSymlink", getSymlink = "GetSymlink"
    case initiateMultipartUpload = "InitiateMultipartUpload", uploadPart = "UploadPart", uploadPartCopy = "UploadPartCopy"
    case completeMultipartUpload = "CompleteMultipartUpload", abortMultipartUpload = "AbortMultipartUpload"
    case listParts = "ListParts"
    case getObjectACL = "GetObjectAcl"
    case restoreObject = "RestoreObject"

    static func route(_ request: OSSRequest) -> Result<OSSOperation, OSSError> {
        let method = request.method
        guard request.bucket != nil else {
            return method == .GET ? .success(.listBuckets) : .failure(.methodNotAllowed)
        }
        if request.key.isEmpty {
            switch method {
            case .GET:
                if request.hasQuery("bucketInfo") { return .success(.getBucketInfo) }
                if request.hasQuery("stat") { return .success(.getBucketStat) }
                if request.hasQuery("location") { return .success(.getBucketLocation) }
                if request.hasQuery("uploads") { return .success(.listMultipartUploads) }
                if request.hasQuery("acl") { return .success(.getBucketACL) }
                if request.queryValue("list-type") == "2" { return .success(.listObjectsV2) }
                return .success(.listObjects)
            case .HEAD: return .success(.headBucket)
            case .POST where request.hasQuery("delete"): return .success(.deleteMultipleObjects)
            case .PUT, .DELETE: return .failure(.notImplemented("Bucket creation and deletion"))
            default: return .failure(.methodNotAllowed)
            }
        }
        switch method {
        case .PUT:
            if request.hasQuery("symlink") { return .success(.putSymlink) }
            if request.hasQuery("uploadId") || request.hasQuery("partNumber") {
                return .success(request.header("x-oss-copy-source") != nil ? .uploadPartCopy : .uploadPart)
            }
            if request.hasQuery("acl") || request.hasQuery("tagging") {
                return .failure(.notImplemented("Object ACL and tagging"))
            }
            return .success(request.header("x-oss-copy-source") != nil ? .copyObject : .putObject)
        case .GET:
            if request.hasQuery("symlink") { return .success(.getSymlink) }
            if request.hasQuery("uploadId") { return .success(.listParts) }
            if request.hasQuery("acl") { return .success(.getObjectACL) }
            return .success(.getObject)
        case .HEAD:
            return .success(request.hasQuery("objectMeta") ? .getObjectMeta : .headObject)
        case .DELETE:
            return .success(request.hasQuery("uploadId") ? .abortMultipartUpload : .deleteObject)
        case .POST:
            if request.hasQuery("uploads") { return .success(.initiateMultipartUpload) }
            if request.hasQuery("uploadId") { return .success(.completeMultipartUpload) }
            if request.hasQuery("append") { return .success(.appendObject) }
            if request.hasQuery("restore") { return .success(.restoreObject) }
            return .failure(.methodNotAllowed)
        default:
            return .failure(.methodNotAllowed)
        }
    }

    /// Requests whose body is object data, streamed to a storage writer.
    var streamsBody: Bool { self == .putObject || self == .uploadPart || self == .appendObject }

    /// Requests whose (small, XML) body is read whole.
    var readsXMLBody: Bool { self == .deleteMultipleObjects || self == .completeMultipartUpload }

    /// Operations that change nothing: a reset fault may cut their answer halfway.
    var isReadOnly: Bool {
        switch self {
        case .listBuckets, .getBucketInfo, .getBucketStat, .getBucketLocation, .headBucket, .getBucketACL,
             .listObjects, .listObjectsV2, .listMultipartUploads, .getObject, .headObject, .getObjectMeta,
             .getSymlink, .listParts, .getObjectACL:
            return true
        default:
            return false
        }
    }

    /// Faults hit only the data plane: object reads and writes and listings, not bucket information.
    var isDataPlane: Bool {
        switch self {
        case .listBuckets, .getBucketInfo, .getBucketStat, .getBucketLocation, .headBucket, .getBucketACL: return false
        default: return true
        }
    }
}
