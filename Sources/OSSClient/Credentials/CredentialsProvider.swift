import OSSCore

/// Where the client gets the keys it signs with. Static keys come from a passwd file or the environment;
/// STS keys from the ECS metadata service expire and are refreshed by their provider.
public protocol CredentialsProvider: Sendable {
    /// The credentials to sign the next request with; refreshed first when close to expiry.
    func credentials() async throws -> Credentials
}

/// Keys that never change: passwd files, environment variables, a fixed STS token.
public struct StaticCredentialsProvider: CredentialsProvider {
    private let value: Credentials
    public init(_ value: Credentials) { self.value = value }
    public func credentials() async throws -> Credentials { value }
}

/// Fetches one URL for a credentials provider (the ECS metadata service). The client wires its HTTP transport
/// in here; tests wire a local stand-in.
public protocol MetadataFetcher: Sendable {
    func fetch(method: String, url: String, headers: [(String, String)]) async throws -> (status: Int, body: [UInt8])
}
