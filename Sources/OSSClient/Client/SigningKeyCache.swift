import OSSCore

/// The prepared HMAC key of the secret this client signs with, so that a request costs a copy of the keyed
/// state rather than a fresh key setup. Keyed by the secret itself: credentials rotate (RAM role refresh,
/// passwd file reload) and the next request with a new secret prepares a new key. `scope` carries whatever
/// else the key is derived from (V4: day and region). One entry: a client signs with one secret at a time.
final class SigningKeyCache: Sendable {
    private struct Entry: Sendable {
        let secret: String
        let scope: String
        let key: HMACKey
    }

    private let entry = Locked<Entry?>(nil)

    init() {}

    /// The key for `secret` in `scope`, from `prepare` when the cached one was made for anything else.
    func key(secret: String, scope: String, prepare: () -> HMACKey) -> HMACKey {
        if let cached = entry.withLock({ $0 }), cached.secret == secret, cached.scope == scope { return cached.key }
        let key = prepare()   // outside the lock: preparing is the slow part
        entry.withLock { $0 = Entry(secret: secret, scope: scope, key: key) }
        return key
    }
}
