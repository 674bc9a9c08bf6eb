/// One element of a parsed document: the small DOM OSS request and response bodies need.
/// Names are local names (namespace prefixes dropped), since S3-style tools send xmlns on the root.
public final class XMLNode: Sendable {
    public let name: String
    /// The element's own text and CDATA, concatenated raw (not trimmed); text inside child elements is not
    /// included, so for leaf elements this is the whole content.
    public let text: String
    public let children: [XMLNode]
    /// Attributes by local name, in document order.
    public let attributes: [(name: String, value: String)]

    init(name: String, text: String, children: [XMLNode], attributes: [(name: String, value: String)] = []) {
        self.name = name
        self.text = text
        self.children = children
        self.attributes = attributes
    }

    /// The first child element with this local name.
    public func child(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// Every child element with this local name, in document order.
    public func children(_ name: String) -> [XMLNode] { children.filter { $0.name == name } }

    /// The text of the first child element with this name; nil when there is no such child.
    public func childText(_ name: String) -> String? { child(name)?.text }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
}

public enum XMLError: Error, Equatable, CustomStringConvertible {
    /// Not well-formed, too large, or using a forbidden construct (a DTD). The text says which.
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed XML: \(reason)"
        }
    }
}
