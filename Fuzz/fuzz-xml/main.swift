// libFuzzer target: OSSCore's XML parser on arbitrary bytes, and the writer/escaper round trip.
// Properties checked (a violation traps, which libFuzzer reports with the input):
// - XML.parse returns a tree or throws XMLError; it never crashes, hangs or leaks (ASan);
// - any text, put through XMLWriter (XML.escape), parses back to exactly that text when it
//   contains only characters XML 1.0 can carry.
import OSSCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let root = try? XML.parse(bytes) {
        walk(root, depth: 0)
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        roundTrip(text)
    }
    return 0
}

/// Touches every node's name, text and lookups, as the decoders do.
private func walk(_ node: XMLNode, depth: Int) {
    precondition(depth < 10_000, "tree deeper than libxml2 allows")
    _ = node.name.utf8.count + node.text.utf8.count
    for child in node.children {
        precondition(node.child(child.name) != nil, "child(\(child.name)) misses an existing child")
        _ = node.childText(child.name)
        walk(child, depth: depth + 1)
    }
}

/// Characters XML 1.0 can represent at all (Char production), after which the text must survive.
private func representable(_ s: String) -> Bool {
    s.unicodeScalars.allSatisfy { u in
        switch u.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}

private func roundTrip(_ text: String) {
    var w = XMLWriter(root: "R")
    w.element("Key", text)
    let document = w.finish()
    guard let parsed = try? XML.parse(Array(document.utf8)) else {
        precondition(!representable(text), "writer output does not parse for representable text: \(document.debugDescription)")
        return
    }
    if representable(text) {
        let back = parsed.childText("Key") ?? ""
        precondition(back == text, "round trip changed \(text.debugDescription) into \(back.debugDescription)")
    }
}
