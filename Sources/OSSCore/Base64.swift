/// Standard base64 (RFC 4648 §4, with padding): V1 signatures, Content-MD5, x-oss-err.
public enum Base64 {
    private static let alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Maps an ASCII byte to its 6-bit value, 0xFF for bytes outside the alphabet.
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ b: some Collection<UInt8>) -> String {
        // Every V1 signature is encoded here: read the bytes in place and write the text straight into the String.
        withBytes(b) { input in
            let length = (input.count + 2) / 3 * 4
            guard length > 0 else { return "" }
            return String(unsafeUninitializedCapacity: length) { out in
                func symbol(_ n: UInt32, _ shift: UInt32) -> UInt8 { alphabet[Int(n >> shift & 63)] }
                var i = 0, o = 0
                while i + 3 <= input.count {
                    let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    out[o] = symbol(n, 18); out[o + 1] = symbol(n, 12); out[o + 2] = symbol(n, 6); out[o + 3] = symbol(n, 0)
                    i += 3
                    o += 4
                }
                switch input.count - i {
                case 1:
                    let n = UInt32(input[i]) << 16
                    out[o] = symbol(n, 18); out[o + 1] = symbol(n, 12); out[o + 2] = 0x3D; out[o + 3] = 0x3D
                case 2:
                    let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
                    out[o] = symbol(n, 18); out[o + 1] = symbol(n, 12); out[o + 2] = symbol(n, 6); out[o + 3] = 0x3D
                default:
                    break
                }
                return length
            }
        }
    }

    /// Decodes padded or unpadded base64. nil for characters outside the alphabet, misplaced padding,
    /// an impossible length, or non-zero trailing bits (so each byte string has exactly one encoding).
    public static func decode(_ s: String) -> [UInt8]? {
        var chars = Array(s.utf8)
        var padding = 0
        while let last = chars.last, last == 0x3D, padding < 2 {
            chars.removeLast()
            padding += 1
        }
        if padding > 0 && (chars.count + padding) % 4 != 0 { return nil }
        if chars.count % 4 == 1 { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in chars {
            let v = reverse[Int(c)]
            guard v != 0xFF else { return nil }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        guard acc == 0 else { return nil }
        return out
    }
}
