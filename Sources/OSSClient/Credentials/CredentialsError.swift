import ObjectStore

/// Why credentials could not be found, read or refreshed. The texts are ossfs 1.x's (src/s3fs_cred.cpp) so users
/// and their scripts recognise them; we add the file and line that ossfs 1.x leaves out. No case carries a
/// secret, a token or a line's text: only paths, line numbers, bucket and variable names, URLs and status codes.
public enum CredentialsError: Error, Sendable, Hashable, CustomStringConvertible {
    // passwd file contents
    case whitespaceInLine(path: String, line: Int)
    case bracketInLine(path: String, line: Int)
    case duplicateBucket(bucket: String, path: String, line: Int, firstLine: Int)
    case noMatchingEntry(path: String)
    /// Only one of `OSSAccessKeyId=` / `OSSSecretKey=` is present.
    case keyValuePairIncomplete(path: String, line: Int)
    /// `OSSAccessKeyId=` or `OSSSecretKey=` has an empty value.
    case emptyKeyValue(path: String, line: Int)
    /// The matching entry has an empty access key id or secret.
    case emptyKeyInEntry(path: String, line: Int)

    // passwd file access
    case statFailed(path: String, reason: String)
    case notReadable(path: String)
    case cannotOpen(path: String, reason: String)
    case othersPermissions(path: String)
    case groupPermissions(path: String)
    case groupWritable(path: String)
    case executable(path: String)
    /// The file named by OSS_CREDENTIAL_FILE cannot be read.
    case credentialFileNotReadable(path: String)

    // environment
    case environmentPairIncomplete
    case environmentKeysEmpty
    case sessionTokenInvalid
    case sessionTokenExpected

    /// The chain ran out: no passwd_file=, no environment keys, no readable default file.
    case notFound

    // ECS RAM role (metadata service)
    case roleDiscoveryFailed(url: String, reason: String)
    case metadataRequestFailed(url: String, reason: String)
    case metadataMalformed(url: String, reason: String)
    case metadataCode(url: String, code: String)
    case metadataExpired(url: String, expiration: String)

    public var description: String {
        switch self {
        case .whitespaceInLine(let path, let line):
            "\(path):\(line): invalid line in passwd file, found whitespace character."
        case .bracketInLine(let path, let line):
            "\(path):\(line): invalid line in passwd file, found a bracket \"[\" character."
        case .duplicateBucket(let bucket, let path, let line, let firstLine):
            "\(path):\(line): there are multiple entries for the same bucket(\(bucket.isEmpty ? "default" : bucket)) "
                + "in the passwd file. (first entry at line \(firstLine))"
        case .noMatchingEntry(let path):
            "\(path): Not found access key/secret key in passwd file."
        case .keyValuePairIncomplete(let path, let line):
            "\(path):\(line): Accesskey or Secretkey is not specified."
        case .emptyKeyValue(let path, let line):
            "\(path):\(line): failed to set access key/secret key."
        case .emptyKeyInEntry(let path, let line):
            "\(path):\(line): failed to set internal data for access key/secret key from passwd file."
        case .statFailed(let path, let reason):
            "unexpected error from stat(\(path)): \(reason)"
        case .notReadable(let path):
            "S3fs passwd file \"\(path)\" is not readable."
        case .cannotOpen(let path, let reason):
            "could not open passwd file : \(path) (\(reason))"
        case .othersPermissions(let path):
            "credentials file \(path) should not have others permissions."
        case .groupPermissions(let path):
            "credentials file \(path) should not have group permissions."
        case .groupWritable(let path):
            "credentials file \(path) should not have group writable permissions."
        case .executable(let path):
            "credentials file \(path) should not have executable permissions."
        case .credentialFileNotReadable(let path):
            "OSS_CREDENTIAL_FILE: \"\(path)\" is not readable."
        case .environmentPairIncomplete:
            "both environment variables OSSACCESSKEYID and OSSSECRETACCESSKEY must be set together."
        case .environmentKeysEmpty:
            "if one access key is specified, both keys need to be specified."
        case .sessionTokenInvalid:
            "session token is invalid."
        case .sessionTokenExpected:
            "environment variable OSSSESSIONTOKEN is expected to be set."
        case .notFound:
            "Could not determine how to establish security credentials. "
                + "Please check your password file, ram_role, or environment variables."
        case .roleDiscoveryFailed(let url, let reason):
            "could not load the RAM role name from \(url): \(reason)"
        case .metadataRequestFailed(let url, let reason):
            "RAM role credentials request to \(url) failed: \(reason)"
        case .metadataMalformed(let url, let reason):
            "RAM role credentials from \(url) could not be read: \(reason)"
        case .metadataCode(let url, let code):
            "RAM role credentials from \(url) have Code \"\(code)\", expected \"Success\""
        case .metadataExpired(let url, let expiration):
            "RAM role credentials from \(url) already expired at \(expiration)"
        }
    }

    /// The same failure as the object store reports it, for callers that speak only `ObjectStoreError`.
    public var objectStoreError: ObjectStoreError { .credentials(description) }
}
