import ObjectStore
@testable import OSSClient
import OSSCore
import Testing

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct ListingDecodingTests {
    @Test func listV2WithURLEncoding() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult>
          <Name>examplebucket</Name>
          <Prefix>dir%2F</Prefix>
          <MaxKeys>2</MaxKeys>
          <Delimiter>%2F</Delimiter>
          <StartAfter>dir%2Fa</StartAfter>
          <ContinuationToken>ChR0ZXN0%3D</ContinuationToken>
          <IsTruncated>true</IsTruncated>
          <NextContinuationToken>CgJiYw%3D%3D</NextContinuationToken>
          <EncodingType>url</EncodingType>
          <KeyCount>3</KeyCount>
          <Contents>
            <Key>dir%2F%E7%9B%AE%E5%BD%95%20a%2Bb.txt</Key>
            <LastModified>2012-02-23T07:01:34.000Z</LastModified>
            <ETag>"5EB63BBBE01EEED093CB22BB8F5ACDC3"</ETag>
            <Type>Normal</Type>
            <Size>344606</Size>
            <StorageClass>Standard</StorageClass>
          </Contents>
          <Contents>
            <Key>dir%2Fctl%01</Key>
            <LastModified>2024-01-02T03:04:05.500Z</LastModified>
            <ETag>"0004B9895DBBB6EC98E36-2"</ETag>
            <Type>Multipart</Type>
            <Size>0</Size>
            <StorageClass>IA</StorageClass>
          </Contents>
          <CommonPrefixes><Prefix>dir%2Fsub%2F</Prefix></CommonPrefixes>
        </ListBucketResult>
        """
        let r = try ResponseDecoders.listV2(bytes(xml))
        #expect(r.name == "examplebucket" && r.prefix == "dir/" && r.delimiter == "/" && r.startAfter == "dir/a")
        #expect(r.continuationToken == "ChR0ZXN0=" && r.nextContinuationToken == "CgJiYw==")
        #expect(r.isTruncated && r.maxKeys == 2 && r.keyCount == 3)
        #expect(r.objects.map(\.key.rawValue) == ["dir/目录 a+b.txt", "dir/ctl\u{01}"])
        #expect(r.objects[0].size == 344606 && r.objects[0].etag.rawValue == "5EB63BBBE01EEED093CB22BB8F5ACDC3")
        #expect(r.objects[0].lastModified == Timestamp(seconds: 1_329_980_494))
        #expect(r.objects[1].lastModified == Timestamp(seconds: 1_704_164_645, nanoseconds: 500_000_000))
        #expect(r.objects[0].objectType == .normal && r.objects[1].objectType == .multipart)
        #expect(r.objects[1].storageClass == .infrequentAccess)
        #expect(r.commonPrefixes == ["dir/sub/"])
        #expect(r.page.nextToken == "CgJiYw==")
    }

    @Test func listV2LastPageHasNoToken() throws {
        let xml = "<ListBucketResult><Name>b</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys>"
            + "<IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>"
        let r = try ResponseDecoders.listV2(bytes(xml))
        #expect(r.objects.isEmpty && r.commonPrefixes.isEmpty && r.page.nextToken == nil && r.delimiter == nil)
    }

    @Test func listWithoutEncodingTypeIsTakenLiterally() throws {
        let xml = "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>"
            + "<Contents><Key>a%20b</Key><Size>1</Size><ETag>\"X\"</ETag>"
            + "<LastModified>2024-01-02T03:04:05.000Z</LastModified></Contents></ListBucketResult>"
        #expect(try ResponseDecoders.listV2(bytes(xml)).objects[0].key == "a%20b")
    }

    @Test func listV1() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult>
          <Name>examplebucket</Name><Prefix>fun%2F</Prefix><Marker>fun%2Fa</Marker><MaxKeys>100</MaxKeys>
          <Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated><NextMarker>fun%2Fmovie%2F</NextMarker>
          <EncodingType>url</EncodingType>
          <Contents><Key>fun%2Fb.avi</Key><LastModified>2012-02-24T08:42:32.000Z</LastModified>
            <ETag>"5B3C1A2E053D763E1B002CC607C5A0FE1****"</ETag><Type>Normal</Type><Size>344606</Size>
            <StorageClass>Standard</StorageClass><Owner><ID>0022012****</ID><DisplayName>user</DisplayName></Owner></Contents>
          <CommonPrefixes><Prefix>fun%2Fmovie%2F</Prefix></CommonPrefixes>
        </ListBucketResult>
        """
        let r = try ResponseDecoders.listV1(bytes(xml))
        #expect(r.prefix == "fun/" && r.marker == "fun/a" && r.delimiter == "/" && r.nextMarker == "fun/movie/")
        #expect(r.objects.map(\.key) == ["fun/b.avi"] && r.commonPrefixes == ["fun/movie/"])
        #expect(r.page.nextToken == "fun/movie/")
    }

    @Test func listV1WithoutNextMarkerContinuesAfterLastEntry() throws {
        let xml = "<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>"
            + "<Contents><Key>a</Key><Size>1</Size><ETag>\"X\"</ETag><LastModified>2024-01-02T03:04:05.000Z</LastModified></Contents>"
            + "<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes></ListBucketResult>"
        #expect(try ResponseDecoders.listV1(bytes(xml)).page.nextToken == "b/")
    }

    @Test func malformedDocumentsAreErrors() {
        #expect(throws: ObjectStoreError.self) { try ResponseDecoders.listV2(bytes("<ListBucketResult>")) }
        #expect(throws: ObjectStoreError.self) { try ResponseDecoders.listV2(bytes("<Other/>")) }
        #expect(throws: ObjectStoreError.self) {
            try ResponseDecoders.listV2(bytes("<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>%zz</Key></Contents></ListBucketResult>"))
        }
    }
}

