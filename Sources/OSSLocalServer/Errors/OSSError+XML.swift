import NIOCore
import OSSCore

extension OSSError {
    /// The error document, as OSS writes it: Code, Message, RequestId, HostId, the code's extras, EC.
    func xml(requestID: String, hostID: String) -> String {
        var writer = XMLWriter(root: "Error")
        writer.element("Code", code)
        writer.element("Message", message)
        writer.element("RequestId", requestID)
        writer.element("HostId", hostID)
        for (name, value) in extras { writer.element(name, value) }
        writer.element("EC", ec)
        return writer.finish()
    }

    /// The answer to send. HEAD answers carry no body: OSS puts the EC in `x-oss-ec` and the base64 of the
    /// document in `x-oss-err` instead. 304 carries no body either.
    func response(requestID: String, hostID: String, isHead: Bool) -> OSSResponse {
        let document = xml(requestID: requestID, hostID: hostID)
        var headers = self.headers
        headers.append(("x-oss-ec", ec))
        if isHead || status == .notModified {
            if isHead { headers.append(("x-oss-err", Base64.encode(Array(document.utf8)))) }
            return OSSResponse(status, headers: headers, body: .empty)
        }
        return .xml(document, status: status, headers: headers)
    }
}
