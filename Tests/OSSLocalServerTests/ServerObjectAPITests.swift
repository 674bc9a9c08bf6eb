import Foundation
import OSSCore
import Testing
@testable import OSSLocalServer

@Suite("oss-local object APIs over HTTP")
struct ServerObjectAPITests {
    static let part = [UInt8](repeating: 0x61, count: 102_400)

    @Test func multipartUploadCompletesAndChecksParts() throws {
        try TestServer.with { s in
            let initiate = try s.request("POST", "mp/obj", query: [("uploads", nil)], headers: [("x-oss-meta-mode", "420")])
            let id = try #require(initiate.xmlText("UploadId"))
            let p1 = try s.request("PUT", "mp/obj", query: [("partNumber", "1"), ("uploadId", id)], body: Self.part)
            let p2 = try s.request("PUT", "mp/obj", query: [("partNumber", "2"), ("uploadId", id)], body: bytes("tail"))
            #expect(p1.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(Self.part)))
            let list = try s.request("GET", "mp/obj", query: [("uploadId", id)])
            #expect(try XML.parse(list.body).children("Part").count == 2)
            let uploads = try s.request("GET", "", query: [("uploads", nil)])
            #expect(try XML.parse(uploads.body).children("Upload").first?.childText("UploadId") == id)

            func complete(_ parts: [(Int, String)]) throws -> HTTPTestClient.Response {
                var xml = "<CompleteMultipartUpload>"
                for (n, etag) in parts { xml += "<Part><PartNumber>\(n)</PartNumber><ETag>\(etag)</ETag></Part>" }
                xml += "</CompleteMultipartUpload>"
                return try s.request("POST", "mp/obj", query: [("uploadId", id)], body: bytes(xml))
            }
            let e1 = try #require(p1.header("ETag")), e2 = try #require(p2.header("ETag"))
            #expect(try complete([(2, e2), (1, e1)]).xmlText("Code") == "InvalidPartOrder")
            #expect(try complete([(1, e1), (3, e2)]).xmlText("Code") == "InvalidPart")
            let done = try complete([(1, e1), (2, e2)])
            #expect(done.status == 200)
            let whole = Self.part + bytes("tail")
            #expect(done.header("x-oss-hash-crc64ecma") == String(CRC64.checksum(whole)))
            let get = try s.request("GET", "mp/obj")
            #expect(get.body == whole)
            #expect(get.header("x-oss-object-type") == "Multipart")
            #expect(get.header("x-oss-meta-mode") == "420")
            #expect(get.header("ETag") != "\"\(Hex.encode(Digest.md5(whole), uppercase: true))\"")
            #expect(try complete([(1, e1)]).xmlText("Code") == "NoSuchUpload")
        }
    }

    @Test func smallPartsAreRejectedAtComplete() throws {
        try TestServer.with { s in
            let id = try #require(try s.request("POST", "small", query: [("uploads", nil)]).xmlText("UploadId"))
            try s.request("PUT", "small", query: [("partNumber", "1"), ("uploadId", id)], body: bytes("tiny"))
            try s.request("PUT", "small", query: [("partNumber", "2"), ("uploadId", id)], body: bytes("tail"))
            let r = try s.request("POST", "small", query: [("uploadId", id)], headers: [("x-oss-complete-all", "yes")])
            #expect(r.status == 400 && r.xmlText("Code") == "EntityTooSmall")
            #expect(try s.request("DELETE", "small", query: [("uploadId", id)]).status == 204)
            #expect(try s.request("DELETE", "small", query: [("uploadId", id)]).xmlText("Code") == "NoSuchUpload")
        }
    }

    @Test func uploadPartCopyTakesARange() throws {
        try TestServer.with { s in
            try s.request("PUT", "src", body: bytes("0123456789"))
            let id = try #require(try s.request("POST", "dst", query: [("uploads", nil)]).xmlText("UploadId"))
            let copy = try s.request("PUT", "dst", query: [("partNumber", "1"), ("uploadId", id)],
                                     headers: [("x-oss-copy-source", "/testbucket/src"), ("x-oss-copy-source-range", "bytes=2-5")])
            #expect(copy.status == 200)
            #expect(copy.xmlText("ETag") == "\"\(Hex.encode(Digest.md5(bytes("2345")), uppercase: true))\"")
            #expect(copy.header("ETag") == copy.xmlText("ETag"))
            try s.request("POST", "dst", query: [("uploadId", id)], headers: [("x-oss-complete-all", "yes")])
            #expect(try s.request("GET", "dst").text == "2345")
        }
    }

    @Test func appendObjectChecksPositions() throws {
        try TestServer.with { s in
            let a = try s.request("POST", "log", query: [("append", nil), ("position", "0")], body: bytes("hello "))
            #expect(a.header("x-oss-next-append-position") == "6")
            let b = try s.request("POST", "log", query: [("append", nil), ("position", "6")], body: bytes("world"))
            #expect(b.header("x-oss-hash-crc64ecma") == "5981764153023615706")
            let wrong = try s.request("POST", "log", query: [("append", nil), ("position", "3")], body: bytes("x"))
            #expect(wrong.status == 409 && wrong.xmlText("Code") == "PositionNotEqualToLength")
            #expect(wrong.header("x-oss-next-append-position") == "11")
            let head = try s.request("HEAD", "log")
            #expect(head.header("x-oss-object-type") == "Appendable" && head.header("x-oss-next-append-position") == "11")
            try s.request("PUT", "normal", body: bytes("n"))
            let notAppendable = try s.request("POST", "normal", query: [("append", nil), ("position", "1")], body: bytes("x"))
            #expect(notAppendable.status == 409 && notAppendable.xmlText("Code") == "ObjectNotAppendable")
        }
    }

