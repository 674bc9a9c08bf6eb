#if canImport(Glibc)
import Glibc
#endif
import ObjectStore

/// Every failure the filesystem core reports. The only FSError-to-errno table in the codebase is `errno`.
public enum FSError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound
    case exists
    case notEmpty
    case notDirectory
    case isDirectory
    case invalidArgument(String)
    case nameTooLong
    /// EPERM: the operation is never allowed (hard links, chown by a non-owner).
    case notPermitted(String)
    /// EACCES: the caller lacks permission.
    case accessDenied
    /// ENOTSUP: the filesystem cannot do this (FIFOs, RENAME_EXCHANGE).
    case notSupported(String)
    /// ENODATA: no such extended attribute.
    case noAttribute
    /// ERANGE
    case outOfRange
    /// ENOSPC: staging space exhausted (ensure_diskfree).
    case noSpace
    /// EROFS
    case readOnly
    /// EBADF: unknown handle, or a handle opened without the needed access.
    case badHandle
    /// ESTALE: the object changed under an open handle (its pinned ETag no longer matches).
    case stale(ObjectKey)
    /// EIO with the cause: the store failed for good, or the data failed an integrity check.
    case io(String)
    /// The store's error, mapped by kind.
    case store(ObjectStoreError)

    public var errno: Int32 {
        switch self {
        case .notFound: ENOENT
        case .exists: EEXIST
        case .notEmpty: ENOTEMPTY
        case .notDirectory: ENOTDIR
        case .isDirectory: EISDIR
        case .invalidArgument: EINVAL
        case .nameTooLong: ENAMETOOLONG
        case .notPermitted: EPERM
        case .accessDenied: EACCES
        case .notSupported: EOPNOTSUPP
        case .noAttribute: ENODATA
        case .outOfRange: ERANGE
        case .noSpace: ENOSPC
        case .readOnly: EROFS
        case .badHandle: EBADF
        case .stale: ESTALE
        case .io: EIO
        case .store(let e): Self.errno(for: e)
        }
    }

    static func errno(for error: ObjectStoreError) -> Int32 {
        switch error {
        case .service(let e):
            switch e.code {
            case .noSuchKey, .noSuchBucket, .symlinkTargetNotExist: ENOENT
            case .accessDenied, .invalidAccessKeyId, .signatureDoesNotMatch, .securityTokenExpired,
                .invalidSecurityToken: EACCES
            case .fileAlreadyExists: EEXIST
            case .invalidObjectName: EINVAL
            case .entityTooLarge: EFBIG
            case .preconditionFailed: ESTALE
            default: EIO
            }
        case .transport(let kind, _): kind == .timeout ? ETIMEDOUT : EIO
        case .integrity, .malformedResponse: EIO
        case .credentials: EACCES
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let s), .notPermitted(let s), .notSupported(let s), .io(let s): "\(Self.name(errno)): \(s)"
        case .stale(let key): "object \(key) changed while open"
        case .store(let e): e.description
        default: Self.name(errno)
        }
    }

    static func name(_ code: Int32) -> String { String(cString: strerror(code)) }
}
