import ObjectStore

/// ListObjects (v1), keys URL-decoded.
public struct ListObjectsV1Result: Sendable, Hashable {
    public var name: String
    public var prefix: String
    public var marker: String
    public var delimiter: String?
    public var maxKeys: Int
    public var isTruncated: Bool
    public var nextMarker: String?
    public var objects: [ListedObject]
    public var commonPrefixes: [String]

    /// As a page: the next token is NextMarker (or, if the server left it out, the last key or prefix).
    public var page: ListPage {
        var next: String?
        if isTruncated {
            next = nextMarker ?? [objects.last?.key.rawValue, commonPrefixes.last].compactMap { $0 }.max {
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
        }
        return ListPage(objects: objects, commonPrefixes: commonPrefixes, nextToken: next)
    }
}

/// ListObjectsV2, keys and tokens URL-decoded.
public struct ListObjectsV2Result: Sendable, Hashable {
    public var name: String
    public var prefix: String
    public var delimiter: String?
    public var startAfter: String?
    public var continuationToken: String?
    public var nextContinuationToken: String?
    public var maxKeys: Int
    public var keyCount: Int?
    public var isTruncated: Bool
    public var objects: [ListedObject]
    public var commonPrefixes: [String]

    public var page: ListPage {
        ListPage(objects: objects, commonPrefixes: commonPrefixes,
                 nextToken: isTruncated ? nextContinuationToken : nil)
    }
}