@Suite struct MultipartDecodingTests {
    @Test func initiate() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <InitiateMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
          <Bucket>examplebucket</Bucket><Key>multipart.data</Key><UploadId>0004B9894A22E5B1888A1E29F823****</UploadId>
        </InitiateMultipartUploadResult>
        """
        #expect(try ResponseDecoders.initiateMultipartUpload(bytes(xml)).rawValue == "0004B9894A22E5B1888A1E29F823****")
    }

    @Test func complete() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <CompleteMultipartUploadResult>
          <EncodingType>url</EncodingType>
          <Location>http://examplebucket.oss-cn-hangzhou.aliyuncs.com/multipart.data</Location>
          <Bucket>examplebucket</Bucket><Key>a%20b</Key><ETag>"097DE458AD02B5F89F9D0530231876****"</ETag>
        </CompleteMultipartUploadResult>
        """
        let r = try ResponseDecoders.completeMultipartUpload(bytes(xml))
        #expect(r.etag.rawValue == "097DE458AD02B5F89F9D0530231876****" && r.key == "a b")
    }

    @Test func copyResults() throws {
        let obj = "<CopyObjectResult><ETag>\"F2064A169EE92E9775EE5324D0B1****\"</ETag>"
            + "<LastModified>2023-02-24T09:41:56.000Z</LastModified></CopyObjectResult>"
        let o = try ResponseDecoders.copyResult(bytes(obj), root: "CopyObjectResult")
        #expect(o.etag.rawValue == "F2064A169EE92E9775EE5324D0B1****" && o.lastModified?.seconds == 1_677_231_716)
        let part = "<CopyPartResult><LastModified>2014-07-17T06:27:54.000Z</LastModified><ETag>\"5B0D7E\"</ETag></CopyPartResult>"
        #expect(try ResponseDecoders.copyResult(bytes(part), root: "CopyPartResult").etag.rawValue == "5B0D7E")
        #expect(throws: ObjectStoreError.self) { try ResponseDecoders.copyResult(bytes(part), root: "CopyObjectResult") }
    }

    @Test func listUploads() throws {
        let xml = """
        <ListMultipartUploadsResult>
          <EncodingType>url</EncodingType><Bucket>examplebucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>
          <NextKeyMarker>obj%20b</NextKeyMarker><NextUploadIdMarker>0004B99B8E707874FC2D692FA5D7****</NextUploadIdMarker>
          <Delimiter>%2F</Delimiter><Prefix></Prefix><MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>
          <Upload><Key>multipart.data</Key><UploadId>0004B999EF518A1FE585B0C9360D****</UploadId>
            <Initiated>2012-02-23T04:18:23.000Z</Initiated></Upload>
          <Upload><Key>obj%20b</Key><UploadId>0004B99B8E707874FC2D692FA5D7****</UploadId>
            <Initiated>2012-02-23T06:14:27.000Z</Initiated></Upload>
          <CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
        </ListMultipartUploadsResult>
        """
        let p = try ResponseDecoders.listMultipartUploads(bytes(xml))
        #expect(p.uploads.map(\.key) == ["multipart.data", "obj b"])
        #expect(p.uploads[0].initiated.seconds == 1_329_970_703)
        #expect(p.nextKeyMarker == "obj b" && p.nextUploadIDMarker == "0004B99B8E707874FC2D692FA5D7****")
        #expect(p.commonPrefixes == ["dir/"])
    }

    @Test func listParts() throws {
        let xml = """
        <ListPartsResult>
          <Bucket>examplebucket</Bucket><Key>multipart.data</Key><UploadId>0004B999EF5A239BB9138C6227D6****</UploadId>
          <NextPartNumberMarker>5</NextPartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>true</IsTruncated>
          <Part><PartNumber>1</PartNumber><LastModified>2012-02-23T07:01:34.000Z</LastModified>
            <ETag>"3349DC700140D7F86A0784842780****"</ETag><Size>6291456</Size><HashCrc64ecma>11051210869376104954</HashCrc64ecma></Part>
          <Part><PartNumber>5</PartNumber><LastModified>2012-02-23T07:02:03.000Z</LastModified>
            <ETag>"7265F4D211B56873A381D321F586****"</ETag><Size>1024</Size></Part>
        </ListPartsResult>
        """
        let p = try ResponseDecoders.listParts(bytes(xml))
        #expect(p.parts.map(\.partNumber) == [1, 5] && p.parts[0].size == 6_291_456)
        #expect(p.parts[0].crc64 == 11_051_210_869_376_104_954 && p.parts[1].crc64 == nil)
        #expect(p.parts[0].etag.rawValue == "3349DC700140D7F86A0784842780****")
        #expect(p.nextPartNumberMarker == 5)
    }

    @Test func combinedPartCRCs() {
        let hello = Array("hello ".utf8), world = Array("world".utf8)
        let parts = [
            UploadedPart(partNumber: 2, etag: ETag("b"), size: 5, crc64: CRC64.checksum(world)),
            UploadedPart(partNumber: 1, etag: ETag("a"), size: 6, crc64: CRC64.checksum(hello)),
        ]
        #expect(OSSClient.combinedCRC(parts) == 5_981_764_153_023_615_706)
        #expect(OSSClient.combinedCRC([UploadedPart(partNumber: 1, etag: ETag("a"))]) == nil)
        #expect(OSSClient.combinedCRC([UploadedPart(partNumber: 1, etag: ETag("a"), crc64: 7)]) == nil)
    }
}

