import Testing
@testable import OSSCore

private func parse(_ s: String) throws -> XMLNode { try XML.parse(Array(s.utf8)) }

@Suite struct XMLParseTests {
    @Test func nestedListing() throws {
        let doc = try parse("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult>
              <Name>examplebucket</Name>
              <Prefix>dir/</Prefix>
              <IsTruncated>true</IsTruncated>
              <Contents><Key>dir/a.txt</Key><Size>5</Size><Owner><ID>1</ID><DisplayName>me</DisplayName></Owner></Contents>
              <Contents><Key>dir/b.txt</Key><Size>0</Size></Contents>
              <CommonPrefixes><Prefix>dir/sub/</Prefix></CommonPrefixes>
            </ListBucketResult>
            """)
        #expect(doc.name == "ListBucketResult")
        #expect(doc.childText("Name") == "examplebucket")
        #expect(doc.childText("IsTruncated") == "true")
        #expect(doc.childText("Missing") == nil)
        let contents = doc.children("Contents")
        #expect(contents.map { $0.childText("Key") } == ["dir/a.txt", "dir/b.txt"])
        #expect(contents[0].child("Owner")?.childText("DisplayName") == "me")
        #expect(doc.child("CommonPrefixes")?.childText("Prefix") == "dir/sub/")
        #expect(doc.children.count == 6)
    }

    @Test func entitiesAndCharacterReferences() throws {
        let doc = try parse("<a><k>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x42;&#x76EE;</k></a>")
        #expect(doc.childText("k") == "x & y <z> \"q\" 's' AB目")
    }

    @Test func textIsRawAndCDATAMerged() throws {
        let doc = try parse("<a><k>  spaced\n</k><c><![CDATA[<not-a-tag> & ]]>tail</c><e></e><f/></a>")
        #expect(doc.childText("k") == "  spaced\n")
        #expect(doc.childText("c") == "<not-a-tag> & tail")
        #expect(doc.childText("e") == "")
        #expect(doc.childText("f") == "")
    }

    @Test func namespacesMatchByLocalName() throws {
        let doc = try parse("""
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>\
            <Object><Key>k1</Key></Object><s3:Object xmlns:s3="urn:x"><s3:Key>k2</s3:Key></s3:Object></Delete>
            """)
        #expect(doc.name == "Delete")
        #expect(doc.childText("Quiet") == "true")
        #expect(doc.children("Object").map { $0.childText("Key") } == ["k1", "k2"])
    }

    @Test func attributes() throws {
        let doc = try parse(#"<Grant><Grantee xmlns:xsi="urn:i" xsi:type="Group" id='7'>x</Grantee></Grant>"#)
        #expect(doc.child("Grantee")?.attribute("type") == "Group")
        #expect(doc.child("Grantee")?.attribute("id") == "7")
    }

    @Test func byteOrderMarkAccepted() throws {
        let doc = try XML.parse([0xEF, 0xBB, 0xBF] + Array("<a><b>x</b></a>".utf8))
        #expect(doc.childText("b") == "x")
    }

    @Test func utf8Keys() throws {
        let doc = try parse("<Key>目录/a b+c.txt</Key>")
        #expect(doc.text == "目录/a b+c.txt")
    }

    @Test(arguments: [
        "",
        "   ",
        "not xml",
        "<a>",
        "<a></b>",
        "<a><b></a></b>",
        "<a>&undefined;</a>",
        "<a>x & y</a>",
        "<a/><b/>",
        "<a attr=noquotes/>",
        "<a>\u{1}</a>",
    ])
    func malformedThrows(_ text: String) {
        #expect(throws: XMLError.self) { try parse(text) }
    }

    @Test func invalidUTF8Throws() {
        #expect(throws: XMLError.self) { try XML.parse([0x3C, 0x61, 0x3E, 0xFF, 0xFE, 0x3C, 0x2F, 0x61, 0x3E]) }
    }

    @Test func errorSaysWhy() {
        do {
            _ = try parse("<a><b></a>")
            Issue.record("parsed a malformed document")
        } catch let XMLError.malformed(reason) {
            #expect(!reason.isEmpty)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// A classic XXE: the external entity must never be read into the tree.
    @Test func externalEntityIsNotExpanded() {
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE Delete [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <Delete><Object><Key>&xxe;</Key></Object></Delete>
            """
        #expect(throws: XMLError.malformed("DOCTYPE is not allowed")) { try parse(xxe) }
    }

    @Test func entityExpansionBombIsRefused() {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <lolz>&lol2;</lolz>
            """
        #expect(throws: XMLError.self) { try parse(bomb) }
    }

    @Test func oversizedDocumentIsRefused() {
        let body = Array("<a>0123456789</a>".utf8)
        #expect(throws: XMLError.self) { try XML.parse(body, maximumSize: 10) }
        #expect((try? XML.parse(body, maximumSize: body.count))?.text == "0123456789")
    }

    @Test func deepNestingIsRefused() {
        let depth = 10_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect(throws: XMLError.self) { try parse(text) }
    }

    @Test func commentsAndProcessingInstructionsIgnored() throws {
        let doc = try parse("<?xml version=\"1.0\"?><!-- c --><a><?pi x?><!-- in -->t<b>1</b></a>")
        #expect(doc.text == "t")
        #expect(doc.children.map(\.name) == ["b"])
    }
}

@Suite struct XMLWriteTests {
    @Test func escapesSpecialCharacters() {
        #expect(XML.escape(#"a & b < c > d " e ' f"#) == "a &amp; b &lt; c &gt; d &quot; e &apos; f")
        #expect(XML.escape("tab\tlf\ncr\r") == "tab&#9;lf&#10;cr&#13;")
        #expect(XML.escape("nul\u{0}bel\u{7}") == "nul\u{FFFD}bel\u{FFFD}")
        #expect(XML.escape("del\u{7F}") == "del&#127;")
        #expect(XML.escape("目录/ü😀") == "目录/ü😀")
    }

    @Test func writerBuildsDocument() {
        var w = XMLWriter(root: "CompleteMultipartUpload")
        w.open("Part")
        w.element("PartNumber", "1")
        w.element("ETag", "\"3858F62230AC3C915F300C664312C11F\"")
        w.close("Part")
        #expect(w.finish() == """
            <?xml version="1.0" encoding="UTF-8"?>
            <CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
            <ETag>&quot;3858F62230AC3C915F300C664312C11F&quot;</ETag></Part></CompleteMultipartUpload>
            """)
    }

    @Test func finishClosesOpenElements() {
        var w = XMLWriter(root: "R")
        w.open("A")
        w.element("B", "")
        #expect(w.finish() == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R><A><B></B></A></R>")
    }

    /// Whatever is escaped and written parses back to the same text (for every character XML can carry).
    @Test func roundTripsThroughParser() throws {
        let samples = ["plain", "a&b<c>d\"e'f", " lead and trail ", "line1\nline2\r\nline3\ttab", "目录/a b+c.txt",
                       "]]>", "&amp;", "\u{80}\u{9F}"]
        var w = XMLWriter(root: "Delete")
        for s in samples {
            w.open("Object")
            w.element("Key", s)
            w.close("Object")
        }
        let doc = try XML.parse(Array(w.finish().utf8))
        #expect(doc.children("Object").map { $0.childText("Key") } == samples)
    }
}
