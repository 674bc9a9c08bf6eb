/// One option of a mount-style list: `name` or `name=value`.
struct MountOption: Equatable {
    var name: String
    var value: String?

    /// As ossfs reads it inside one `-o` list: commas and backslashes escaped with a backslash.
    var escaped: String {
        let text = value.map { "\(name)=\($0)" } ?? name
        var out = ""
        for c in text {
            if c == "," || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

/// Mount-style option lists: comma-separated, `\,` (any `\c`) for a literal character, and libmount's
/// double quotes (`fsname="a,b"`), inside which commas do not separate. Quotes and escapes are removed.
enum OptionList {
    static func parse(_ list: String) -> [MountOption] {
        var items: [String] = []
        var current = ""
        var escaped = false
        var quoted = false
        for c in list {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                quoted.toggle()
            } else if c == "," && !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if escaped { current.append("\\") }
        items.append(current)
        return items.filter { !$0.isEmpty }.map { item in
            guard let eq = item.firstIndex(of: "=") else { return MountOption(name: item, value: nil) }
            return MountOption(name: String(item[..<eq]), value: String(item[item.index(after: eq)...]))
        }
    }

    /// The list ossfs gets after `-o`.
    static func join(_ options: [MountOption]) -> String {
        options.map(\.escaped).joined(separator: ",")
    }
}
