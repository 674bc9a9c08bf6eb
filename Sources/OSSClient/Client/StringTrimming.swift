/// Header values and XML texts are compared without the spaces and tabs around them.
/// (Its own file so the response decoders build without the curl transport, as the fuzz target does.)
extension String {
    /// Read as UTF-8 (a Character walk costs several times more), and the string itself when nothing is
    /// trimmed: each listed object passes a few of its texts through here.
    func trimmingSpaces() -> String {
        let bytes = utf8
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = bytes.first, let last = bytes.last, isBlank(first) || isBlank(last) else { return self }
        guard let lo = bytes.firstIndex(where: { !isBlank($0) }) else { return "" }
        let hi = bytes.lastIndex(where: { !isBlank($0) })!
        return String(Substring(bytes[lo...hi]))   // both ends sit on ASCII boundaries
    }
}
