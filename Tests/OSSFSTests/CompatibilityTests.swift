import ObjectStore
@testable import OSSFS
import Testing

/// Buckets written by ossfs 1.x (its exact headers), by ossfs 2.0 (native symlinks) and by plain SDK puts.
@Suite struct CompatibilityTests {
    @Test func readsOSSFS1Files() async throws {
        let t = Harness()
        try await t.put("f.txt", bytes("hello"), meta: ["mode": "33188", "uid": "501", "gid": "20",
                                                        "mtime": "1700000000.25", "atime": "1700000001", "ctime": "1700000002"])
        let a = try await t.stat("f.txt")
        #expect(a.kind == .regular)
        #expect(a.permissions == 0o644)
        #expect(a.uid == 501 && a.gid == 20)
        #expect(a.size == 5)
        #expect(a.mtime == Timestamp(seconds: 1_700_000_000, nanoseconds: 250_000_000))
        #expect(a.atime == Timestamp(seconds: 1_700_000_001))
        #expect(a.ctime == Timestamp(seconds: 1_700_000_002))
        #expect(try await t.readFile("f.txt") == bytes("hello"))
    }

    @Test func readsMarkersAndImplicitDirectories() async throws {
        let t = Harness()
        try await t.put("d/", contentType: "application/x-directory", meta: ["mode": "16877", "uid": "7", "gid": "8"])
        try await t.put("imp/deep/file", bytes("x"))
        try await t.put("legacy", contentType: "application/x-directory", meta: ["mode": "16893"])
        let d = try await t.stat("d")
        #expect(d.kind == .directory && d.permissions == 0o755 && d.uid == 7 && d.gid == 8)
        let imp = try await t.stat("imp")
        #expect(imp.kind == .directory && imp.permissions == 0o750 && imp.uid == 1000)
        #expect(try await t.stat("imp/deep").kind == .directory)
        let legacy = try await t.stat("legacy")
        #expect(legacy.kind == .directory && legacy.permissions == 0o775)
        #expect(try await t.names("") == ["d", "imp", "legacy"])
    }

    @Test func implicitDirectoriesOffWithNotsupCompatDir() async throws {
        let t = Harness { $0.noImplicitDirectories = true }
        try await t.put("imp/file", bytes("x"))
        try await t.put("d/", contentType: "application/x-directory")
        await #expect(throws: FSError.notFound) { _ = try await t.ino("imp") }
        #expect(try await t.stat("d").kind == .directory)
    }

    @Test func plainSDKObjectsGetMountDefaults() async throws {
        let t = Harness { $0.defaultUID = 33; $0.defaultGID = 44; $0.umask = 0o027 }
        try await t.put("plain", bytes("abc"))
        try await t.put("dir/x", bytes("abc"))
        let a = try await t.stat("plain")
        #expect(a.permissions == 0o640 && a.uid == 33 && a.gid == 44)
        #expect(a.mtime == (try await t.head("plain")).lastModified)
        #expect(try await t.stat("dir").permissions == 0o750)
        // umask applies to stored modes too, for display only.
        try await t.put("open", meta: ["mode": "33279"])
        #expect(try await t.stat("open").permissions == 0o750)
        #expect(try await t.head("open").userMetadata["mode"] == "33279")
    }

    @Test func complementStatOffShowsNoPermissions() async throws {
        let t = Harness { $0.complementStat = false }
        try await t.put("plain", bytes("abc"))
        #expect(try await t.stat("plain").permissions == 0)
    }

    @Test func forcedOwnerOverridesStoredOwner() async throws {
        let t = Harness { $0.defaultUID = 5; $0.defaultGID = 6; $0.forceOwner = true }
        try await t.put("f", meta: ["mode": "33188", "uid": "1", "gid": "2"])
        let a = try await t.stat("f")
        #expect(a.uid == 5 && a.gid == 6)
    }

    @Test func readsAllThreeSymlinkForms() async throws {
        let t = Harness()
        try await t.put("body-link", bytes("target/one"), meta: ["mode": String(0o120777)])
        try await t.put("header-link", meta: ["mode": String(0o120777), "symlink-target": "header:10:target%2Ftwo"])
        try await t.put("long-link", bytes("target/three"), meta: ["symlink-target": "body:12:"])
        try await t.put("target/three", bytes("data"))
        try await t.memory.putSymlink("native-link", target: "target/three", options: WriteOptions())
        try await t.memory.putSymlink("dangling", target: "nowhere", options: WriteOptions())
        for (name, target) in [("body-link", "target/one"), ("header-link", "target/two"), ("long-link", "target/three"),
                               ("native-link", "target/three"), ("dangling", "nowhere")]
        {
            let ino = try await t.ino(name)
            #expect(try await t.fs.getattr(ino, handle: nil).0.kind == .symlink, "\(name)")
            #expect(try await t.fs.readlink(ino) == target, "\(name)")
            #expect(try await t.fs.getattr(ino, handle: nil).0.size == UInt64(target.utf8.count), "\(name)")
        }
    }

