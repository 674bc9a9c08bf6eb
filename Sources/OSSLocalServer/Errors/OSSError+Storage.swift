/// The one table from storage-engine errors to OSS errors.
extension OSSError {
    init(_ error: StorageError, key: String = "", bucket: String = "") {
        switch error {
        case .noSuchBucket: self = .noSuchBucket(bucket)
        case .noSuchKey: self = .noSuchKey(key)
        case .noSuchUpload: self = .noSuchUpload
        case .fileAlreadyExists: self = .fileAlreadyExists
        case .positionNotEqualToLength(let current): self = .positionNotEqualToLength(current)
        case .objectNotAppendable: self = .objectNotAppendable
        case .invalidPart(let n): self = .invalidPart(n)
        case .invalidPartOrder: self = .invalidPartOrder
        case .entityTooSmall(let n): self = .entityTooSmall(n)
        case .entityTooLarge: self = .entityTooLarge
        case .preconditionFailed: self = .preconditionFailed("If-Match")
        case .invalidObjectState: self = .invalidObjectState
        case .io: self = .internalError   // the detail goes to the log, not to the client
        }
    }

    /// Any error thrown while handling a request, as an OSS error.
    static func from(_ error: Error, key: String = "", bucket: String = "") -> OSSError {
        if let e = error as? OSSError { return e }
        if let e = error as? StorageError { return OSSError(e, key: key, bucket: bucket) }
        return .internalError
    }
}
