import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local protocol")
struct ServerProtocolTests {
    @Test func pathStyleAndVirtualHostedReachTheSameObject() throws {
        try TestServer.with { s in
            #expect(try s.request("PUT", "目录/a b+c.txt", body: bytes("same"), virtualHosted: true).status == 200)
            let path = try s.request("GET", "目录/a b+c.txt")
            #expect(path.status == 200)
            #expect(path.text == "same")
            let hosted = try s.request("GET", "目录/a b+c.txt", signing: .v4, virtualHosted: true)
            #expect(hosted.text == "same")
            // `+` in a path is a literal plus, not a space.
            let space = try s.request("GET", "目录/a b c.txt")
            #expect(space.status == 404)
        }
    }

    @Test func responseOverridesThatCouldSplitTheHeaderAreIgnored() throws {
        try TestServer.with { s in
            #expect(try s.request("PUT", "doc", body: bytes("x")).status == 200)
            let plain = try s.request("GET", "doc", query: [("response-content-disposition", "attachment")])
            #expect(plain.header("Content-Disposition") == "attachment")
            // Response headers are not re-validated on the way out: the server must not echo CR/LF from the URL.
            let split = try s.request("GET", "doc", query: [("response-content-disposition", "a\r\nX-Injected: 1")])
            #expect(split.status == 200 && split.text == "x")
            #expect(split.header("Content-Disposition") == nil && split.header("X-Injected") == nil)
        }
    }

    @Test func unknownBucketIsNoSuchBucket() throws {
        try TestServer.with { s in
            let r = try s.request("GET", "k", bucket: "nosuchbucket")
            #expect(r.status == 404)
            #expect(r.xmlText("Code") == "NoSuchBucket")
            #expect(r.xmlText("BucketName") == "nosuchbucket")
        }
    }

    @Test func errorDocumentHasTheOSSShape() throws {
        try TestServer.with { s in
            let r = try s.request("GET", "missing/key")
            #expect(r.status == 404)
            #expect(r.header("Content-Type") == "application/xml")
            let root = try XML.parse(r.body)
            #expect(root.name == "Error")
            #expect(root.children.map(\.name) == ["Code", "Message", "RequestId", "HostId", "Key", "EC"])
            #expect(root.childText("Code") == "NoSuchKey")
            #expect(root.childText("RequestId") == r.header("x-oss-request-id"))
            #expect(root.childText("HostId") == "127.0.0.1")
            let id = try #require(r.header("x-oss-request-id"))
            #expect(id.count == 24 && id.allSatisfy(\.isHexDigit))
            #expect(r.header("Server") == "AliyunOSS")
            #expect(r.header("Date").flatMap(HTTPDate.parseRFC1123) != nil)
        }
    }

    @Test func headErrorsCarryECAndBase64ErrorHeaders() throws {
        try TestServer.with { s in
            let r = try s.request("HEAD", "missing")
            #expect(r.status == 404)
            #expect(r.body.isEmpty)
            #expect(r.header("x-oss-ec") == "0026-00000001")
            let decoded = try #require(r.header("x-oss-err").flatMap(Base64.decode))
            let root = try XML.parse(decoded)
            #expect(root.childText("Code") == "NoSuchKey")
        }
    }

    @Test func invalidObjectNamesAreRejected() throws {
        try TestServer.with { s in
            for key in ["/abs", "\\abs", String(repeating: "k", count: 1024)] {
                let r = try s.request("PUT", key, body: bytes("x"))
                #expect(r.status == 400)
                #expect(r.xmlText("Code") == "InvalidObjectName")
            }
            #expect(try s.request("PUT", String(repeating: "k", count: 1023), body: bytes("x")).status == 200)
            // Undecodable paths fail before authentication can even name the resource.
            let invalidUTF8 = try s.raw("GET", "/testbucket/%FF%FE")
            #expect(invalidUTF8.xmlText("Code") == "InvalidObjectName")
        }
    }

