import ObjectStore

extension OSSClient {
    public func list(_ request: ListRequest) async throws -> ListPage {
        configuration.listObjectsV2 ? try await listObjectsV2(request).page : try await listObjectsV1(request).page
    }

    /// The HEADs and the listing go out together (`executeTogether`): from a FUSE worker, one round trip's wait
    /// with no thread hand-offs, which is most of a lookup's time on a small machine.
    public func headAll(_ keys: [ObjectKey], listing: ListRequest?) async -> HeadsAndListing {
        var requests = keys.map { APIRequest("HEAD", key: $0.rawValue) }
        if let listing { requests.append(listRequest(listing)) }
        let answers = await executeTogether(requests)
        let heads = zip(keys, answers).map { key, answer in answer.map { ResponseHeaders.metadata(key: key, $0.headers) } }
        let page = listing.map { _ in
            answers[keys.count].flatMap { response in
                Result { configuration.listObjectsV2 ? try ResponseDecoders.listV2(response.body).page
                                                     : try ResponseDecoders.listV1(response.body).page }
            }
        }
        return HeadsAndListing(heads: heads, listing: page)
    }

    private func listRequest(_ request: ListRequest) -> APIRequest {
        configuration.listObjectsV2 ? listV2Request(request) : listV1Request(request)
    }

    private func pageSize(_ request: ListRequest) -> String {
        String(min(max(request.maxKeys, 1), max(1, min(configuration.maxKeys, 1000))))
    }

    /// ListObjectsV2 with `encoding-type=url`; keys and tokens come back decoded.
    public func listObjectsV2(_ request: ListRequest) async throws -> ListObjectsV2Result {
        try ResponseDecoders.listV2(try await execute(listV2Request(request)).body)
    }

    private func listV2Request(_ request: ListRequest) -> APIRequest {
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
        return APIRequest("GET", key: nil, query: q)
    }

    /// ListObjects (v1) with `encoding-type=url`; the continuation token is the marker.
    public func listObjectsV1(_ request: ListRequest) async throws -> ListObjectsV1Result {
        try ResponseDecoders.listV1(try await execute(listV1Request(request)).body)
    }

    private func listV1Request(_ request: ListRequest) -> APIRequest {
        var q: [(name: String, value: String?)] = []
        if !request.prefix.isEmpty { q.append(("prefix", request.prefix)) }
        if let d = request.delimiter, !d.isEmpty { q.append(("delimiter", d)) }
        if let marker = request.continuationToken ?? request.startAfter { q.append(("marker", marker)) }
        q.append(("max-keys", pageSize(request)))
        q.append(("encoding-type", "url"))
        return APIRequest("GET", key: nil, query: q)
    }
}
