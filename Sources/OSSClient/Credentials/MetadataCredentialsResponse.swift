import FoundationEssentials
import OSSCore

/// The JSON the ECS metadata service returns for a role:
/// `{"AccessKeyId":"STS.x","AccessKeySecret":"x","SecurityToken":"x","Expiration":"2024-01-02T09:04:05Z",
///   "LastUpdated":"2024-01-02T03:04:05Z","Code":"Success"}`.
/// Errors name the URL and the field, never the body (it holds the secret).
struct MetadataCredentialsResponse: Sendable {
    let credentials: Credentials
    /// Seconds since the epoch.
    let expiration: Int64
    /// As sent, for messages (not a secret).
    let expirationText: String

    private struct Document: Decodable {
        let code: String?
        let accessKeyID: String?
        let accessKeySecret: String?
        let securityToken: String?
        let expiration: String?

        enum CodingKeys: String, CodingKey {
            case code = "Code", accessKeyID = "AccessKeyId", accessKeySecret = "AccessKeySecret"
            case securityToken = "SecurityToken", expiration = "Expiration"
        }
    }

    init(body: [UInt8], url: String) throws {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(body))
        } catch {
            // The decoder's own message may quote the body, so it is not passed on.
            throw CredentialsError.metadataMalformed(url: url, reason: "not a JSON object with string fields")
        }
        guard let code = document.code else { throw CredentialsError.metadataMalformed(url: url, reason: "no Code") }
        guard code == "Success" else { throw CredentialsError.metadataCode(url: url, code: code) }
        func field(_ value: String?, _ name: String) throws -> String {
            guard let value, !value.isEmpty else {
                throw CredentialsError.metadataMalformed(url: url, reason: "no \(name)")
            }
            return value
        }
        let id = try field(document.accessKeyID, "AccessKeyId")
        let secret = try field(document.accessKeySecret, "AccessKeySecret")
        let token = try field(document.securityToken, "SecurityToken")
        let expirationText = try field(document.expiration, "Expiration")
        guard let expiration = Self.parseExpiration(expirationText) else {
            throw CredentialsError.metadataMalformed(url: url, reason: "Expiration \"\(expirationText)\" is not %Y-%m-%dT%H:%M:%SZ")
        }
        credentials = Credentials(accessKeyID: id, accessKeySecret: secret, securityToken: token)
        self.expiration = expiration
        self.expirationText = expirationText
    }

    /// `%Y-%m-%dT%H:%M:%SZ`, UTC (a fraction of a second is tolerated).
    static func parseExpiration(_ text: String) -> Int64? {
        guard text.hasSuffix("Z") || text.hasSuffix("z") else { return nil }
        return HTTPDate.parseISO8601(text)?.seconds
    }
}
