/// Builds `<?xml version="1.0" encoding="UTF-8"?>\n<Root>…</Root>` element by element.
public struct XMLWriter {
    private var output: String
    /// Open elements, root first; close() must match the innermost.
    private var open: [String]

    public init(root: String) {
        output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(root)>"
        open = [root]
    }

    /// `<name>escaped text</name>`
    public mutating func element(_ name: String, _ text: String) {
        output += "<\(name)>\(XML.escape(text))</\(name)>"
    }

    public mutating func open(_ name: String) {
        output += "<\(name)>"
        open.append(name)
    }

    public mutating func close(_ name: String) {
        precondition(open.count > 1 && open.last == name, "XMLWriter.close(\(name)) does not match the open element")
        open.removeLast()
        output += "</\(name)>"
    }

    /// The document, with every still-open element (and the root) closed.
    public func finish() -> String {
        output + open.reversed().map { "</\($0)>" }.joined()
    }
}
