import ObjectStore
import OSSCore

/// Turns a non-2xx answer into an `OSSServiceError`: from the error XML body, else from HEAD's base64
/// `x-oss-err` header, else from the bare status.
enum ErrorDecoder {
    static func decode(status: Int, headers: HTTPHeaders, body: [UInt8]) -> OSSServiceError {
        var error: OSSServiceError?
        if !body.isEmpty, let root = try? XML.parse(body), root.name == "Error" {
            error = fromXML(root, status: status)
        }
        if error == nil, let encoded = headers["x-oss-err"], let xml = Base64.decode(encoded),
           let root = try? XML.parse(xml), root.name == "Error"
        {
            error = fromXML(root, status: status)
        }
        var e = error ?? OSSServiceError(status: status, code: codeForBareStatus(status),
                                         message: "HTTP \(status) without an error document")
        if e.requestID == nil { e.requestID = headers["x-oss-request-id"] }
        if e.ec == nil { e.ec = headers["x-oss-ec"] }
        // AppendObject's 409 tells where the object ends now.
        if let next = headers["x-oss-next-append-position"] { e.details["NextAppendPosition"] = next }
        return e
    }

    static func fromXML(_ root: XMLNode, status: Int) -> OSSServiceError {
        var details: [String: String] = [:]
        for child in root.children where !["Code", "Message", "RequestId", "HostId", "EC"].contains(child.name) {
            // The hex echoes (`StringToSignBytes`, `CanonicalRequestBytes`) would carry an STS token in hex;
            // the text echoes keep their use with the token taken out.
            if child.name.hasSuffix("Bytes") { continue }
            details[child.name] = Redaction.signingText(child.text)
        }
        let code = root.childText("Code")?.trimmingSpaces() ?? ""
        return OSSServiceError(
            status: status, code: code.isEmpty ? codeForBareStatus(status) : OSSErrorCode(code),
            message: root.childText("Message") ?? "", requestID: root.childText("RequestId"),
            hostID: root.childText("HostId"), ec: root.childText("EC"), details: details)
    }

    /// What a status alone most likely means (HEAD answers without `x-oss-err`, proxies, load balancers).
    static func codeForBareStatus(_ status: Int) -> OSSErrorCode {
        switch status {
        case 304: .notModified
        case 400: .invalidArgument
        case 403: .accessDenied
        case 404: .noSuchKey
        case 409: .other("Conflict")
        case 411: .missingContentLength
        case 412: .preconditionFailed
        case 416: .invalidRange
        case 429: .slowDown
        case 503: .serviceUnavailable
        case 500...599: .internalError
        default: .other("HTTP\(status)")
        }
    }
}
