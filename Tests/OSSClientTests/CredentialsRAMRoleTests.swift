import Foundation
import OSSCore
import Testing
@testable import OSSClient

/// A scripted ECS metadata service behind `MetadataStandIn`. Each credentials GET issues a new pair numbered
/// from 1, expiring `lifetime` seconds after the test clock's now.
final class ScriptedMetadataService: @unchecked Sendable {
    let clock: ManualClock
    private let lock = NSLock()
    private var _lifetime: Int64 = 6 * 3600
    private var _code = "Success"
    private var _issueTokens = true
    private var _rejectTokens = false
    private var _credentialsStatus = 200
    private var _delay: Double = 0
    private var _body: String?
    private var issued = 0

    init(clock: ManualClock) { self.clock = clock }

    var lifetime: Int64 { get { lock.withLock { _lifetime } } set { lock.withLock { _lifetime = newValue } } }
    var code: String { get { lock.withLock { _code } } set { lock.withLock { _code = newValue } } }
    /// false: the token PUT answers 403 (a service without IMDSv2).
    var issueTokens: Bool { get { lock.withLock { _issueTokens } } set { lock.withLock { _issueTokens = newValue } } }
    /// true: a credentials GET that carries a token answers 401.
    var rejectTokens: Bool { get { lock.withLock { _rejectTokens } } set { lock.withLock { _rejectTokens = newValue } } }
    var credentialsStatus: Int { get { lock.withLock { _credentialsStatus } } set { lock.withLock { _credentialsStatus = newValue } } }
    var delay: Double { get { lock.withLock { _delay } } set { lock.withLock { _delay = newValue } } }
    /// Replaces the JSON document when set.
    var body: String? { get { lock.withLock { _body } } set { lock.withLock { _body = newValue } } }

    static func secret(_ n: Int) -> String { "SECRET-\(n)-do-not-print" }
    static func token(_ n: Int) -> String { "CAIS-TOKEN-\(n)-do-not-print" }

    static func expiration(_ seconds: Int64) -> String {
        HTTPDate.iso8601(seconds).replacingOccurrences(of: ".000Z", with: "Z")
    }

    func handle(_ request: MetadataStandIn.Request) -> MetadataStandIn.Response {
        let credentialsPath = "/latest/meta-data/ram/security-credentials/"
        switch (request.method, request.path) {
        case ("PUT", "/latest/api/token"):
            guard issueTokens else { return .init(403) }
            return .init(200, "imds-token-\(request.headers["x-aliyun-ecs-metadata-token-ttl-seconds"] ?? "none")")
        case ("GET", credentialsPath):
            return .init(200, "EcsRamRoleTest\n")
        case ("GET", credentialsPath + "EcsRamRoleTest"), ("GET", "/custom/credentials/url"):
            if rejectTokens, request.headers["x-aliyun-ecs-metadata-token"] != nil { return .init(401) }
            let status = credentialsStatus
            guard status == 200 else { return .init(status, "{\"Code\":\"Failed\"}") }
            let (n, now, lifetime, code, body, delay) = lock.withLock {
                issued += 1
                return (issued, clock.now, _lifetime, _code, _body, _delay)
            }
            let document = body ?? """
                {"AccessKeyId":"STS.key\(n)","AccessKeySecret":"\(Self.secret(n))","SecurityToken":"\(Self.token(n))",
                 "Expiration":"\(Self.expiration(now + lifetime))","LastUpdated":"\(Self.expiration(now))","Code":"\(code)"}
                """
            return .init(200, document, delay: delay)
        default:
            return .init(404)
        }
    }
}

@Suite struct CredentialsRAMRoleTests {
    static let t0: Int64 = 1_700_000_000

    struct Fixture {
        let server: MetadataStandIn
        let service: ScriptedMetadataService
        let clock: ManualClock
        let logs: LogSink

