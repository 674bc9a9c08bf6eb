import NIOHTTP1

extension ServerContext {
    /// Resolves, routes and authenticates a request head. Runs on the event loop: no disk I/O.
    func plan(_ head: HTTPRequestHead) -> Result<RequestPlan, OSSError> {
        let request: OSSRequest
        switch addressing.resolve(head) {
        case .failure(let error): return .failure(error)
        case .success(let r): request = r
        }
        let operation: OSSOperation
        switch OSSOperation.route(request) {
        case .failure(let error): return .failure(error)
        case .success(let op): operation = op
        }
        var bucket: BucketStore?
        if let name = request.bucket {
            guard let store = engine.bucket(name) else { return .failure(.noSuchBucket(name)) }
            bucket = store
        }
        do {
            try authenticator.authenticate(request, bucketRegion: bucket.map { $0.definition.region }, now: now())
        } catch {
            return .failure(OSSError.from(error))
        }
        return .success(RequestPlan(request: request, operation: operation, bucket: bucket))
    }
}