@Suite struct DeleteAndBucketDecodingTests {
    @Test func deleteResult() throws {
        let xml = """
        <DeleteResult><EncodingType>url</EncodingType>
          <Deleted><Key>multipart.data</Key></Deleted><Deleted><Key>a%2Fb%20c</Key><DeleteMarker>true</DeleteMarker></Deleted>
          <Error><Key>locked</Key><Code>AccessDenied</Code></Error>
        </DeleteResult>
        """
        let r = try ResponseDecoders.deleteResult(bytes(xml))
        #expect(r.deleted == ["multipart.data", "a/b c"])
        #expect(r.failed == ["locked": "AccessDenied"])
        #expect(try ResponseDecoders.deleteResult(bytes("<DeleteResult/>")).deleted.isEmpty)
    }

    @Test func bucketInfo() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <BucketInfo><Bucket>
          <AccessMonitor>Disabled</AccessMonitor><CreationDate>2013-07-31T10:56:21.000Z</CreationDate>
          <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
          <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>
          <Location>oss-cn-hangzhou</Location><StorageClass>Standard</StorageClass>
          <DataRedundancyType>LRS</DataRedundancyType><Name>oss-example</Name>
          <Owner><DisplayName>username</DisplayName><ID>27183473914****</ID></Owner>
          <AccessControlList><Grant>private</Grant></AccessControlList>
        </Bucket></BucketInfo>
        """
        let i = try ResponseDecoders.bucketInfo(bytes(xml))
        #expect(i.name == "oss-example" && i.location == "oss-cn-hangzhou" && i.region == "cn-hangzhou")
        #expect(i.storageClass == .standard && i.creationDate?.seconds == 1_375_268_181)
        #expect(i.extranetEndpoint == "oss-cn-hangzhou.aliyuncs.com")
        #expect(i.intranetEndpoint == "oss-cn-hangzhou-internal.aliyuncs.com")
    }

    @Test func bucketStat() throws {
        let xml = """
        <BucketStat><Storage>1600</Storage><ObjectCount>230</ObjectCount><MultipartUploadCount>40</MultipartUploadCount>
          <LiveChannelCount>4</LiveChannelCount><LastModifiedTime>1643341269</LastModifiedTime>
          <StandardStorage>430</StandardStorage></BucketStat>
        """
        #expect(try ResponseDecoders.bucketStat(bytes(xml))
            == BucketStat(storage: 1600, objectCount: 230, multipartUploadCount: 40))
    }
}

@Suite struct ErrorDecodingTests {
    @Test func errorXML() {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
        <RequestId>5C3D9175B6FC201293AD****</RequestId><HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId>
        <Key>a.txt</Key><EC>0026-00000001</EC></Error>
        """
        let e = ErrorDecoder.decode(status: 404, headers: HTTPHeaders(), body: bytes(xml))
        #expect(e.status == 404 && e.code == .noSuchKey && e.message == "The specified key does not exist.")
        #expect(e.requestID == "5C3D9175B6FC201293AD****" && e.ec == "0026-00000001")
        #expect(e.hostID == "examplebucket.oss-cn-hangzhou.aliyuncs.com" && e.details["Key"] == "a.txt")
    }

    @Test func signatureMismatchKeepsStringToSignButNotTheSignature() {
        let xml = "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message>"
            + "<RequestId>R</RequestId><HostId>H</HostId><OSSAccessKeyId>LTAI</OSSAccessKeyId>"
            + "<SignatureProvided>t4J0idANxxG1HoerdiZTjlol7eM=</SignatureProvided>"
            + "<StringToSign>GET\n\n\nDate\n/b/k</StringToSign><StringToSignBytes>47 45 54</StringToSignBytes></Error>"
        let e = ErrorDecoder.decode(status: 403, headers: HTTPHeaders(), body: bytes(xml))
        #expect(e.code == .signatureDoesNotMatch)
        #expect(e.details["StringToSign"] == "GET\n\n\nDate\n/b/k" && e.details["OSSAccessKeyId"] == "LTAI")
        #expect(e.details["SignatureProvided"] == nil)
        #expect(!"\(ObjectStoreError.service(e))".contains("t4J0id"))
    }

    @Test func everyDocumentedCodeIsTyped() {
        let codes: [(String, Int, OSSErrorCode)] = [
            ("NoSuchBucket", 404, .noSuchBucket), ("NoSuchUpload", 404, .noSuchUpload),
            ("AccessDenied", 403, .accessDenied), ("InvalidAccessKeyId", 403, .invalidAccessKeyId),
            ("RequestTimeTooSkewed", 403, .requestTimeTooSkewed), ("InvalidObjectName", 400, .invalidObjectName),
            ("InvalidArgument", 400, .invalidArgument), ("InvalidDigest", 400, .invalidDigest),
            ("MalformedXML", 400, .malformedXML), ("InvalidPart", 400, .invalidPart),
            ("InvalidPartOrder", 400, .invalidPartOrder), ("EntityTooSmall", 400, .entityTooSmall),
            ("EntityTooLarge", 400, .entityTooLarge), ("PositionNotEqualToLength", 409, .positionNotEqualToLength),
            ("ObjectNotAppendable", 409, .objectNotAppendable), ("FileAlreadyExists", 409, .fileAlreadyExists),
            ("MissingContentLength", 411, .missingContentLength), ("PreconditionFailed", 412, .preconditionFailed),
            ("InvalidRange", 416, .invalidRange), ("SymlinkTargetNotExist", 404, .symlinkTargetNotExist),
            ("SecondLevelDomainForbidden", 403, .secondLevelDomainForbidden), ("WeirdNewCode", 400, .other("WeirdNewCode")),
        ]
        for (name, status, code) in codes {
            let xml = "<Error><Code>\(name)</Code><Message>m</Message><RequestId>r</RequestId></Error>"
            #expect(ErrorDecoder.decode(status: status, headers: HTTPHeaders(), body: bytes(xml)).code == code)
        }
    }

    @Test func headErrorFromBase64Header() {
        let xml = "<Error><Code>SymlinkTargetNotExist</Code><Message>The symlink target object does not exist</Message>"
            + "<RequestId>RID</RequestId><EC>0026-00000008</EC></Error>"
        let headers = HTTPHeaders([("x-oss-err", Base64.encode(Array(xml.utf8))), ("x-oss-ec", "0026-00000008"),
                                   ("x-oss-request-id", "RID")])
        let e = ErrorDecoder.decode(status: 404, headers: headers, body: [])
        #expect(e.code == .symlinkTargetNotExist && e.requestID == "RID" && e.ec == "0026-00000008")
        #expect(ObjectStoreError.service(e).isNotFound)
    }

    @Test func bareStatuses() {
        let h = HTTPHeaders([("x-oss-request-id", "abc")])
        #expect(ErrorDecoder.decode(status: 404, headers: h, body: []).code == .noSuchKey)
        #expect(ErrorDecoder.decode(status: 404, headers: h, body: []).requestID == "abc")
        #expect(ErrorDecoder.decode(status: 403, headers: h, body: []).code == .accessDenied)
        #expect(ErrorDecoder.decode(status: 304, headers: h, body: []).code == .notModified)
        #expect(ErrorDecoder.decode(status: 412, headers: h, body: []).code == .preconditionFailed)
        #expect(ErrorDecoder.decode(status: 503, headers: h, body: []).code == .serviceUnavailable)
        #expect(ErrorDecoder.decode(status: 502, headers: h, body: Array("<html>bad gateway</html>".utf8)).code == .internalError)
        let append = ErrorDecoder.decode(status: 409, headers: HTTPHeaders([("x-oss-next-append-position", "42")]),
                                         body: bytes("<Error><Code>PositionNotEqualToLength</Code></Error>"))
        #expect(append.code == .positionNotEqualToLength && append.details["NextAppendPosition"] == "42")
    }
}