        func provider(_ role: RAMRole = .named("EcsRamRoleTest"), imdsV2: Bool = true) -> RAMRoleCredentialsProvider {
            RAMRoleCredentialsProvider(role: role, metadataBaseURL: server.baseURL, imdsV2: imdsV2,
                                       fetcher: SocketMetadataFetcher(), clock: clock.clock, log: { logs.append($0) })
        }
        var credentialRequests: [MetadataStandIn.Request] {
            server.requests.filter { $0.method == "GET" && ($0.path.hasSuffix("EcsRamRoleTest") || $0.path.hasPrefix("/custom")) }
        }
    }

    final class LogSink: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let clock = ManualClock(Self.t0)
        let service = ScriptedMetadataService(clock: clock)
        try await withMetadataStandIn({ service.handle($0) }) { server in
            try await body(Fixture(server: server, service: service, clock: clock, logs: LogSink()))
        }
    }

    @Test func imdsV2TokenFlow() async throws {
        try await withFixture { f async throws in
            let credentials = try await f.provider().credentials()
            #expect(credentials == Credentials(accessKeyID: "STS.key1", accessKeySecret: ScriptedMetadataService.secret(1),
                                               securityToken: ScriptedMetadataService.token(1)))
            let requests = f.server.requests
            #expect(requests.map { "\($0.method) \($0.path)" } == [
                "PUT /latest/api/token", "GET /latest/meta-data/ram/security-credentials/EcsRamRoleTest",
            ])
            #expect(requests[0].headers["x-aliyun-ecs-metadata-token-ttl-seconds"] == "180")
            #expect(requests[1].headers["x-aliyun-ecs-metadata-token"] == "imds-token-180")
        }
    }

    @Test func disabledIMDSv2SendsNoToken() async throws {
        try await withFixture { f async throws in
            _ = try await f.provider(imdsV2: false).credentials()
            let requests = f.server.requests
            #expect(requests.map(\.method) == ["GET"])
            #expect(requests[0].headers["x-aliyun-ecs-metadata-token"] == nil)
        }
    }

    @Test func failedTokenRequestIsSkipped() async throws {
        try await withFixture { f async throws in
            f.service.issueTokens = false
            #expect(try await f.provider().credentials().accessKeyID == "STS.key1")
            let requests = f.server.requests
            #expect(requests.map(\.method) == ["PUT", "GET"])
            #expect(requests[1].headers["x-aliyun-ecs-metadata-token"] == nil)
        }
    }

    @Test func rejectedTokenFallsBackToPlainRequest() async throws {
        try await withFixture { f async throws in
            f.service.rejectTokens = true
            #expect(try await f.provider().credentials().accessKeyID == "STS.key1")
            let gets = f.server.requests.filter { $0.method == "GET" }
            #expect(gets.count == 2)
            #expect(gets[0].headers["x-aliyun-ecs-metadata-token"] != nil)
            #expect(gets[1].headers["x-aliyun-ecs-metadata-token"] == nil)
        }
    }

    @Test func autoDiscoversTheRoleOnce() async throws {
        try await withFixture { f async throws in
            let provider = f.provider(.auto)
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            f.clock.now += 6 * 3600 - 60
            #expect(try await provider.credentials().accessKeyID == "STS.key2")
            let paths = f.server.requests.filter { $0.method == "GET" }.map(\.path)
            #expect(paths == [
                "/latest/meta-data/ram/security-credentials/",
                "/latest/meta-data/ram/security-credentials/EcsRamRoleTest",
                "/latest/meta-data/ram/security-credentials/EcsRamRoleTest",
            ])
            #expect(f.server.requests.filter { $0.path == "/latest/meta-data/ram/security-credentials/" }
                .allSatisfy { $0.headers["x-aliyun-ecs-metadata-token"] == "imds-token-180" })
        }
    }

    @Test func fullURLRoleUsesThatURLAndItsHostForTheToken() async throws {
        try await withFixture { f async throws in
            let role = try #require(RAMRole(optionValue: f.server.baseURL + "/custom/credentials/url"))
            let provider = RAMRoleCredentialsProvider(role: role, metadataBaseURL: "http://192.0.2.1", fetcher: SocketMetadataFetcher(),
                                                      clock: f.clock.clock)
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            #expect(f.server.requests.map { "\($0.method) \($0.path)" } == ["PUT /latest/api/token", "GET /custom/credentials/url"])
            #expect(provider.source.description == "ECS RAM role \(f.server.baseURL)/custom/credentials/url")
        }
    }

    @Test func codeOtherThanSuccessIsRefused() async throws {
        try await withFixture { f async throws in
            f.service.code = "InternalError"
            let error = await credentialsError { try await f.provider().credentials() }
            let url = f.server.baseURL + "/latest/meta-data/ram/security-credentials/EcsRamRoleTest"
            #expect(error == .metadataCode(url: url, code: "InternalError"))
            #expect(error?.description == "RAM role credentials from \(url) have Code \"InternalError\", expected \"Success\"")
            #expect(error.map { !$0.description.contains("do-not-print") } == true)
        }
    }

    @Test func badDocumentsAreRefusedWithoutEchoingThem() async throws {
        try await withFixture { f async throws in
            let cases: [(String, String)] = [
                ("not json SECRET-do-not-print", "not a JSON object with string fields"),
                (#"{"Code":"Success","AccessKeyId":"A","SecurityToken":"T-do-not-print","Expiration":"2030-01-01T00:00:00Z"}"#,
                 "no AccessKeySecret"),
                (#"{"Code":"Success","AccessKeyId":"A","AccessKeySecret":"S-do-not-print","Expiration":"2030-01-01T00:00:00Z"}"#,
                 "no SecurityToken"),
                (#"{"AccessKeyId":"A","AccessKeySecret":"S-do-not-print","SecurityToken":"T","Expiration":"2030-01-01T00:00:00Z"}"#,
                 "no Code"),
                (#"{"Code":"Success","AccessKeyId":"A","AccessKeySecret":"S-do-not-print","SecurityToken":"T","Expiration":"tomorrow"}"#,
                 "Expiration \"tomorrow\" is not %Y-%m-%dT%H:%M:%SZ"),
            ]
            let url = f.server.baseURL + "/latest/meta-data/ram/security-credentials/EcsRamRoleTest"
            for (body, reason) in cases {
                f.service.body = body
                let error = await credentialsError { try await f.provider().credentials() }
                #expect(error == .metadataMalformed(url: url, reason: reason))
                #expect(error.map { !$0.description.contains("do-not-print") } == true)
            }
        }
    }

    @Test func alreadyExpiredCredentialsAreRefused() async throws {
        try await withFixture { f async throws in
            f.service.lifetime = -1
            let error = await credentialsError { try await f.provider().credentials() }
            guard case .metadataExpired = error else { Issue.record("got \(String(describing: error))"); return }
        }
    }

    @Test func httpErrorsAndUnreachableServiceAreClear() async throws {
        try await withFixture { f async throws in
            f.service.credentialsStatus = 404
            let url = f.server.baseURL + "/latest/meta-data/ram/security-credentials/EcsRamRoleTest"
            let error = await credentialsError { try await f.provider().credentials() }
            #expect(error == .metadataRequestFailed(url: url, reason: "HTTP 404"))
            #expect(error?.description == "RAM role credentials request to \(url) failed: HTTP 404")
        }
        // Nothing listens on a port just released by a stopped stand-in.
        let server = try MetadataStandIn { _ in .init(200) }
        let base = server.baseURL
        server.stop()
        let provider = RAMRoleCredentialsProvider(role: .auto, metadataBaseURL: base, fetcher: SocketMetadataFetcher())
        let error = await credentialsError { try await provider.credentials() }
        guard case .roleDiscoveryFailed(let url, _) = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(url == base + "/latest/meta-data/ram/security-credentials/")
    }

    @Test func refreshesAt85PercentOfALongLifetime() async throws {
        try await withFixture { f async throws in
            let provider = f.provider()
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            // 6 h lifetime: 85% is 18360 s, well before the last 5 minutes.
            f.clock.now = Self.t0 + 18359
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            #expect(f.credentialRequests.count == 1)
            f.clock.now = Self.t0 + 18360
            #expect(try await provider.credentials().accessKeyID == "STS.key2")
            // The new lease counts from its own fetch time.
            f.clock.now = Self.t0 + 18360 + 18359
            #expect(try await provider.credentials().accessKeyID == "STS.key2")
            f.clock.now = Self.t0 + 18360 + 18360
            #expect(try await provider.credentials().accessKeyID == "STS.key3")
        }
    }

    @Test func refreshesFiveMinutesBeforeExpiryOfAShortLifetime() async throws {
        try await withFixture { f async throws in
            f.service.lifetime = 600   // 85% would be 510 s; 5 minutes before expiry is 300 s
            let provider = f.provider()
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            f.clock.now = Self.t0 + 299
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            f.clock.now = Self.t0 + 300
            #expect(try await provider.credentials().accessKeyID == "STS.key2")
        }
    }

    @Test func failedRefreshKeepsValidCredentialsThenThrows() async throws {
        try await withFixture { f async throws in
            let provider = f.provider()
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            f.service.credentialsStatus = 500
            f.clock.now = Self.t0 + 6 * 3600 - 100
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            #expect(f.logs.all.count == 1)
            #expect(f.logs.all.allSatisfy { !$0.contains("do-not-print") && $0.contains("HTTP 500") })
            // Within the retry interval no new request is made.
            let before = f.credentialRequests.count
            f.clock.now += 5
            #expect(try await provider.credentials().accessKeyID == "STS.key1")
            #expect(f.credentialRequests.count == before)
            // Once expired, the failure is the caller's.
            f.clock.now = Self.t0 + 6 * 3600
            let error = await credentialsError { try await provider.credentials() }
            guard case .metadataRequestFailed(_, "HTTP 500") = error else { Issue.record("got \(String(describing: error))"); return }
            // And the service coming back heals it.
            f.service.credentialsStatus = 200
            f.clock.now += 60
            #expect(try await provider.credentials().accessKeyID == "STS.key2")
        }
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        try await withFixture { f async throws in
            f.service.delay = 0.3
            let provider = f.provider()
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await provider.credentials().accessKeyID } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(ids == Array(repeating: "STS.key1", count: 20))
            #expect(f.credentialRequests.count == 1)
            #expect(f.server.requests.filter { $0.method == "PUT" }.count == 1)

            f.clock.now = Self.t0 + 6 * 3600 - 60
            let refreshed = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await provider.credentials().accessKeyID } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(refreshed == Array(repeating: "STS.key2", count: 20))
            #expect(f.credentialRequests.count == 2)
        }
    }

    @Test func roleOptionValues() {
        #expect(RAMRole(optionValue: nil) == .auto)
        #expect(RAMRole(optionValue: "auto") == .auto)
        #expect(RAMRole(optionValue: "") == nil)
        #expect(RAMRole(optionValue: "MyRole") == .named("MyRole"))
        #expect(RAMRole(optionValue: "http://100.100.100.200/x/MyRole") == .url("http://100.100.100.200/x/MyRole"))
        #expect(RAMRoleCredentialsProvider.origin(of: "http://127.0.0.1:8080/a/b") == "http://127.0.0.1:8080")
    }

    @Test func ramRoleSkipsTheChain() async throws {
        try await withFixture { f async throws in
            let config = CredentialsConfiguration(
                bucket: "b", ramRole: .named("EcsRamRoleTest"), metadataBaseURL: f.server.baseURL,
                environment: ["OSS_ACCESS_KEY_ID": "ENVID", "OSS_ACCESS_KEY_SECRET": "envsecret"],
                systemPasswdFile: "/nonexistent/passwd-ossfs")
            let made = try config.makeProvider(fetcher: SocketMetadataFetcher(), clock: f.clock.clock)
            #expect(made.source.description == "ECS RAM role EcsRamRoleTest")
            #expect(try await made.provider.credentials().accessKeyID == "STS.key1")

            var disabled = config
            disabled.disableIMDSv2 = true
            _ = try await disabled.makeProvider(fetcher: SocketMetadataFetcher(), clock: f.clock.clock).provider.credentials()
            #expect(f.server.requests.filter { $0.method == "PUT" }.count == 1)
        }
    }
}
