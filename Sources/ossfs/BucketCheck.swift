import ObjectStore
import OSSClient
import OSSFS

/// What a user gets wrong about the bucket, found with one GetBucketInfo before mounting: each its own
/// message, none quoting a secret.
enum BucketCheck {
    struct Context {
        let bucket: String
        let prefix: String
        let endpoint: String
        /// Where the keys came from ("passwd file /etc/passwd-ossfs line 2"), to say where to fix them.
        let credentialsSource: String
        /// The region signing or region= assumes, nil when unknown (V1 without region=).
        let expectedRegion: String?
    }

    /// Returns notices worth logging, or throws the one-line reason not to mount.
    static func run(store: OSSClient, _ c: Context) async throws -> [String] {
        let info: BucketInfo
        do {
            info = try await store.bucketInfo()
        } catch let e as ObjectStoreError {
            if e.code == .accessDenied, endpointHint(e) == nil {
                // A RAM policy may grant object access without GetBucketInfo: fall back to a listing.
                try await listCheck(store: store, c)
                return ["GetBucketInfo was denied; the bucket's region and storage class were not checked"]
            }
            throw explain(e, c)
        }
        if let expected = c.expectedRegion, !info.region.isEmpty, info.region != expected {
            throw StartupError("bucket \(c.bucket) is in region \(info.region) (\(info.location)), but the mount "
                + "uses region \(expected): use region=\(info.region) and url=https://\(info.location).aliyuncs.com "
                + "(or its -internal endpoint inside Alibaba Cloud)")
        }
        if let storageClass = info.storageClass, storageClass.needsRestore {
            throw StartupError("bucket \(c.bucket) is of the \(storageClass.rawValue) storage class: OSS serves its "
                + "objects only after a restore, so ossfs cannot mount it; use a Standard or IA bucket")
        }
        return []
    }

    private static func listCheck(store: OSSClient, _ c: Context) async throws {
        do {
            _ = try await store.list(ListRequest(prefix: c.prefix, delimiter: "/", maxKeys: 1))
        } catch let e as ObjectStoreError {
            throw explain(e, c)
        }
    }

    /// OSS names the right endpoint when a bucket is addressed through another region's.
    static func endpointHint(_ e: ObjectStoreError) -> String? {
        guard case .service(let s) = e else { return nil }
        return s.details["Endpoint"]
    }

    static func explain(_ e: ObjectStoreError, _ c: Context) -> StartupError {
        switch e {
        case .service(let s):
            switch s.code {
            case .noSuchBucket:
                return StartupError("bucket \(c.bucket) does not exist at \(c.endpoint) (NoSuchBucket)")
            case .invalidAccessKeyId:
                return StartupError("the access key id is unknown to OSS (InvalidAccessKeyId): check the "
                    + "credentials from \(c.credentialsSource)")
            case .signatureDoesNotMatch:
                return StartupError("the secret is wrong for this access key id (SignatureDoesNotMatch): check the "
                    + "credentials from \(c.credentialsSource)")
            case .securityTokenExpired, .invalidSecurityToken:
                return StartupError("the session token was refused (\(s.code.name)): renew the credentials from "
                    + "\(c.credentialsSource)")
            case .requestTimeTooSkewed:
                return StartupError("this machine's clock is too far from OSS's (RequestTimeTooSkewed): fix the clock")
            default:
                if let endpoint = s.details["Endpoint"] {
                    return StartupError("bucket \(c.bucket) must be addressed through endpoint \(endpoint): use "
                        + "url=https://\(endpoint)")
                }
                if s.code == .invalidArgument, s.message.lowercased().contains("region") {
                    return StartupError("the region does not match bucket \(c.bucket)'s (\(s.message)): set region= "
                        + "to the bucket's region, or use its endpoint in url=")
                }
                if s.code == .accessDenied {
                    return StartupError("access to bucket \(c.bucket) denied (AccessDenied\(s.message.isEmpty ? "" : ": \(s.message)")): "
                        + "the keys from \(c.credentialsSource) lack permission")
                }
                return StartupError("checking bucket \(c.bucket) failed: \(s)")
            }
        case .transport(let kind, let detail):
            return StartupError("cannot reach the endpoint \(c.endpoint) (\(kind.rawValue)): \(detail)")
        case .credentials(let message):
            return StartupError(message)
        default:
            return StartupError("checking bucket \(c.bucket) failed: \(e)")
        }
    }
}
