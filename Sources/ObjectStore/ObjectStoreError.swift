/// An OSS error code from the error XML's `<Code>`. The codes a filesystem acts on are cases; the rest are
/// kept verbatim in `.other`.
public enum OSSErrorCode: Hashable, Sendable, CustomStringConvertible {
    case noSuchKey, noSuchBucket, noSuchUpload, symlinkTargetNotExist
    case accessDenied, invalidAccessKeyId, signatureDoesNotMatch, requestTimeTooSkewed
    case securityTokenExpired, invalidSecurityToken, secondLevelDomainForbidden
    case invalidObjectName, invalidArgument, invalidDigest, malformedXML, invalidPart, invalidPartOrder
    case entityTooSmall, entityTooLarge, invalidBucketName
    case positionNotEqualToLength, objectNotAppendable, fileAlreadyExists, bucketNotEmpty
    case missingContentLength, preconditionFailed, notModified, invalidRange
    case invalidObjectState, internalError, serviceUnavailable, slowDown, requestTimeout
    case other(String)

    private static let table: [(OSSErrorCode, String)] = [
        (.noSuchKey, "NoSuchKey"), (.noSuchBucket, "NoSuchBucket"), (.noSuchUpload, "NoSuchUpload"),
        (.symlinkTargetNotExist, "SymlinkTargetNotExist"), (.accessDenied, "AccessDenied"),
        (.invalidAccessKeyId, "InvalidAccessKeyId"), (.signatureDoesNotMatch, "SignatureDoesNotMatch"),
        (.requestTimeTooSkewed, "RequestTimeTooSkewed"), (.securityTokenExpired, "SecurityTokenExpired"),
        (.invalidSecurityToken, "InvalidSecurityToken"),
        (.secondLevelDomainForbidden, "SecondLevelDomainForbidden"), (.invalidObjectName, "InvalidObjectName"),
        (.invalidArgument, "InvalidArgument"), (.invalidDigest, "InvalidDigest"), (.malformedXML, "MalformedXML"),
        (.invalidPart, "InvalidPart"), (.invalidPartOrder, "InvalidPartOrder"), (.entityTooSmall, "EntityTooSmall"),
        (.entityTooLarge, "EntityTooLarge"), (.invalidBucketName, "InvalidBucketName"),
        (.positionNotEqualToLength, "PositionNotEqualToLength"), (.objectNotAppendable, "ObjectNotAppendable"),
        (.fileAlreadyExists, "FileAlreadyExists"), (.bucketNotEmpty, "BucketNotEmpty"),
        (.missingContentLength, "MissingContentLength"), (.preconditionFailed, "PreconditionFailed"),
        (.notModified, "NotModified"), (.invalidRange, "InvalidRange"), (.invalidObjectState, "InvalidObjectState"),
        (.internalError, "InternalError"), (.serviceUnavailable, "ServiceUnavailable"), (.slowDown, "SlowDown"),
        (.requestTimeout, "RequestTimeout"),
    ]
    private static let byName: [String: OSSErrorCode] = Dictionary(
        uniqueKeysWithValues: table.map { ($0.1, $0.0) })

    public init(_ name: String) { self = Self.byName[name] ?? .other(name) }

    /// The code as OSS spells it.
    public var name: String {
        if case .other(let s) = self { return s }
        return Self.table.first { $0.0 == self }!.1
    }
    public var description: String { name }
}

/// An error answer from OSS: the HTTP status and the fields of the error XML (or of `x-oss-err` for HEAD).
public struct OSSServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: OSSErrorCode
    public var message: String
    public var requestID: String?
    public var hostID: String?
    /// OSS's detailed error code (`EC`), e.g. `0002-00000040`.
    public var ec: String?
    /// Other elements of the error XML (`StringToSign`, `BucketName`, `ArgumentName`, ...).
    /// `SignatureProvided` is never kept: it is derived from the secret.
    public var details: [String: String]

    public init(status: Int, code: OSSErrorCode, message: String = "", requestID: String? = nil,
                hostID: String? = nil, ec: String? = nil, details: [String: String] = [:])
    {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.hostID = hostID
        self.ec = ec
        self.details = details.filter { $0.key != "SignatureProvided" }
    }

    public var description: String {
        var s = "\(code.name) (HTTP \(status))"
        if !message.isEmpty { s += ": \(message)" }
        if let requestID { s += " [request \(requestID)]" }
        return s
    }
}

/// Every failure an `ObjectStore` reports.
public enum ObjectStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// OSS answered with an error.
    case service(OSSServiceError)
    /// The request never got an answer: connection refused, reset, DNS, TLS, timeout. `detail` never
    /// contains a secret.
    case transport(kind: TransportFailure, detail: String)
    /// The bytes that arrived (or were stored) do not match the checksum: expected vs actual CRC64.
    case integrity(key: ObjectKey, expected: UInt64, actual: UInt64)
    /// The server's answer could not be understood (bad XML, missing header).
    case malformedResponse(String)
    /// Credentials could not be found or refreshed.
    case credentials(String)

    public enum TransportFailure: String, Sendable, Hashable {
        case connect, reset, timeout, tls, dns, aborted, other
    }

    public var description: String {
        switch self {
        case .service(let e): e.description
        case .transport(let kind, let detail): "transport error (\(kind.rawValue)): \(detail)"
        case .integrity(let key, let expected, let actual):
            "CRC64 mismatch on \(key): expected \(expected), got \(actual)"
        case .malformedResponse(let s): "malformed response: \(s)"
        case .credentials(let s): "credentials: \(s)"
        }
    }

    /// The OSS error code, when OSS answered with one.
    public var code: OSSErrorCode? {
        if case .service(let e) = self { return e.code }
        return nil
    }

    /// True for `NoSuchKey` (and a dangling symlink's `SymlinkTargetNotExist`).
    public var isNotFound: Bool {
        code == .noSuchKey || code == .symlinkTargetNotExist
    }
}
