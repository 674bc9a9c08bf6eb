/// Prints a command the way a shell would take it back, for -f and -v.
enum ShellQuote {
    static func command(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:=,@%+".contains($0)) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences("'", "'\\''") + "'"
    }
}

private extension String {
    func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
