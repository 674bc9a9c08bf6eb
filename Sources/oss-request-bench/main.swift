// oss-request-bench: the CPU one small request costs the client. Sends N HeadObject, 4 KiB GetObject or ranged
// 4 KiB GetObject (`range`, as a random read sends) calls through OSSClient (signing, libcurl transport, header parsing, CRC check) with K in flight, and prints
// requests/s and the client process's CPU time per request. Point it at a release oss-local; timings are
// figures to compare, never test assertions.
//
// Usage: OSS_ACCESS_KEY_ID=.. OSS_ACCESS_KEY_SECRET=.. oss-request-bench URL BUCKET [head|get|range] [N] [K] [T]
// (T: curl I/O threads, default 1; T=0 carries each request out on a thread `BlockingCaller` marks, one at a time,
// as a FUSE worker does, and ignores K). OSS_REQUEST_BENCH_SIGNING=v1 (default: what ossfs's sigv1 mounts use) or v4
// (region OSS_REQUEST_BENCH_REGION, default cn-hangzhou like oss-local's).
#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import OSSClient
import OSSCore

func fail(_ message: String) -> Never {
    fputs("oss-request-bench: \(message)\n", stderr)
    exit(2)
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func wallSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: oss-request-bench URL BUCKET [head|get|range] [N] [K] [T]") }
let operation = arguments.count > 3 ? arguments[3] : "head"
let total = arguments.count > 4 ? Int(arguments[4]) ?? 20_000 : 20_000
let inFlight = arguments.count > 5 ? Int(arguments[5]) ?? 32 : 32
let ioThreads = arguments.count > 6 ? Int(arguments[6]) ?? 1 : 1
/// T=0: requests carried out by the calling thread, the path a FUSE worker's requests take.
let onCallingThread = ioThreads == 0
guard ["head", "get", "range"].contains(operation) else { fail("operation must be head, get or range") }
let environment = ProcessEnvironment.current()
guard let id = environment["OSS_ACCESS_KEY_ID"], let secret = environment["OSS_ACCESS_KEY_SECRET"] else {
    fail("set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET")
}

let signing: SignatureVersionChoice
switch environment["OSS_REQUEST_BENCH_SIGNING"] ?? "v1" {
case "v1": signing = .v1
case "v4": signing = .v4
default: fail("OSS_REQUEST_BENCH_SIGNING must be v1 or v4")
}

let endpoint: Endpoint
do { endpoint = try Endpoint(parsing: arguments[1]) } catch { fail("\(error)") }
let client: OSSClient
do {
    let credentials = StaticCredentialsProvider(Credentials(accessKeyID: id, accessKeySecret: secret))
    var configuration = ClientConfiguration(endpoint: endpoint, bucket: arguments[2])
    configuration.transportThreads = max(1, ioThreads)
    configuration.signatureVersion = signing
    if signing == .v4 { configuration.region = environment["OSS_REQUEST_BENCH_REGION"] ?? "cn-hangzhou" }
    client = try OSSClient(configuration: configuration, credentials: credentials)
} catch { fail("\(error)") }

let key = ObjectKey("oss-request-bench/object-4k")
let body = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }
/// `range` reads the second 4 KiB of this one: a 206 answer with a Content-Range, as a random read gets.
let rangedKey = ObjectKey("oss-request-bench/object-64k")
let rangedBody = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
let range: Range<UInt64> = 4096..<8192

/// memcmp: comparing arrays element by element would cost this bench more than some of what it measures.
@Sendable func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
    a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
}

/// One request, checked.
@Sendable func request() async throws {
    if operation == "head" {
        let metadata = try await client.head(key)
        guard metadata.size == 4096 else { fail("HEAD size \(metadata.size)") }
    } else if operation == "get" {
        let (_, bytes) = try await client.get(key, range: nil, conditions: GetConditions())
        guard same(bytes, body[...]) else { fail("GET returned other bytes") }
    } else {
        let (_, bytes) = try await client.get(rangedKey, range: range, conditions: GetConditions())
        guard same(bytes, rangedBody[Int(range.lowerBound)..<Int(range.upperBound)]) else {
            fail("ranged GET returned other bytes")
        }
    }
}

/// Runs `count` requests one after another on a thread of its own that `BlockingCaller` marks: each starts as
/// an immediate task there, as FuseAdapter starts a request's work, and its request never leaves that thread.
func runOnCallingThread(_ count: Int) {
    final class Box: @unchecked Sendable { var failure: (any Error)?; var count = 0; var finished = false }
    let box = Box()
    box.count = count
    var thread = pthread_t()
    let context = Unmanaged.passRetained(box).toOpaque()
    let rc = pthread_create(&thread, nil, { arg in
        let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
        var done = 0
        while done < box.count, box.failure == nil {
            box.finished = false
            _ = BlockingCaller.allowed {
                Task.immediate {
                    do { try await request() } catch { box.failure = error }
                    box.finished = true
                }
            }
            guard box.finished else { fail("a request left the calling thread") }
            done += 1
        }
        return nil
    }, context)
    guard rc == 0 else { fail("pthread_create failed") }
    pthread_join(thread, nil)
    if let failure = box.failure { fail("\(failure)") }
}

/// Runs `count` requests, `inFlight` at a time, each checked.
func run(_ count: Int) async throws {
    if onCallingThread { return runOnCallingThread(count) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        var started = 0
        func launch() {
            started += 1
            group.addTask { try await request() }
        }
        while started < min(inFlight, count) { launch() }
        while try await group.next() != nil {
            if started < count { launch() }
        }
    }
}

do {
    _ = try await client.put(key, payload: .bytes(body), options: WriteOptions())
    _ = try await client.put(rangedKey, payload: .bytes(rangedBody), options: WriteOptions())
    try await run(min(total, 1000))   // warm up connections and caches
    let cpu0 = cpuSeconds(), wall0 = wallSeconds()
    try await run(total)
    let cpu = cpuSeconds() - cpu0, wall = wallSeconds() - wall0
    let rate = Int(Double(total) / wall), micros = Int(cpu / Double(total) * 1e6)
    print("\(operation) (\(signing.rawValue)): \(total) requests, \(onCallingThread ? "1 in flight on the calling thread" : "\(inFlight) in flight, \(ioThreads) I/O threads"): \(rate) requests/s, client CPU \(micros) us/request "
        + "(\(Int(cpu * 1000)) ms CPU, \(Int(wall * 1000)) ms wall)")
} catch {
    fail("\(error)")
}
