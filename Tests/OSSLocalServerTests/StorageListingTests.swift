import Testing
@testable import OSSLocalServer

@Suite("Storage listing")
struct StorageListingTests {
    static let keys = ["a", "dir/", "dir/a.txt", "dir/sub/", "dir/sub/deep.txt", "dir/sub2/x", "dir/z.txt",
                       "dir0", "e", "e/f"]

    private func fill(_ b: BucketStore, _ keys: [String] = keys) throws {
        for k in keys.shuffled() { try b.put(k, k) }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func flatListingIsSortedAndPrefixed(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            try fill(f.bucket)
            #expect(f.bucket.keys() == Self.keys)
            #expect(f.bucket.keys(prefix: "dir/") == ["dir/", "dir/a.txt", "dir/sub/", "dir/sub/deep.txt", "dir/sub2/x", "dir/z.txt"])
            #expect(f.bucket.keys(prefix: "dir/", after: "dir/sub/") == ["dir/sub/deep.txt", "dir/sub2/x", "dir/z.txt"])
            #expect(f.bucket.keys(prefix: "nothing") == [])
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func delimiterRollsUpCommonPrefixes(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            try fill(f.bucket)
            let root = f.bucket.list(prefix: "", delimiter: "/", after: nil, maxKeys: 1000)
            #expect(root.objects.map(\.key) == ["a", "dir0", "e"])
            #expect(root.commonPrefixes == ["dir/", "e/"])
            #expect(!root.isTruncated)
            #expect(root.nextMarker == nil)

            let dir = f.bucket.list(prefix: "dir/", delimiter: "/", after: nil, maxKeys: 1000)
            #expect(dir.objects.map(\.key) == ["dir/", "dir/a.txt", "dir/z.txt"])
            #expect(dir.commonPrefixes == ["dir/sub/", "dir/sub2/"])

            let multi = f.bucket.list(prefix: "dir/", delimiter: "ub", after: nil, maxKeys: 1000)
            #expect(multi.commonPrefixes == ["dir/sub"])
            #expect(multi.objects.map(\.key) == ["dir/", "dir/a.txt", "dir/z.txt"])
        }
    }

    /// Pages of every size give the same entries, each common prefix once, and count prefixes towards maxKeys.
    @Test(arguments: StorageTestBackend.allCases)
    func paginationAcrossPages(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            try fill(f.bucket)
            let full = f.bucket.list(prefix: "", delimiter: "/", after: nil, maxKeys: 1000)
            let expected = (full.objects.map(\.key) + full.commonPrefixes).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for pageSize in 1...6 {
                var seen: [String] = []
                var marker: String?
                var pages = 0
                while true {
                    let page = f.bucket.list(prefix: "", delimiter: "/", after: marker, maxKeys: pageSize)
                    pages += 1
                    #expect(page.objects.count + page.commonPrefixes.count <= pageSize)
                    seen += (page.objects.map(\.key) + page.commonPrefixes).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                    guard page.isTruncated else { break }
                    #expect(page.objects.count + page.commonPrefixes.count == pageSize)
                    let next = try #require(page.nextMarker as String?)
                    marker = next
                    #expect(pages < 20)
                }
                #expect(seen == expected, "page size \(pageSize)")
            }
            let one = f.bucket.list(prefix: "", delimiter: nil, after: nil, maxKeys: 2)
            #expect(one.isTruncated)
            #expect(one.nextMarker == "dir/")
            let zero = f.bucket.list(prefix: "", delimiter: nil, after: nil, maxKeys: 0)
            #expect(zero.objects.isEmpty && zero.isTruncated)
        }
    }

    /// Order is by UTF-8 bytes: "Z" < "a" < "é" (C3 A9) < "中" (E4 B8 AD) < "😀" (F0 9F 98 80), and a
    /// supplementary character sorts after U+FFFD (EF BF BD) unlike in UTF-16 order.
    @Test(arguments: StorageTestBackend.allCases)
    func unicodeOrderingByBytes(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let keys = ["Z", "a", "a b", "a+b", "a/b", "é", "\u{FFFD}", "中", "😀", "\u{1}ctl"]
            try fill(f.bucket, keys)
            let expected = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(expected.first == "\u{1}ctl")
            #expect(expected.last == "😀")
            #expect(f.bucket.keys() == expected)
            var paged: [String] = []
            var marker: String?
            repeat {
                let page = f.bucket.list(prefix: "", delimiter: nil, after: marker, maxKeys: 3)
                paged += page.objects.map(\.key)
                marker = page.isTruncated ? page.nextMarker : nil
            } while marker != nil
            #expect(paged == expected)
        }
    }

    @Test(arguments: StorageTestBackend.allCases)
    func listUploadsByKeyWithMarkers(_ kind: StorageTestBackend) throws {
        try withStorage(kind) { f in
            let b = f.bucket
            let u1 = try b.initiateUpload("x/1", attributes: ObjectAttributes())
            let u2 = try b.initiateUpload("x/1", attributes: ObjectAttributes())
            let u3 = try b.initiateUpload("a", attributes: ObjectAttributes())
            _ = try b.initiateUpload("y/2", attributes: ObjectAttributes())
            let all = b.listUploads(prefix: "", delimiter: nil, keyMarker: nil, uploadIDMarker: nil, maxUploads: 1000)
            #expect(all.uploads.map(\.key) == ["a", "x/1", "x/1", "y/2"])
            #expect(Set(all.uploads[1...2].map(\.uploadID)) == [u1, u2])
            #expect(all.uploads[0].uploadID == u3)

            let first = b.listUploads(prefix: "", delimiter: nil, keyMarker: nil, uploadIDMarker: nil, maxUploads: 2)
            #expect(first.isTruncated)
            let rest = b.listUploads(prefix: "", delimiter: nil, keyMarker: first.nextKeyMarker,
                                     uploadIDMarker: first.nextUploadIDMarker, maxUploads: 2)
            #expect((first.uploads + rest.uploads).map(\.uploadID) == all.uploads.map(\.uploadID))
            #expect(!rest.isTruncated)

            let afterKey = b.listUploads(prefix: "", delimiter: nil, keyMarker: "x/1", uploadIDMarker: nil, maxUploads: 10)
            #expect(afterKey.uploads.map(\.key) == ["y/2"])

            let rolled = b.listUploads(prefix: "", delimiter: "/", keyMarker: nil, uploadIDMarker: nil, maxUploads: 10)
            #expect(rolled.uploads.map(\.key) == ["a"])
            #expect(rolled.commonPrefixes == ["x/", "y/"])
        }
    }
}