    @Test func writesOSSFS1Metadata() async throws {
        let t = Harness()
        try await t.mkdir("dir", 0o755)
        let marker = try await t.head("dir/")
        #expect(marker.contentType == "application/x-directory")
        #expect(marker.userMetadata["mode"] == "16877")
        #expect(marker.userMetadata["uid"] == "1000" && marker.userMetadata["gid"] == "1000")
        #expect(marker.userMetadata["mtime"] == "1800000000")
        #expect(marker.size == 0)

        try await t.writeFile("dir/f", bytes("content"))
        let f = try await t.head("dir/f")
        #expect(f.userMetadata["mode"] == String(0o100644))
        #expect(f.userMetadata["mtime"] != nil && f.userMetadata["ctime"] != nil && f.userMetadata["atime"] != nil)

        let (p, _) = try await t.split("dir/l")
        _ = try await t.fs.symlink(parent: p, name: "l", target: "f", caller: user)
        let l = try await t.head("dir/l")
        #expect(l.userMetadata["mode"] == String(0o120777))
        #expect(t.memory.storedBytes("dir/l") == bytes("f"))
    }

    @Test func writesHeaderSymlinksWithSymlinkInMeta() async throws {
        let t = Harness { $0.symlinkInMeta = true }
        _ = try await t.fs.symlink(parent: .root, name: "l", target: "a/b c", caller: user)
        let l = try await t.head("l")
        #expect(l.userMetadata["symlink-target"] == "header:5:a%2Fb%20c")
        #expect(l.size == 0)
        let t2 = Harness(memory: t.memory)
        #expect(try await t2.fs.readlink(try await t2.ino("l")) == "a/b c")
    }

    @Test func prefixMountSeesOnlyItsPrefix() async throws {
        let t = Harness { $0.prefix = "/sub/dir" }
        try await t.put("outside", bytes("no"))
        try await t.put("sub/dir/inside", bytes("yes"))
        #expect(try await t.names("") == ["inside"])
        try await t.writeFile("new", bytes("n"))
        #expect(t.memory.keys.contains("sub/dir/new"))
        #expect(try await t.readFile("inside") == bytes("yes"))
    }
}

@Suite struct LegacyDirectoryListingTests {
    @Test func legacyDirectoryObjectsListAsDirectoriesAndKeepTheirInode() async throws {
        let t = Harness { $0.statCacheTTL = 1 }
        try await t.put("legacy", contentType: "application/x-directory", meta: ["mode": "16877"])
        let ino = try await t.ino("legacy")
        t.clock.advance(5)
        let plain = try await t.list("").first { $0.name == "legacy" }!
        #expect(plain.ino == ino && plain.kind == .directory)
        let plus = try await t.list("", plus: true).first { $0.name == "legacy" }!
        #expect(plus.ino == ino && plus.kind == .directory && plus.entry?.attributes.kind == .directory)
        #expect(try await t.fs.getattr(ino, handle: nil).0.kind == .directory)
        #expect(t.fs.inodes.checkInvariants())
    }
}

@Suite struct FolderSuffixTests {
    @Test func s3fsFolderMarkersAreDirectories() async throws {
        let t = Harness()
        try await t.put("old_$folder$")
        try await t.put("old2_$folder$")
        try await t.put("old2/x", bytes("x"))
        #expect(try await t.names("") == ["old", "old2"])
        #expect(try await t.stat("old").kind == .directory)
        #expect(try await t.names("old") == [])
        try await t.fs.rmdir(parent: .root, name: "old")
        #expect(!t.memory.keys.contains("old_$folder$"))
        let (p, _) = try await t.split("old2")
        try await t.fs.rename(parent: p, name: "old2", newParent: .root, newName: "new2", flags: .none)
        #expect(t.memory.keys == ["new2/", "new2/x"])
        #expect(try await t.head("new2/").contentType == "application/x-directory")
    }

    @Test func aPlainFileBesideAFolderMarkerIsAFileToLookupAndReaddirAlike() async throws {
        // s3fs asks for `name` first and so shows the file; lookup does the same (the folder marker is asked
        // for only when nothing else answers), and readdir must agree with it.
        let t = Harness()
        try await t.put("both", bytes("a file"))
        try await t.put("both_$folder$")
        try await t.put("only_$folder$")
        #expect(try await t.stat("both").kind == .regular)
        #expect(try await t.stat("only").kind == .directory)
        for plus in [false, true] {
            let listed = try await t.list("", plus: plus)
            #expect(listed.first { $0.name == "both" }?.kind == .regular, "plus: \(plus)")
            #expect(listed.first { $0.name == "only" }?.kind == .directory, "plus: \(plus)")
        }
        #expect(t.fs.inodes.checkInvariants())
    }

    @Test func notsupCompatDirIgnoresThem() async throws {
        let t = Harness { $0.noImplicitDirectories = true }
        try await t.put("old_$folder$")
        await #expect(throws: FSError.notFound) { _ = try await t.ino("old") }
    }
}

@Suite struct FolderSuffixRemovalTests {
    @Test func rmdirRemovesAFolderMarkerBesideADirMarker() async throws {
        let t = Harness()
        try await t.put("d_$folder$")
        try await t.put("d/", contentType: "application/x-directory")
        try await t.fs.rmdir(parent: .root, name: "d")
        #expect(t.memory.keys.isEmpty)
        #expect(await !t.exists("d"))
    }
}
