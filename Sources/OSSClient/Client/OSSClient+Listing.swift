import ObjectStore

extension OSSClient {
    public func list(_ request: ListRequest) async throws -> ListPage {
        configuration.listObjectsV2 ? try await listObjectsV2(request).page : try await listObjectsV1(request).page
    }

    private func pageSize(_ request: ListRequest) -> String {
        String(min(max(request.maxKeys, 1), max(1, min(configuration.maxKeys, 1000))))
    }

    /// ListObjectsV2 with `encoding-type=url`; keys and tokens come back decoded.
    public func listObjectsV2(_ request: ListRequest) async throws -> ListObjectsV2Result {
        var q: [(name: String, value: String?)] = [("list-type", "2")]
        if !request.prefix.isEmpty { q.append(("prefix", request.prefix)) }
        if let d = request.delimiter, !d.isEmpty { q.append(("delimiter", d)) }
        if let t = request.continuationToken {
            q.append(("continuation-token", t))
        } else if let s = request.startAfter {
            q.append(("start-after", s))
        }
        q.append(("max-keys", pageSize(request)))
        q.append(("encoding-type", "url"))
        let response = try await execute(APIRequest("GET", key: nil, query: q))
        return try ResponseDecoders.listV2(response.body)
    }

    /// ListObjects (v1) with `encoding-type=url`; the continuation token is the marker.
    public func listObjectsV1(_ request: ListRequest) async throws -> ListObjectsV1Result {
        var q: [(name: String, value: String?)] = []
        if !request.prefix.isEmpty { q.append(("prefix", request.prefix)) }
        if let d = request.delimiter, !d.isEmpty { q.append(("delimiter", d)) }
        if let marker = request.continuationToken ?? request.startAfter { q.append(("marker", marker)) }
        q.append(("max-keys", pageSize(request)))
        q.append(("encoding-type", "url"))
        let response = try await execute(APIRequest("GET", key: nil, query: q))
        return try ResponseDecoders.listV1(response.body)
    }
}