@Suite struct HeaderParsingTests {
    @Test func headObjectHeaders() {
        let h = HTTPHeaders([
            ("Content-Length", "344606"), ("Content-Type", "image/jpg"), ("ETag", "\"fba9dede5f27731c9771645a3986****\""),
            ("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT"), ("x-oss-object-type", "Appendable"),
            ("x-oss-hash-crc64ecma", "11051210869376104954"), ("x-oss-storage-class", "Archive"),
            ("X-OSS-Meta-Mode", "33188"), ("x-oss-meta-mtime", "1704164645.5"), ("x-oss-next-append-position", "344606"),
            ("x-oss-restore", "ongoing-request=\"true\""), ("x-oss-request-id", "RID"),
        ])
        let m = ResponseHeaders.metadata(key: "a/b", h)
        #expect(m.key == "a/b" && m.size == 344606 && m.contentType == "image/jpg")
        #expect(m.etag.rawValue == "fba9dede5f27731c9771645a3986****")
        #expect(m.lastModified == Timestamp(seconds: 1_704_164_645))
        #expect(m.objectType == .appendable && m.crc64 == 11_051_210_869_376_104_954 && m.storageClass == .archive)
        #expect(m.userMetadata == ["mode": "33188", "mtime": "1704164645.5"])
        #expect(m.nextAppendPosition == 344606 && m.restore == "ongoing-request=\"true\"")
        #expect(m.symlinkTarget == nil)
    }

