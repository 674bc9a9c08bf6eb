/// `MetadataFetcher` on the client's transport, for the ECS metadata service (RAM role credentials). The
/// service is link-local, so proxies are bypassed; timeouts are short because it answers at once or never.
public struct CurlMetadataFetcher: MetadataFetcher {
    private let transport: any HTTPTransport
    private let timeout: Int

    /// `transport` nil: a transport of its own (the client's may not exist yet when credentials load).
    public init(transport: (any HTTPTransport)? = nil, timeout: Int = 5) throws {
        self.transport = try transport ?? CurlTransport()
        self.timeout = timeout
    }

    public func fetch(method: String, url: String, headers: [(String, String)]) async throws
        -> (status: Int, body: [UInt8])
    {
        let request = HTTPRequest(
            method: method, url: url, headers: headers.map { (name: $0.0, value: $0.1) },
            body: method == "PUT" || method == "POST" ? .bytes([]) : .none, response: .collect(limit: 1 << 20),
            connectTimeout: timeout, stallTimeout: timeout, bypassProxy: true)
        let response = try await transport.send(request)
        return (response.status, response.body)
    }
}
