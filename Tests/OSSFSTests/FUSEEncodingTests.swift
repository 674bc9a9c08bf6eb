import CFuse
import Glibc
import ObjectStore
@testable import OSSFS
import Testing

@Suite("FUSE request decoding and reply encoding")
struct FUSEEncodingTests {
    @Test("setattr bits: explicit times, *_NOW, size, mode, owner")
    func setattrBits() {
        var st = stat()
        st.st_mode = 0o100640
        st.st_uid = 7
        st.st_gid = 8
        st.st_size = 1234
        st.st_atim = timespec(tv_sec: 100, tv_nsec: 5)
        st.st_mtim = timespec(tv_sec: 200, tv_nsec: 6)
        let all = FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID | FUSE_SET_ATTR_SIZE
            | FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME
        let c = FuseEncoding.attributeChanges(st, toSet: all)
        #expect(c == AttributeChanges(permissions: 0o640, uid: 7, gid: 8, size: 1234,
                                      atime: .to(Timestamp(seconds: 100, nanoseconds: 5)),
                                      mtime: .to(Timestamp(seconds: 200, nanoseconds: 6))))
        let now = FuseEncoding.attributeChanges(st, toSet: FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW
            | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)
        #expect(now == AttributeChanges(atime: .now, mtime: .now))
        #expect(FuseEncoding.attributeChanges(st, toSet: FUSE_SET_ATTR_MTIME) == AttributeChanges(
            mtime: .to(Timestamp(seconds: 200, nanoseconds: 6))))
        #expect(FuseEncoding.attributeChanges(st, toSet: 0) == AttributeChanges())
    }

    @Test("open flags")
    func openFlags() {
        #expect(FuseEncoding.openFlags(O_RDONLY) == OpenFlags(access: .readOnly))
        #expect(FuseEncoding.openFlags(O_WRONLY | O_TRUNC) == OpenFlags(access: .writeOnly, truncate: true))
        #expect(FuseEncoding.openFlags(O_RDWR | O_APPEND | O_EXCL)
            == OpenFlags(access: .readWrite, append: true, exclusive: true))
    }

    @Test("rename and setxattr flags; unknown bits are refused")
    func flagWords() {
        #expect(FuseEncoding.renameFlags(0) == RenameFlags.none)
        #expect(FuseEncoding.renameFlags(1) == .noReplace)
        #expect(FuseEncoding.renameFlags(2) == .exchange)
        #expect(FuseEncoding.renameFlags(4) == nil)   // RENAME_WHITEOUT
        #expect(FuseEncoding.xattrMode(0) == .either)
        #expect(FuseEncoding.xattrMode(1) == .create)
        #expect(FuseEncoding.xattrMode(2) == .replace)
        #expect(FuseEncoding.xattrMode(3) == nil)
        #expect(FuseEncoding.xattrNameList(["user.a", "user.bc"]) == Array("user.a\0user.bc\0".utf8))
        #expect(FuseEncoding.xattrNameList([]) == [])
    }

    @Test("attributes become struct stat with the type bits, blocks and nanoseconds")
    func statEncoding() {
        let a = FileAttributes(ino: InodeNumber(42), kind: .symlink, permissions: 0o777, nlink: 1, uid: 3, gid: 4,
                               size: 513, atime: Timestamp(seconds: 1, nanoseconds: 2),
                               mtime: Timestamp(seconds: 3, nanoseconds: 4), ctime: Timestamp(seconds: 5))
        let st = FuseEncoding.stat(a)
        #expect(st.st_ino == 42 && st.st_mode == 0o120777 && st.st_nlink == 1 && st.st_uid == 3 && st.st_gid == 4)
        #expect(st.st_size == 513 && st.st_blocks == 2)
        #expect(st.st_mtim.tv_sec == 3 && st.st_mtim.tv_nsec == 4 && st.st_atim.tv_nsec == 2)
        let e = FuseEncoding.entryParam(Entry(attributes: a, entryTimeout: 2, attributeTimeout: 3))
        #expect(e.ino == 42 && e.entry_timeout == 2 && e.attr_timeout == 3 && e.attr.st_ino == 42)
    }
}

@Suite struct KernelNameTests {
    private func decoded(_ bytes: [UInt8]) -> String? {
        (bytes + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { strictUTF8($0.baseAddress) } }
    }

    @Test func onlyWellFormedUTF8NamesAreTaken() {
        #expect(decoded(Array("café 日本 😀".utf8)) == "café 日本 😀")
        #expect(decoded([]) == "")
        for bad: [UInt8] in [[0x72, 0xE9], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE6, 0x97], [0x80]] {
            #expect(decoded(bad) == nil, "\(bad)")   // Latin-1, invalid byte, overlong, surrogate, cut, stray
        }
        #expect(strictUTF8(nil) == nil)
    }
}
