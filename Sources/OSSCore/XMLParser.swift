import CXML

extension XML {
    /// Larger bodies are refused before parsing. The largest legitimate OSS bodies (a 10000-part
    /// CompleteMultipartUpload, a 1000-key Delete or listing with long keys) stay well under this.
    public static let defaultMaximumSize = 32 << 20

    /// Options for every parse. Safe by construction:
    /// - NONET: never fetch anything over the network;
    /// - no NOENT / DTDLOAD / DTDATTR / XINCLUDE: no entity substitution, no external subset, no includes;
    /// - IGNORE_ENC with an explicit UTF-8 encoding: OSS XML is UTF-8, and a fixed encoding makes the
    ///   byte-level DOCTYPE check below sound (no UTF-16 disguise);
    /// - NOERROR / NOWARNING: errors come back as values, not as text on stderr;
    /// - no HUGE: libxml2's built-in depth and text-length limits stay on.
    private static let options: Int32 = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue
        | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)

    /// libxml2 must be initialised once before it is used from several threads.
    private static let initialised: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses a whole document into an XMLNode tree rooted at the document element.
    /// Throws XMLError.malformed for anything not well-formed, larger than `maximumSize`, or carrying a
    /// DOCTYPE (the door to XXE and entity-expansion attacks; no OSS body has one).
    public static func parse(_ bytes: some Collection<UInt8>, maximumSize: Int = defaultMaximumSize) throws -> XMLNode {
        precondition(initialised)
        guard bytes.count <= maximumSize else {
            throw XMLError.malformed("document of \(bytes.count) bytes exceeds the \(maximumSize)-byte limit")
        }
        return try withBytes(bytes) { buffer -> Result<XMLNode, XMLError> in
            if contains(buffer, Array("<!DOCTYPE".utf8)) { return .failure(.malformed("DOCTYPE is not allowed")) }
            guard let ctxt = xmlNewParserCtxt() else { return .failure(.malformed("out of memory")) }
            defer { xmlFreeParserCtxt(ctxt) }
            guard let base = buffer.baseAddress, buffer.count > 0 else { return .failure(.malformed("empty document")) }
            guard let doc = xmlCtxtReadMemory(ctxt, base.assumingMemoryBound(to: CChar.self), Int32(buffer.count),
                                              nil, "UTF-8", options)
            else { return .failure(.malformed(lastError(ctxt))) }
            defer { xmlFreeDoc(doc) }
            guard ctxt.pointee.wellFormed != 0 else { return .failure(.malformed(lastError(ctxt))) }
            guard doc.pointee.intSubset == nil, doc.pointee.extSubset == nil else {
                return .failure(.malformed("DOCTYPE is not allowed"))
            }
            guard let root = xmlDocGetRootElement(doc) else { return .failure(.malformed("no root element")) }
            return .success(node(root))
        }.get()
    }

    /// Builds the Swift tree. Depth is bounded by libxml2's own nesting limit (256 without XML_PARSE_HUGE).
    private static func node(_ element: xmlNodePtr) -> XMLNode {
        var text = ""
        var children: [XMLNode] = []
        var child = element.pointee.children
        while let c = child {
            switch c.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(node(c))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = c.pointee.content { text += String(cString: content) }
            default:
                break   // comments, processing instructions
            }
            child = c.pointee.next
        }
        var attributes: [(name: String, value: String)] = []
        var attr = element.pointee.properties
        while let a = attr {
            var value = ""
            var valueNode = a.pointee.children
            while let v = valueNode {
                if let content = v.pointee.content { value += String(cString: content) }
                valueNode = v.pointee.next
            }
            attributes.append((name: String(cString: a.pointee.name), value: value))
            attr = a.pointee.next
        }
        return XMLNode(name: String(cString: element.pointee.name), text: text, children: children,
                       attributes: attributes)
    }

    private static func lastError(_ ctxt: xmlParserCtxtPtr) -> String {
        let error = ctxt.pointee.lastError
        guard let message = error.message else { return "not well-formed" }
        let text = ASCII.trimmed(String(cString: message))
        return error.line > 0 ? "line \(error.line): \(text)" : text
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == needle[0] {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