    @Test func putAnswersChecksumsAndHeadDescribesTheObject() throws {
        try TestServer.with { s in
            let put = try s.request("PUT", "obj", headers: [("Content-Type", "text/plain"), ("X-OSS-Meta-Mtime", "1704164645"),
                                                             ("Cache-Control", "no-cache")],
                                    body: bytes("hello world"))
            #expect(put.status == 200)
            #expect(put.header("ETag") == "\"5EB63BBBE01EEED093CB22BB8F5ACDC3\"")
            #expect(put.header("x-oss-hash-crc64ecma") == "5981764153023615706")
            #expect(put.header("Content-MD5") == "XrY7u+Ae7tCTyyK7j1rNww==")
            let head = try s.request("HEAD", "obj")
            #expect(head.header("Content-Length") == "11")
            #expect(head.header("Content-Type") == "text/plain")
            #expect(head.header("x-oss-meta-mtime") == "1704164645")
            #expect(head.header("x-oss-object-type") == "Normal")
            #expect(head.header("x-oss-storage-class") == "Standard")
            #expect(head.header("Cache-Control") == "no-cache")
            #expect(head.header("x-oss-hash-crc64ecma") == "5981764153023615706")
            let get = try s.request("GET", "obj")
            #expect(get.header("x-oss-hash-crc64ecma") == "5981764153023615706")
            #expect(get.header("Accept-Ranges") == "bytes")
            let badMD5 = try s.request("PUT", "obj2", headers: [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], body: bytes("x"))
            #expect(badMD5.xmlText("Code") == "InvalidDigest")
            #expect(try s.request("HEAD", "obj2").status == 404)
            #expect(try s.request("DELETE", "obj").status == 204)
            #expect(try s.request("DELETE", "obj").status == 204)
        }
    }

    @Test func rangeRulesFollowOSS() throws {
        try TestServer.with { s in
            try s.request("PUT", "r", body: bytes("0123456789"))
            func get(_ range: String, standard: Bool = false) throws -> HTTPTestClient.Response {
                var headers = [(name: "Range", value: range)]
                if standard { headers.append(("x-oss-range-behavior", "standard")) }
                return try s.request("GET", "r", headers: headers)
            }
            let a = try get("bytes=2-5")
            #expect(a.status == 206 && a.text == "2345" && a.header("Content-Range") == "bytes 2-5/10")
            #expect(try get("bytes=7-").text == "789")
            #expect(try get("bytes=-3").text == "789")
            #expect(try get("bytes=-3").header("x-oss-hash-crc64ecma") == String(CRC64.checksum(bytes("0123456789"))))
            // Invalid or unsatisfiable: the whole object with 200.
            for bad in ["bytes=5-20", "bytes=10-12", "bytes=abc", "bytes=1-2,4-5", "bytes=5-2"] {
                let r = try get(bad)
                #expect(r.status == 200 && r.text == "0123456789", "\(bad)")
            }
            let clamped = try get("bytes=5-20", standard: true)
            #expect(clamped.status == 206 && clamped.text == "56789" && clamped.header("Content-Range") == "bytes 5-9/10")
            let past = try get("bytes=10-12", standard: true)
            #expect(past.status == 416 && past.xmlText("Code") == "InvalidRange")
        }
    }

