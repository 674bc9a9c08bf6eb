import ObjectStore
import OSSCore

/// Read-ahead across files: small files looked up or opened one after another in the order a listing showed
/// them (`cat dir/*`, `grep -r`, `tar c`, a training epoch over a directory) are fetched `ahead` names in
/// advance, in parallel, instead of one request at a time as each open comes. The bodies go to
/// `LookupBodies` (and the metadata their answers carry to the stat cache), where the lookup and open of the
/// name find them with no request of their own.
///
/// Only a sequence starts it: the first name touched in a listing fetches nothing, the next one in listing
/// order starts the window, so `ls`, `stat` of one name or an editor opening a file cost no extra request,
/// and a walk in another order costs at most `ahead` requests per restart. Files larger than `sizeLimit`
/// are left to the file read-ahead (Prefetcher).
/// LOCK ORDER: `state` is a leaf lock.
final class DirectoryReadahead: Sendable {
    /// Fetches one listed file's body (size as listed) into LookupBodies and its metadata into the cache.
    typealias Fetch = @Sendable (_ path: FSPath, _ size: UInt64) async -> Void

    private struct Listing {
        var names: [String] = []
        var sizes: [UInt64] = []
        var index: [ExactString: Int] = [:]   // by bytes, as names are
        /// The position last looked up or opened, and the last one a fetch was started for.
        var last = -2
        var frontier = -1
        let stored: Timestamp
    }
    private struct State {
        var listings: [FSPath: Listing] = [:]
        var inFlight: [FSPath: Task<Void, Never>] = [:]
    }

    private let state = Locked(State())
    private let ahead: Int
    private let sizeLimit: UInt64
    private let maxListings: Int
    private let lifetime: Double

    init(ahead: Int = 32, sizeLimit: UInt64 = 64 << 10, maxListings: Int = 8, lifetime: Double = 60) {
        self.ahead = ahead
        self.sizeLimit = sizeLimit
        self.maxListings = maxListings
        self.lifetime = lifetime
    }

    /// A whole listing of `dir` just read: its small files, in order, replace what was known of it.
    func remember(_ dir: FSPath, files: [(name: String, size: UInt64)], now: Timestamp) {
        var listing = Listing(stored: now)
        for f in files where f.size > 0 && f.size <= sizeLimit {
            listing.index[ExactString(f.name)] = listing.names.count
            listing.names.append(f.name)
            listing.sizes.append(f.size)
        }
        state.withLock { s in
            s.listings = s.listings.filter { now < $0.value.stored.adding(seconds: lifetime) }
            if s.listings[dir] == nil, s.listings.count >= maxListings,
               let oldest = s.listings.min(by: { $0.value.stored < $1.value.stored })?.key
            {
                s.listings[oldest] = nil
            }
            s.listings[dir] = listing.names.isEmpty ? nil : listing
        }
    }

    /// `path` is being looked up or opened: when it follows the name touched before it in its listing, the
    /// next `ahead` small files are fetched with `fetch` (those not fetched yet).
    func touched(_ path: FSPath, now: Timestamp, fetch: @escaping Fetch) {
        let dir = path.parent
        state.withLock { s in
            guard var l = s.listings[dir], now < l.stored.adding(seconds: lifetime), let i = l.index[ExactString(path.name)],
                  i != l.last else { return }
            let sequential = i == l.last + 1
            l.last = i
            defer { s.listings[dir] = l }
            guard sequential else { return }
            let end = min(l.names.count, i + 1 + ahead)
            let from = max(l.frontier + 1, i + 1)
            guard from < end else { return }
            l.frontier = end - 1
            for n in from..<end {
                let child = dir.appending(l.names[n])
                guard s.inFlight[child] == nil else { continue }
                let size = l.sizes[n]
                // Made under the lock, so it is in `inFlight` before its own removal can run.
                s.inFlight[child] = Task {
                    await fetch(child, size)
                    self.state.withLock { _ = $0.inFlight.removeValue(forKey: child) }
                }
            }
        }
    }

    /// Waits for the fetch of `path` if one is under way, so a lookup does not send the same request again.
    func wait(for path: FSPath) async {
        guard let task = state.withLock({ $0.inFlight[path] }) else { return }
        await task.value
    }

    /// For tests: fetches under way.
    var inFlightCount: Int { state.withLock { $0.inFlight.count } }
}