    @Test func symlinksResolveOnReadAndDangleWith404() throws {
        try TestServer.with { s in
            try s.request("PUT", "target file", headers: [("Content-Type", "text/plain")], body: bytes("pointed"))
            let put = try s.request("PUT", "link", query: [("symlink", nil)],
                                    headers: [("x-oss-symlink-target", PercentEncoding.encode("target file", keepSlash: false)),
                                              ("x-oss-meta-mode", "41471")])
            #expect(put.status == 200)
            let get = try s.request("GET", "link")
            #expect(get.text == "pointed")
            #expect(get.header("x-oss-object-type") == "Symlink" && get.header("x-oss-meta-mode") == "41471")
            #expect(get.header("Content-Length") == "7")
            let sym = try s.request("GET", "link", query: [("symlink", nil)])
            #expect(sym.header("x-oss-symlink-target").flatMap { PercentEncoding.decode($0) } == "target file")
            try s.request("DELETE", "target file")
            let dangling = try s.request("HEAD", "link")
            #expect(dangling.status == 404 && dangling.header("x-oss-ec") == "0026-00000009")
        }
    }

    @Test func copyObjectCopiesOrReplacesMetadata() throws {
        try TestServer.with { s in
            try s.request("PUT", "orig", headers: [("Content-Type", "text/plain"), ("x-oss-meta-mode", "33188")], body: bytes("copy me"))
            let copy = try s.request("PUT", "copy", headers: [("x-oss-copy-source", "/testbucket/orig")])
            #expect(copy.status == 200 && copy.xmlText("ETag") != nil)
            let head = try s.request("HEAD", "copy")
            #expect(head.header("x-oss-meta-mode") == "33188" && head.header("Content-Type") == "text/plain")
            try s.request("PUT", "orig", headers: [("x-oss-copy-source", "/testbucket/orig"), ("x-oss-metadata-directive", "REPLACE"),
                                                   ("Content-Type", "text/html"), ("x-oss-meta-mode", "33261")])
            let replaced = try s.request("HEAD", "orig")
            #expect(replaced.header("x-oss-meta-mode") == "33261" && replaced.header("Content-Type") == "text/html")
            #expect(try s.request("GET", "orig").text == "copy me")
            let failed = try s.request("PUT", "copy2", headers: [("x-oss-copy-source", "/testbucket/orig"),
                                                                  ("x-oss-copy-source-if-match", "\"00\"")])
            #expect(failed.status == 412)
            // The S3 dialect's twins.
            let s3 = try s.request("PUT", "copy3", headers: [("x-amz-copy-source", "testbucket/orig"),
                                                              ("x-amz-metadata-directive", "REPLACE"), ("x-amz-meta-k", "v")])
            #expect(s3.status == 200)
            #expect(try s.request("HEAD", "copy3").header("x-oss-meta-k") == "v")
            let missing = try s.request("PUT", "copy4", headers: [("x-oss-copy-source", "/testbucket/none")])
            #expect(missing.xmlText("Code") == "NoSuchKey")
        }
    }

    @Test func listingsPaginateWithDelimiterAndURLEncoding() throws {
        try TestServer.with { s in
            for key in ["a/1", "a/2", "b/x", "c", "d\u{1}ctl"] { try s.request("PUT", key, body: bytes(key)) }
            let page1 = try XML.parse(try s.request("GET", "", query: [("list-type", "2"), ("delimiter", "/"), ("max-keys", "2"),
                                                                       ("encoding-type", "url")]).body)
            #expect(page1.children("CommonPrefixes").compactMap { $0.childText("Prefix") } == ["a%2F", "b%2F"])
            #expect(page1.childText("IsTruncated") == "true" && page1.childText("KeyCount") == "2")
            let token = try #require(page1.childText("NextContinuationToken"))
            let page2 = try XML.parse(try s.request("GET", "", query: [("list-type", "2"), ("delimiter", "/"),
                                                                       ("continuation-token", token), ("encoding-type", "url")]).body)
            #expect(page2.children("Contents").compactMap { $0.childText("Key") } == ["c", "d%01ctl"])
            #expect(page2.childText("IsTruncated") == "false")
            #expect(page2.children("Contents").first?.child("Owner") == nil)
            let v1 = try XML.parse(try s.request("GET", "", query: [("prefix", "a/"), ("marker", "a/1")]).body)
            #expect(v1.children("Contents").compactMap { $0.childText("Key") } == ["a/2"])
            #expect(v1.children("Contents").first?.child("Owner") != nil)
            #expect(v1.children("Contents").first?.childText("LastModified")?.hasSuffix(".000Z") == true)
            let bad = try s.request("GET", "", query: [("max-keys", "1001")])
            #expect(bad.xmlText("Code") == "InvalidArgument")
        }
    }

    @Test func bucketInfoAndStat() throws {
        try TestServer.with { s in
            try s.request("PUT", "one", body: bytes("12345"))
            let info = try XML.parse(try s.request("GET", "", query: [("bucketInfo", nil)], signing: .v4).body)
            #expect(info.child("Bucket")?.childText("Location") == "oss-cn-hangzhou")
            #expect(info.child("Bucket")?.childText("Name") == "testbucket")
            let stat = try XML.parse(try s.request("GET", "", query: [("stat", nil)]).body)
            #expect(stat.childText("Storage") == "5" && stat.childText("ObjectCount") == "1")
        }
    }
}
