/// Checks that need only the request head, done before an upload body is accepted, so a bad request fails
/// before its bytes are staged.
enum Preflight {
    static func check(_ plan: RequestPlan) throws {
        let request = plan.request
        guard plan.bucket != nil, !request.key.isEmpty else { return }
        try KeyRules.validate(request.key)
        switch plan.operation {
        case .putObject, .appendObject, .uploadPart:
            let length = request.header("content-length")
            let chunked = request.header("transfer-encoding")?.lowercased().contains("chunked") == true
            if length == nil, !chunked { throw OSSError.missingContentLength }
            if let length, let n = UInt64(length), n > StorageLimits.maxObjectSize { throw OSSError.entityTooLarge }
            if plan.operation != .uploadPart { _ = try RequestAttributes.attributes(request, bucket: plan.bucket!) }
            if plan.operation == .appendObject { _ = try RequestAttributes.appendPosition(request) }
            if plan.operation == .uploadPart { _ = try RequestAttributes.partNumber(request) }
        default:
            break
        }
    }
}
