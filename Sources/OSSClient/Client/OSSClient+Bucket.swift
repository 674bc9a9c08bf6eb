import ObjectStore
import OSSCore

extension OSSClient {
    public func bucketInfo() async throws -> BucketInfo {
        let response = try await execute(APIRequest("GET", key: nil, query: [("bucketInfo", nil)]))
        return try ResponseDecoders.bucketInfo(response.body)
    }

    public func bucketStat() async throws -> BucketStat {
        let response = try await execute(APIRequest("GET", key: nil, query: [("stat", nil)]))
        return try ResponseDecoders.bucketStat(response.body)
    }

    /// A URL that lets its holder make this request without credentials until it expires.
    /// V1 puts an absolute `Expires`; V4 a relative `x-oss-expires` (at most 7 days).
    public func presignURL(method: String = "GET", key: ObjectKey, expiresIn seconds: Int64,
                           query: [(name: String, value: String?)] = []) async throws -> String
    {
        let credentials: Credentials
        do { credentials = try await credentialsProvider.credentials() } catch let e as ObjectStoreError {
            throw e
        } catch {
            throw ObjectStoreError.credentials("\(error)")
        }
        let r = APIRequest(method.uppercased(), key: key.rawValue, query: query)
        return builder.presignedURL(r, credentials: credentials, now: signingTime,
                                    expiresIn: min(max(seconds, 1), 604_800))
    }
}
