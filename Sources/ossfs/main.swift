#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import OSSFS

// ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o opt[=val],...] [-f] [-d] [-s]
//
// Order matters: everything before `Daemon.start()` runs with one thread (parsing, mount point checks), so the
// fork copies a whole process. Threads (tasks, curl) start only in the child.

let action: CommandLineAction
do {
    action = try CommandLineParser.parse(Array(CommandLine.arguments.dropFirst()), euid: geteuid(), egid: getegid())
} catch {
    writeStderr("ossfs: \(error)\n")
    exit(1)
}

var options: MountOptions
switch action {
case .help:
    print(HelpText.usage, terminator: "")
    exit(0)
case .version:
    print(HelpText.versionText, terminator: "")
    exit(0)
case .mount(let o):
    options = o
}

switch MountpointCheck.check(options.mountpoint, nonempty: options.nonempty) {
case .success(let absolute): options.mountpoint = absolute
case .failure(let e):
    writeStderr("ossfs: \(e)\n")
    exit(1)
}
// The daemon runs in /, so relative paths are fixed now.
options.client.passwdFile = options.client.passwdFile.map(absolutePath)
options.logFile = options.logFile.map(absolutePath)
options.filesystem.stagingDirectory = absolutePath(options.filesystem.stagingDirectory)
options.filesystem.cacheDirectory = options.filesystem.cacheDirectory.map(absolutePath)

let reporter = options.foreground ? StartupReporter(pipe: nil) : Daemon.start()
TerminationSignals.blockInEveryThreadToCome()

let sink: DaemonLog.Sink = options.logFile.map { .file($0) } ?? (options.foreground ? .stderr : .syslog)
let log = DaemonLog(sink: sink, level: options.logLevel)

/// Ends start-up with one line for the user and a non-zero exit.
func fail(_ reason: String) -> Never {
    log.log(.critical, reason)
    reporter.failed(reason)
    exit(1)
}

if let path = options.logFile, !log.fileIsOpen { fail("cannot open logfile=\(path): \(errnoText())") }
for notice in options.notices { log.log(.warning, notice) }

do {
    try StagingCheck.prepare(options)
} catch {
    fail("\(error)")
}

// Credentials: read (static sources) from a snapshot of the environment, then out of the environment before
// any thread exists that might call getenv.
let credentialsConfiguration: CredentialsConfiguration
do {
    credentialsConfiguration = try ClientSetup.credentials(options)
} catch {
    fail("\(error)")
}
CredentialScrub.removeFromEnvironment()

let clientConfiguration: ClientConfiguration
let client: OSSClient
let credentialsSource: CredentialsSource
do {
    clientConfiguration = try ClientSetup.configuration(options, log: log)
    let fetcher = try CurlMetadataFetcher()
    let made = try credentialsConfiguration.makeProvider(fetcher: fetcher) { line in log.log(.info, line) }
    credentialsSource = made.source
    for warning in made.warnings { log.log(.warning, warning) }
    client = try OSSClient(configuration: clientConfiguration, credentials: made.provider)
} catch let e as CredentialsError {
    fail(e.description)
} catch {
    fail("\(error)")
}
log.log(.info, "ossfs \(HelpText.version): bucket \(options.source) at \(clientConfiguration.endpoint), "
    + "signing \(client.signing), credentials from \(credentialsSource)")

// Start-up checks use a client that gives up sooner than the mount's: a wrong endpoint should fail in seconds.
do {
    var checkConfiguration = clientConfiguration
    checkConfiguration.retries = min(clientConfiguration.retries, 2)
    checkConfiguration.connectTimeout = min(clientConfiguration.connectTimeout, 20)
    checkConfiguration.readwriteTimeout = min(clientConfiguration.readwriteTimeout, 30)
    checkConfiguration.logger = nil   // the mount's client already logged its notices
    let made = try credentialsConfiguration.makeProvider(fetcher: try CurlMetadataFetcher())
    let checker = try OSSClient(configuration: checkConfiguration, credentials: made.provider)
    let expectedRegion: String? = switch client.signing {
    case .v4(let region): region
    case .v1: clientConfiguration.effectiveRegion
    }
    let context = BucketCheck.Context(bucket: options.bucket, prefix: options.prefix,
                                      endpoint: "\(clientConfiguration.endpoint)",
                                      credentialsSource: "\(credentialsSource)", expectedRegion: expectedRegion)
    let notices = try blocking { try await BucketCheck.run(store: checker, context) }
    for notice in notices { log.log(.warning, notice) }
} catch let e as CredentialsError {
    fail(e.description)
} catch {
    fail("\(error)")
}

let filesystem = Filesystem(store: client, configuration: options.filesystem)
let session: FuseSession
do {
    let mount = FuseMountConfiguration(mountpoint: options.mountpoint, options: options.libfuseOptions,
                                       fuseDebug: options.debugCount > 1, singleThreaded: options.singleThreaded,
                                       adapter: options.adapter)
    session = try FuseSession(filesystem: filesystem, configuration: mount, log: log.handler)
    try session.mount()
    try session.installSignalHandlers()
} catch {
    fail("\(error)")
}
DaemonLog.installSignalHandlers()

log.log(.info, "mounted \(options.source) on \(options.mountpoint)")
reporter.succeeded()
if reporter.isDaemon { Daemon.detachOutput() }

TerminationSignals.unblockInThisThread()
do {
    try session.run()
} catch {
    log.log(.error, "\(error)")
}
log.log(.info, "unmounting \(options.mountpoint); finishing pending uploads")
session.close()
log.log(.info, "unmounted \(options.mountpoint)")
exit(0)
