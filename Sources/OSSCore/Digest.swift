import CCrypto

/// Digests and HMACs through OpenSSL (the CCrypto shim). The shim only fails on allocation failure or an
/// unknown algorithm, neither of which a caller can handle, so failure is a precondition.
public enum Digest {
    public static func md5(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(OSSFS_DIGEST_MD5, bytes) }
    public static func sha1(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(OSSFS_DIGEST_SHA1, bytes) }
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(OSSFS_DIGEST_SHA256, bytes) }

    public static func hmacSHA1(key: some Collection<UInt8>, _ data: some Collection<UInt8>) -> [UInt8] {
        hmac(OSSFS_DIGEST_SHA1, key: key, data)
    }

    public static func hmacSHA256(key: some Collection<UInt8>, _ data: some Collection<UInt8>) -> [UInt8] {
        hmac(OSSFS_DIGEST_SHA256, key: key, data)
    }

    private static func digest(_ alg: ossfs_digest_alg, _ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ossfs_digest_length(alg))
        let rc = withBytes(bytes) { input in
            out.withUnsafeMutableBufferPointer { ossfs_digest(alg, input.baseAddress, input.count, $0.baseAddress!) }
        }
        precondition(rc == 0, "OpenSSL digest failed")
        return out
    }

    private static func hmac(_ alg: ossfs_digest_alg, key: some Collection<UInt8>, _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ossfs_digest_length(alg))
        let rc = withBytes(key) { k in
            withBytes(data) { d in
                out.withUnsafeMutableBufferPointer {
                    ossfs_hmac(alg, k.baseAddress, k.count, d.baseAddress, d.count, $0.baseAddress!)
                }
            }
        }
        precondition(rc == 0, "OpenSSL HMAC failed")
        return out
    }
}

/// An HMAC key prepared once for many messages. Signing every request with the same secret through the
/// one-shot `Digest.hmacSHA1` redoes OpenSSL's algorithm fetch and key schedule each time; this keeps the keyed
/// state and resets a context to it per message. Sendable: ossfs_hmac_key_mac is thread-safe (the keyed
/// template is only read, its spare contexts are kept under a mutex).
public final class HMACKey: @unchecked Sendable {
    private let key: OpaquePointer
    private let length: Int

    public convenience init(sha1 key: some Collection<UInt8>) { self.init(OSSFS_DIGEST_SHA1, key) }
    public convenience init(sha256 key: some Collection<UInt8>) { self.init(OSSFS_DIGEST_SHA256, key) }

    private init(_ alg: ossfs_digest_alg, _ key: some Collection<UInt8>) {
        guard let k = withBytes(key, { ossfs_hmac_key_new(alg, $0.baseAddress, $0.count) }) else {
            preconditionFailure("OpenSSL HMAC key setup failed")
        }
        self.key = k
        length = ossfs_digest_length(alg)
    }

    deinit { ossfs_hmac_key_free(key) }

    /// The HMAC of `data`: the same bytes `Digest.hmacSHA1` / `hmacSHA256` give for this key.
    public func authenticate(_ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let rc = withBytes(data) { d in
            out.withUnsafeMutableBufferPointer { ossfs_hmac_key_mac(key, d.baseAddress, d.count, $0.baseAddress!) }
        }
        precondition(rc == 0, "OpenSSL HMAC failed")
        return out
    }
}

/// Runs `body` over the bytes in place when the collection is contiguous, otherwise over a copy.
func withBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let r = bytes.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
    return Array(bytes).withUnsafeBytes(body)
}

/// Incremental MD5 for bodies that arrive in pieces (Content-MD5 of a large part). Not thread-safe;
/// finalize exactly once.
public final class MD5Stream {
    private var context: OpaquePointer?

    public init() {
        guard let ctx = ossfs_digest_new(OSSFS_DIGEST_MD5) else { preconditionFailure("OpenSSL MD5 init failed") }
        context = ctx
    }

    public func update(_ b: UnsafeRawBufferPointer) {
        guard let context else { preconditionFailure("MD5Stream.update after finalize") }
        precondition(ossfs_digest_update(context, b.baseAddress, b.count) == 0, "OpenSSL MD5 update failed")
    }

    public func finalize() -> [UInt8] {
        guard let ctx = context else { preconditionFailure("MD5Stream.finalize called twice") }
        context = nil
        var out = [UInt8](repeating: 0, count: 16)
        let rc = out.withUnsafeMutableBufferPointer { ossfs_digest_final(ctx, $0.baseAddress!) }
        precondition(rc == 0, "OpenSSL MD5 final failed")
        return out
    }

    deinit { ossfs_digest_free(context) }
}