    @Test func conditionalRequests() throws {
        try TestServer.with { s in
            let etag = try #require(try s.request("PUT", "c", body: bytes("v1")).header("ETag"))
            #expect(try s.request("GET", "c", headers: [("If-Match", etag)]).status == 200)
            let failed = try s.request("GET", "c", headers: [("If-Match", "\"0000\"")])
            #expect(failed.status == 412 && failed.xmlText("Code") == "PreconditionFailed")
            let notModified = try s.request("GET", "c", headers: [("If-None-Match", etag)])
            #expect(notModified.status == 304 && notModified.header("ETag") == etag && notModified.body.isEmpty)
            let future = HTTPDate.rfc1123(Int64(Date().timeIntervalSince1970) + 3600)
            let past = HTTPDate.rfc1123(Int64(Date().timeIntervalSince1970) - 3600)
            #expect(try s.request("GET", "c", headers: [("If-Modified-Since", future)]).status == 304)
            #expect(try s.request("GET", "c", headers: [("If-Modified-Since", past)]).status == 200)
            #expect(try s.request("HEAD", "c", headers: [("If-Unmodified-Since", past)]).status == 412)
            let forbidden = try s.request("PUT", "c", headers: [("x-oss-forbid-overwrite", "true")], body: bytes("v2"))
            #expect(forbidden.status == 409 && forbidden.xmlText("Code") == "FileAlreadyExists")
        }
    }

    @Test func metadataIsLimitedToEightKilobytes() throws {
        try TestServer.with { s in
            let big = String(repeating: "v", count: 8200)
            let r = try s.request("PUT", "m", headers: [("x-oss-meta-big", big)], body: bytes("x"))
            #expect(r.status == 400)
            #expect(try s.request("HEAD", "m").status == 404)
            #expect(try s.request("PUT", "m", headers: [("x-oss-meta-ok", String(repeating: "v", count: 8000))],
                                  body: bytes("x")).status == 200)
        }
    }

    @Test func archiveObjectsAnswerGetWithInvalidObjectState() throws {
        try TestServer.with { s in
            #expect(try s.request("PUT", "cold", bucket: "archivebucket", body: bytes("ice")).status == 200)
            let head = try s.request("HEAD", "cold", bucket: "archivebucket")
            #expect(head.status == 200 && head.header("x-oss-storage-class") == "Archive")
            let get = try s.request("GET", "cold", bucket: "archivebucket")
            #expect(get.status == 403 && get.xmlText("Code") == "InvalidObjectState")
            try s.request("PUT", "cold2", headers: [("x-oss-storage-class", "ColdArchive")], body: bytes("x"))
            #expect(try s.request("GET", "cold2").xmlText("Code") == "InvalidObjectState")
            #expect(try s.request("POST", "cold2", query: [("restore", nil)]).status == 202)
            #expect(try s.request("POST", "cold2", query: [("restore", nil)]).status == 200)
            let restored = try s.request("GET", "cold2")
            #expect(restored.status == 200 && restored.text == "x")
            #expect(restored.header("x-oss-restore")?.hasPrefix("ongoing-request=\"false\"") == true)
            try s.request("PUT", "warm", body: bytes("w"))
            #expect(try s.request("POST", "warm", query: [("restore", nil)]).status == 400)
        }
    }

    @Test func deleteMultipleNeedsContentMD5() throws {
        try TestServer.with { s in
            try s.request("PUT", "d1", body: bytes("1"))
            let xml = bytes("<Delete><Quiet>false</Quiet><Object><Key>d1</Key></Object><Object><Key>none</Key></Object></Delete>")
            let missing = try s.request("POST", "", query: [("delete", nil)], headers: [("Content-Type", "application/xml")], body: xml)
            #expect(missing.status == 400)
            let md5 = Base64.encode(Digest.md5(xml))
            let ok = try s.request("POST", "", query: [("delete", nil)],
                                   headers: [("Content-Type", "application/xml"), ("Content-MD5", md5)], body: xml)
            #expect(ok.status == 200)
            let root = try XML.parse(ok.body)
            #expect(root.children("Deleted").compactMap { $0.childText("Key") }.sorted() == ["d1", "none"])
            #expect(try s.request("HEAD", "d1").status == 404)
        }
    }

    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        try TestServer.with { s in
            let connection = try HTTPTestClient(port: s.port)
            for i in 0..<20 {
                #expect(try s.request("PUT", "ka/\(i)", body: bytes("\(i)"), client: connection).status == 200)
                #expect(try s.request("GET", "ka/\(i)", client: connection).text == "\(i)")
            }
        }
    }
}