    /// The one-pass reader must give what looking each header up by name gives: first value of a name in any
    /// case, numbers with spaces around them, user metadata by lower-cased name (last value wins).
    @Test func onePassReadingMatchesLookupByName() {
        let h = HTTPHeaders([
            ("x-oss-request-id", "RID"), ("etag", "\"first\""), ("ETag", "\"second\""),
            ("CONTENT-LENGTH", " 12\t"), ("Content-Length", "13"), ("content-range", "bytes 0-11/ 4096 "),
            ("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT"), ("X-OSS-Object-Type", "Appendable"),
            ("x-oss-object-type", "Normal"), ("X-Oss-Hash-Crc64ecma", " 42 "), ("x-oss-storage-class", "IA"),
            ("X-OSS-Meta-Mode", "1"), ("x-oss-meta-mode", "2"), ("x-oss-meta-", "empty"), ("X-OSS-META-UID", "0"),
            ("x-oss-next-append-position", "12"), ("X-OSS-Restore", "ongoing-request=\"false\""),
            ("x-oss-symlink-target", "a%2Fb"), ("x-oss-symlink-TARGET", "other"), ("Content-Type", "text/plain"),
        ])
        let m = ResponseHeaders.metadata(key: "k", h)
        #expect(m.etag.rawValue == "first" && m.size == 4096 && m.crc64 == 42 && m.objectType == .appendable)
        #expect(m.lastModified == Timestamp(seconds: 1_704_164_645) && m.storageClass == .infrequentAccess)
        #expect(m.userMetadata == ["mode": "2", "": "empty", "uid": "0"])
        #expect(m.nextAppendPosition == 12 && m.restore == "ongoing-request=\"false\"")
        #expect(m.symlinkTarget == "a/b" && m.contentType == "text/plain")
        var unranged = h.entries
        unranged.removeAll { $0.name == "content-range" }
        #expect(ResponseHeaders.metadata(key: "k", HTTPHeaders(unranged)).size == 12)
        #expect(ResponseHeaders.metadata(key: "k", HTTPHeaders([("Content-Length", "x")])).size == 0)
    }

