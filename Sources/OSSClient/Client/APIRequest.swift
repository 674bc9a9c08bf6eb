import ObjectStore
import OSSCore

/// One OSS API call before addressing and signing: what the API wants, nothing about the wire.
struct APIRequest: Sendable {
    var method: String
    /// nil: a bucket-level request (`/?stat`, `/?delete`, listing).
    var key: String?
    /// Decoded; a nil value is a bare sub-resource such as `uploads`.
    var query: [(name: String, value: String?)] = []
    var headers: [(name: String, value: String)] = []
    var body: RequestBody = .none
    var response: ResponseBodyHandling = .collect(limit: 16 << 20)
    var hashRequestBody = false
    var hashResponseBody = false

    init(_ method: String, key: String?, query: [(name: String, value: String?)] = [],
         headers: [(name: String, value: String)] = [])
    {
        self.method = method
        self.key = key
        self.query = query
        self.headers = headers
    }
}
