import OSSClient
import OSSFS

/// The command line's client options as the OSS client's configuration.
enum ClientSetup {
    static func configuration(_ options: MountOptions, log: DaemonLog) throws -> ClientConfiguration {
        let c = options.client
        let endpoint: Endpoint
        do {
            endpoint = try Endpoint(parsing: c.url)
        } catch {
            throw StartupError("invalid value for option 'url': \"\(c.url)\" (expected an endpoint URL such as "
                + "https://oss-cn-hangzhou.aliyuncs.com)")
        }
        let signature: SignatureVersionChoice = switch c.signature {
        case .auto: .auto
        case .v1: .v1
        case .v4: .v4
        }
        var clientLevel: ClientLogLevel = switch options.logLevel {
        case .critical, .error: .error
        case .warning: .warning
        case .info: .info
        case .debug: .debug
        }
        if c.curlDebug != nil { clientLevel = .debug }
        let handler = log.handler
        let logger: ClientLogHandler = { level, line in
            let mapped: LogLevel = switch level {
            case .error: .error
            case .warning: .warning
            case .notice, .info: .info
            case .debug: .debug
            }
            // curldbg asks for the request log whatever dbglevel says.
            handler(c.curlDebug != nil && mapped == .debug ? .error : mapped, line)
        }
        let configuration = ClientConfiguration(
            endpoint: endpoint, bucket: options.bucket, region: c.region, signatureVersion: signature,
            forcePathStyle: c.forcePathStyle, verifyTLS: c.verifyTLS, retries: c.retries,
            connectTimeout: c.connectTimeout, readwriteTimeout: c.readwriteTimeout, listObjectsV2: c.listObjectsV2,
            maxKeys: c.maxKeys, logger: logger, logLevel: clientLevel)
        guard ClientConfiguration.isValidBucketName(options.bucket) else {
            throw StartupError("invalid bucket name '\(options.bucket)': 3-63 characters of a-z, 0-9 and '-', "
                + "not starting or ending with '-'")
        }
        do {
            _ = try configuration.resolveSigning()
        } catch {
            throw StartupError("\(error)")
        }
        return configuration
    }

    /// The credentials configuration from the options and a snapshot of the environment, taken now.
    static func credentials(_ options: MountOptions) throws -> CredentialsConfiguration {
        var role: RAMRole?
        if let value = options.client.ramRole {
            guard let r = RAMRole(optionValue: value) else {
                throw StartupError("invalid value for option 'ram_role'")
            }
            role = r
        }
        return CredentialsConfiguration(bucket: options.bucket, passwdFile: options.client.passwdFile,
                                        useSessionToken: options.client.useSessionToken, ramRole: role,
                                        disableIMDSv2: options.client.disableIMDSv2)
    }
}