    @Test func etagLosesQuotesAndWeakMarkOnly() {
        let cases: [(String, String)] = [
            ("\"ABC\"", "ABC"), ("W/\"ABC\"", "ABC"), ("ABC", "ABC"), ("\"", "\""), ("\"\"", ""), ("W/", ""),
            ("\"AB", "\"AB"), ("w/\"A\"", "w/\"A\""), ("\"é\"", "é"), ("W/\"目-2\"", "目-2"), ("\"e\u{301}", "\"e\u{301}"),
        ]
        for (raw, expected) in cases { #expect(ETag(raw).rawValue == expected, "\(raw)") }
    }

    @Test func rangedAnswerReportsWholeSizeAndSymlinkTargetIsDecoded() {
        let h = HTTPHeaders([("Content-Length", "10"), ("Content-Range", "bytes 0-9/1000"),
                             ("x-oss-object-type", "Symlink"), ("x-oss-symlink-target", "dir%2Fa%20b")])
        let m = ResponseHeaders.metadata(key: "l", h)
        #expect(m.size == 1000 && m.objectType == .symlink && m.symlinkTarget == "dir/a b")
    }
}

@Suite struct TextTrimmingTests {
    @Test func trimmingSpacesStripsOnlySpacesAndTabs() {
        #expect("  Normal\t".trimmingSpaces() == "Normal")
        #expect("Normal".trimmingSpaces() == "Normal")
        #expect(" \t ".trimmingSpaces() == "")
        #expect("".trimmingSpaces() == "")
        #expect(" a b ".trimmingSpaces() == "a b")
        #expect("\r\nx\n".trimmingSpaces() == "\r\nx\n")   // line ends are not blanks here
        #expect(" 日本 ".trimmingSpaces() == "日本")
    }

    @Test func sizesInListingsAndHeadersAreDecimalDigits() {
        #expect(ObjectHeaderFields.number(" 42 "[...]) == 42)
        #expect(ObjectHeaderFields.number("4_096"[...]) == nil)
    }
}
