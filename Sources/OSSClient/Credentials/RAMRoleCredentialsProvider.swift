import OSSCore

/// STS credentials of the ECS instance's RAM role, from the metadata service (`ram_role=`), refreshed before
/// they expire.
///
/// One fetch: optionally an IMDSv2 token (`PUT /latest/api/token`; skipped when disabled or when it fails), the
/// role name for `auto` (`GET .../security-credentials/`, first line; asked once), then
/// `GET .../security-credentials/ROLE` with the token, and without it when that fails (as ossfs 1.x does).
///
/// Refresh: once 85% of the lifetime has passed or fewer than 5 minutes remain, whichever comes first. Callers
/// that arrive during a refresh wait for the same one. When a refresh fails while the current credentials are
/// still valid, they keep being used (and the refresh is retried after `retryInterval`); once expired, the
/// error is thrown.
public actor RAMRoleCredentialsProvider: CredentialsProvider {
    public static let defaultMetadataBaseURL = "http://100.100.100.200"
    public static let credentialsPath = "/latest/meta-data/ram/security-credentials/"
    public static let tokenPath = "/latest/api/token"
    public static let tokenTTLHeader = "X-aliyun-ecs-metadata-token-ttl-seconds"
    public static let tokenHeader = "X-aliyun-ecs-metadata-token"
    public static let tokenTTLSeconds = 180
    /// Refresh once this share of the lifetime has passed (oss2's 85%).
    public static let refreshFraction = (numerator: Int64(85), denominator: Int64(100))
    /// Refresh when fewer seconds than this remain.
    public static let refreshMargin: Int64 = 5 * 60

    /// Credentials in use and when to replace them.
    struct Lease: Sendable {
        let credentials: Credentials
        let expiration: Int64
        let refreshAt: Int64

        init(credentials: Credentials, fetchedAt: Int64, expiration: Int64) {
            self.credentials = credentials
            self.expiration = expiration
            let lifetime = expiration - fetchedAt
            let byFraction = fetchedAt + lifetime * refreshFraction.numerator / refreshFraction.denominator
            refreshAt = min(byFraction, expiration - refreshMargin)
        }
    }

    public nonisolated let role: RAMRole
    private let credentialsBaseURL: String
    private let tokenURL: String
    private let imdsV2: Bool
    private let fetcher: any MetadataFetcher
    private let clock: CredentialsClock
    private let retryInterval: Int64
    private let log: @Sendable (String) -> Void

    /// The role name once known (given, or discovered for `auto`).
    private var roleName: String?
    private var current: Lease?
    /// The refresh every caller waits for while it runs.
    private var inFlight: Task<Lease, Error>?
    /// After a failed refresh, no new attempt before this time while the current credentials still work.
    private var retryNotBefore: Int64 = .min

    /// - Parameters:
    ///   - metadataBaseURL: scheme and host of the metadata service; tests point it at a local stand-in.
    ///     A `.url` role names the credentials URL itself; its scheme and host then serve the token too.
    ///   - imdsV2: false for `disable_imdsv2`.
    ///   - log: receives secret-free notices (a failed refresh while the old credentials still work).
    public init(role: RAMRole, metadataBaseURL: String = RAMRoleCredentialsProvider.defaultMetadataBaseURL,
                imdsV2: Bool = true, fetcher: any MetadataFetcher, clock: CredentialsClock = .system,
                retryInterval: Int64 = 10, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.role = role
        var base = metadataBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        credentialsBaseURL = base + Self.credentialsPath
        switch role {
        case .url(let url): tokenURL = Self.origin(of: url) + Self.tokenPath
        case .auto, .named: tokenURL = base + Self.tokenPath
        }
        if case .named(let name) = role { roleName = name }
        self.imdsV2 = imdsV2
        self.fetcher = fetcher
        self.clock = clock
        self.retryInterval = retryInterval
        self.log = log
    }

    public nonisolated var source: CredentialsSource { .ramRole(role.description) }

    public func credentials() async throws -> Credentials {
        let now = clock.now()
        if let lease = current {
            if now < lease.refreshAt { return lease.credentials }
            if now < retryNotBefore, now < lease.expiration { return lease.credentials }
        }
        let task = inFlight ?? startRefresh()
        do {
            return try await task.value.credentials
        } catch {
            if let lease = current, clock.now() < lease.expiration { return lease.credentials }
            throw error
        }
    }

    private func startRefresh() -> Task<Lease, Error> {
        let task = Task { try await self.refresh() }
        inFlight = task
        return task
    }

    private func refresh() async throws -> Lease {
        defer { inFlight = nil }
        do {
            let lease = try await fetchLease()
            current = lease
            return lease
        } catch {
            retryNotBefore = clock.now() + retryInterval
            if let lease = current, clock.now() < lease.expiration {
                log("RAM role credentials refresh failed; the current ones stay in use until they expire: \(error)")
            }
            throw error
        }
    }

    private func fetchLease() async throws -> Lease {
        let token = imdsV2 ? await fetchToken() : nil
        let url: String
        switch role {
        case .url(let given):
            url = given
        case .named, .auto:
            if roleName == nil { roleName = try await discoverRoleName(token: token) }
            url = credentialsBaseURL + roleName!
        }
        let body = try await get(url, token: token, failure: { CredentialsError.metadataRequestFailed(url: url, reason: $0) })
        let fetchedAt = clock.now()
        let response = try MetadataCredentialsResponse(body: body, url: url)
        guard response.expiration > fetchedAt else {
            throw CredentialsError.metadataExpired(url: url, expiration: response.expirationText)
        }
        return Lease(credentials: response.credentials, fetchedAt: fetchedAt, expiration: response.expiration)
    }

    /// IMDSv2 session token; nil when the service does not give one (IMDSv1 then).
    private func fetchToken() async -> String? {
        guard let (status, body) = try? await fetcher.fetch(
            method: "PUT", url: tokenURL, headers: [(Self.tokenTTLHeader, String(Self.tokenTTLSeconds))]),
            status == 200 else { return nil }
        let token = String(decoding: body, as: UTF8.self)
        return token.isEmpty ? nil : token
    }

    private func discoverRoleName(token: String?) async throws -> String {
        let url = credentialsBaseURL
        let body = try await get(url, token: token, failure: { CredentialsError.roleDiscoveryFailed(url: url, reason: $0) })
        // The name is the first line; bytes, because "\r\n" is a single Character.
        let firstLine = body.split(separator: 0x0A, omittingEmptySubsequences: false).first ?? []
        let name = String(decoding: firstLine.filter { $0 != 0x0D && $0 != 0x20 && $0 != 0x09 }, as: UTF8.self)
        guard !name.isEmpty else { throw CredentialsError.roleDiscoveryFailed(url: url, reason: "empty response") }
        return name
    }

    /// GET with the token, then without it when that fails; 200 or an error.
    private func get(_ url: String, token: String?,
                     failure: (String) -> CredentialsError) async throws -> [UInt8] {
        if let token, let (status, body) = try? await fetcher.fetch(method: "GET", url: url, headers: [(Self.tokenHeader, token)]),
           status == 200 {
            return body
        }
        let status: Int, body: [UInt8]
        do {
            (status, body) = try await fetcher.fetch(method: "GET", url: url, headers: [])
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw failure("\(error)")
        }
        guard status == 200 else { throw failure("HTTP \(status)") }
        return body
    }

    /// "http://host:port" of a URL.
    static func origin(of url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return url }
        return String(url[..<slash])
    }
}
