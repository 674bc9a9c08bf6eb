#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import OSSFS

/// `ossfs --incomplete-mpu-list BUCKET` and `--incomplete-mpu-abort[=AGE] BUCKET` (ossfs 1.x's utility
/// mode): the client options and credentials as for a mount, no mount; one line per upload on stdout.
enum IncompleteUploadsMode {
    static func run(_ options: MountOptions, _ command: IncompleteUploadsCommand) -> Never {
        let log = DaemonLog(sink: .stderr, level: options.logLevel)
        do {
            let credentials = try ClientSetup.credentials(options)
            CredentialScrub.removeFromEnvironment()
            let configuration = try ClientSetup.configuration(options, log: log)
            let made = try credentials.makeProvider(fetcher: try CurlMetadataFetcher()) { line in log.log(.info, line) }
            let client = try OSSClient(configuration: configuration, credentials: made.provider)
            let prefix = options.prefix
            switch command {
            case .list:
                let uploads = try blocking { try await IncompleteUploads.list(client, prefix: prefix) }
                if uploads.isEmpty { print("no incomplete multipart uploads under \(options.source)") }
                for u in uploads { print(IncompleteUploads.describe(u)) }
            case .abort(let age):
                let now = FilesystemClock.system.now()
                let aborted = try blocking {
                    try await IncompleteUploads.abort(client, prefix: prefix, olderThan: age, now: now)
                }
                for u in aborted { print("aborted\t\(IncompleteUploads.describe(u))") }
                print("\(aborted.count) incomplete multipart upload(s) aborted under \(options.source)")
            }
            exit(0)
        } catch let e as CredentialsError {
            writeStderr("ossfs: \(e.description)\n")
        } catch {
            writeStderr("ossfs: \(error)\n")
        }
        exit(1)
    }
}
