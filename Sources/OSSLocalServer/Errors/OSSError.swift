import NIOHTTP1

/// An OSS error answer: status, code, message, the code-specific extra XML elements, and extra headers
/// (e.g. `x-oss-next-append-position` on PositionNotEqualToLength).
struct OSSError: Error, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    /// Elements written after HostId, in order (e.g. BucketName, StringToSign).
    var extras: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []

    init(_ status: HTTPResponseStatus, _ code: String, _ message: String,
         extras: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.extras = extras
        self.headers = headers
    }

    /// OSS's `EC` error-center code; values follow OSS's numbering where known, stable either way.
    var ec: String {
        switch code {
        case "NoSuchBucket": return "0015-00000101"
        case "NoSuchKey": return "0026-00000001"
        case "NoSuchUpload": return "0042-00000002"
        case "SymlinkTargetNotExist": return "0026-00000009"
        case "AccessDenied": return "0003-00000001"
        case "InvalidAccessKeyId": return "0002-00000902"
        case "SignatureDoesNotMatch": return "0002-00000040"
        case "RequestTimeTooSkewed": return "0002-00000504"
        case "InvalidObjectName": return "0016-00000005"
        case "InvalidArgument": return "0017-00000001"
        case "InvalidDigest": return "0016-00000102"
        case "MalformedXML": return "0017-00000101"
        case "InvalidPart": return "0042-00000003"
        case "InvalidPartOrder": return "0042-00000004"
        case "EntityTooSmall": return "0042-00000005"
        case "EntityTooLarge": return "0016-00000103"
        case "PositionNotEqualToLength": return "0026-00000015"
        case "ObjectNotAppendable": return "0026-00000016"
        case "FileAlreadyExists": return "0016-00000801"
        case "MissingContentLength": return "0016-00000104"
        case "PreconditionFailed": return "0016-00000201"
        case "NotModified": return "0016-00000202"
        case "InvalidRange": return "0016-00000301"
        case "InvalidObjectState": return "0016-00000401"
        case "InternalError": return "0000-00000001"
        case "ServiceUnavailable": return "0000-00000002"
        case "MethodNotAllowed": return "0000-00000405"
        default: return "0000-00000000"
        }
    }
}

// The errors the server raises, one constructor each, so messages stay the same everywhere.
extension OSSError {
    static func noSuchBucket(_ name: String) -> OSSError {
        OSSError(.notFound, "NoSuchBucket", "The specified bucket does not exist.", extras: [("BucketName", name)])
    }
    static func noSuchKey(_ key: String) -> OSSError {
        OSSError(.notFound, "NoSuchKey", "The specified key does not exist.", extras: [("Key", key)])
    }
    static let noSuchUpload = OSSError(.notFound, "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
    static let symlinkTargetNotExist = OSSError(.notFound, "SymlinkTargetNotExist", "The symlink target object does not exist")
    static let notSymlink = OSSError(.badRequest, "NotSymlink", "The specified object is not a symlink.")
    static func accessDenied(_ message: String = "You have no right to access this object because of bucket acl.") -> OSSError {
        OSSError(.forbidden, "AccessDenied", message)
    }
    static func invalidAccessKeyId(_ id: String) -> OSSError {
        OSSError(.forbidden, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.",
                 extras: [("OSSAccessKeyId", id)])
    }
    static func invalidSecurityToken() -> OSSError {
        OSSError(.forbidden, "InvalidAccessKeyId", "The security token you provided is invalid.")
    }
    static func signatureDoesNotMatch(id: String, provided: String, stringToSign: String) -> OSSError {
        let bytes = stringToSign.utf8.map { byte -> String in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
        return OSSError(.forbidden, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                        extras: [("OSSAccessKeyId", id), ("SignatureProvided", provided),
                                 ("StringToSign", stringToSign), ("StringToSignBytes", bytes)])
    }
    static func requestTimeTooSkewed(requestTime: String, serverTime: String) -> OSSError {
        OSSError(.forbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
                 extras: [("RequestTime", requestTime), ("ServerTime", serverTime)])
    }
    static let requestExpired = OSSError(.forbidden, "AccessDenied", "Request has expired.")
    static func invalidObjectName(_ key: String) -> OSSError {
        OSSError(.badRequest, "InvalidObjectName", "The specified object is not valid.")
    }
    static func invalidArgument(_ name: String, _ value: String, _ message: String) -> OSSError {
        OSSError(.badRequest, "InvalidArgument", message, extras: [("ArgumentName", name), ("ArgumentValue", value)])
    }
    static func missingArgument(_ name: String, _ message: String) -> OSSError {
        OSSError(.badRequest, "MissingArgument", message, extras: [("ArgumentName", name)])
    }
    static let invalidDigest = OSSError(.badRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
    static let malformedXML = OSSError(.badRequest, "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema.")
    static let entityTooLarge = OSSError(.badRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
    static func invalidPart(_ number: Int) -> OSSError {
        OSSError(.badRequest, "InvalidPart", "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
                 extras: [("PartNumber", String(number))])
    }
    static let invalidPartOrder = OSSError(.badRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts list must specified in order by part number.")
    static func entityTooSmall(_ number: Int) -> OSSError {
        OSSError(.badRequest, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size.",
                 extras: [("PartNumber", String(number))])
    }
    static func positionNotEqualToLength(_ current: UInt64) -> OSSError {
        OSSError(.conflict, "PositionNotEqualToLength", "Position is not equal to file length",
                 headers: [("x-oss-next-append-position", String(current))])
    }
    static let objectNotAppendable = OSSError(.conflict, "ObjectNotAppendable", "The object is not appendable")
    static let fileAlreadyExists = OSSError(.conflict, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
    static let missingContentLength = OSSError(.lengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
    static func preconditionFailed(_ condition: String) -> OSSError {
        OSSError(.preconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold.",
                 extras: [("Condition", condition)])
    }
    static let notModified = OSSError(.notModified, "NotModified", "Not Modified")
    static func invalidRange(size: UInt64) -> OSSError {
        OSSError(.rangeNotSatisfiable, "InvalidRange", "The requested range cannot be satisfied",
                 headers: [("Content-Range", "bytes */\(size)")])
    }
    static let invalidObjectState = OSSError(.forbidden, "InvalidObjectState", "The operation is not valid for the object's state")
    static let internalError = OSSError(.internalServerError, "InternalError", "We encountered an internal error. Please try again.")
    static let serviceUnavailable = OSSError(.serviceUnavailable, "ServiceUnavailable", "Please reduce your request rate.")
    static let methodNotAllowed = OSSError(.methodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
    static func notImplemented(_ what: String) -> OSSError {
        OSSError(.notImplemented, "NotImplemented", "\(what) is not implemented by oss-local.")
    }
    static let metadataTooLarge = OSSError(.badRequest, "InvalidArgument", "Your metadata headers exceed the maximum allowed metadata size.",
                                           extras: [("ArgumentName", "x-oss-meta-*")])
}
