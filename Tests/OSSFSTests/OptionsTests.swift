import ObjectStore
@testable import OSSFS
import Testing

@Suite("ossfs command line")
struct OptionsTests {
    static func mount(_ args: [String], euid: UInt32 = 1000, egid: UInt32 = 100) throws -> MountOptions {
        guard case .mount(let o) = try CommandLineParser.parse(args, euid: euid, egid: egid) else {
            Issue.record("expected a mount action")
            return MountOptions()
        }
        return o
    }

    static func error(_ args: [String], euid: UInt32 = 1000) -> String? {
        do {
            _ = try CommandLineParser.parse(args, euid: euid, egid: 100)
            return nil
        } catch let e as CommandLineError {
            return e.description
        } catch {
            return "\(error)"
        }
    }

    @Test("positional bucket, prefix and mount point; defaults follow ossfs 1.x")
    func positional() throws {
        let o = try Self.mount(["mybucket:/data/sets", "/mnt/oss"])
        #expect(o.bucket == "mybucket")
        #expect(o.prefix == "data/sets/")
        #expect(o.mountpoint == "/mnt/oss")
        #expect(o.source == "mybucket:/data/sets")
        #expect(!o.foreground && o.debugCount == 0 && !o.singleThreaded)
        #expect(o.logLevel == .error)
        #expect(o.client.url == "https://oss-cn-hangzhou.aliyuncs.com")
        #expect(o.client.retries == 5 && o.client.connectTimeout == 300 && o.client.readwriteTimeout == 120)
        #expect(o.filesystem.defaultUID == 1000 && o.filesystem.defaultGID == 100 && !o.filesystem.forceOwner)
        #expect(!o.adapter.xattrs, "without use_xattr the adapter refuses xattr requests itself")
        #expect(o.filesystem.multipartSize == 10 << 20 && o.filesystem.multipartThreshold == 25 << 20)
        #expect(o.filesystem.statCacheTTL == 900 && o.filesystem.attributeTimeout == 1)
        #expect(o.libfuseOptions == ["fsname=mybucket:/data/sets", "subtype=ossfs"])
        let bare = try Self.mount(["b", "m"])
        #expect(bare.prefix == "" && bare.source == "b")
        #expect(try Self.mount(["b:/", "m"]).prefix == "")
        #expect(try Self.mount(["b:/a//b/", "m"]).prefix == "a/b/")
    }

    @Test("-o lists in every form, flags anywhere")
    func optionForms() throws {
        let o = try Self.mount(["-f", "b", "-ourl=http://127.0.0.1:9000/", "/m", "-o", "allow_other,uid=0,gid=5",
                                "-o", "umask=022", "-s", "-d"], euid: 0)
        #expect(o.foreground && o.singleThreaded && o.debugCount == 1 && o.logLevel == .debug)
        #expect(o.client.url == "http://127.0.0.1:9000")
        #expect(o.filesystem.allowOther && o.filesystem.forceOwner)
        #expect(o.filesystem.defaultUID == 0 && o.filesystem.defaultGID == 5 && o.filesystem.umask == 0o22)
        #expect(o.fuseOptions == ["allow_other", "default_permissions"])
    }

    @Test("every ossfs 1.x option of issue 4 lands where it belongs")
    func everyOption() throws {
        let list = [
            "url=https://oss-cn-beijing-internal.aliyuncs.com", "region=cn-beijing", "sigv4",
            "passwd_file=/etc/p", "ram_role=myrole", "allow_other", "uid=7", "gid=8", "umask=0027", "mp_umask=022",
            "nonempty", "default_acl=private", "storage_class=IA", "retries=3", "connect_timeout=10",
            "readwrite_timeout=20", "list_object_max_keys=1000", "listobjectsv2", "multipart_size=16",
            "multipart_threshold=64", "parallel_count=8", "multireq_max=30", "nomultipart", "nocopyapi",
            "max_stat_cache_size=5000", "stat_cache_expire=30", "disable_noobj_cache", "use_cache=/var/cache/o",
            "del_cache", "ensure_diskfree=1024", "tmpdir=/var/tmp", "max_dirty_data=100", "use_path_request_style",
            "no_check_certificate", "use_xattr", "symlink_in_meta", "readdir_optimize", "complement_stat",
            "notsup_compat_dir", "logfile=/var/log/ossfs.log", "dbglevel=info", "curldbg=body",
            "ro", "kernel_cache", "negative_timeout=2", "max_read=131072", "fsname=x", "subtype=y",
        ].joined(separator: ",")
        let o = try Self.mount(["b", "/m", "-o", list])
        let c = o.client
        #expect(c.url == "https://oss-cn-beijing-internal.aliyuncs.com" && c.region == "cn-beijing" && c.signature == .v4)
        #expect(c.passwdFile == "/etc/p" && c.ramRole == "myrole")
        #expect(c.retries == 3 && c.connectTimeout == 10 && c.readwriteTimeout == 20 && c.maxKeys == 1000)
        #expect(c.listObjectsV2 && c.forcePathStyle && !c.verifyTLS && c.curlDebug == .body)
        let f = o.filesystem
        #expect(f.allowOther && f.defaultUID == 7 && f.defaultGID == 8 && f.forceOwner)
        #expect(f.umask == 0o27 && f.mountPointUmask == 0o22 && o.nonempty)
        #expect(f.acl == .private && f.storageClass == .infrequentAccess)
        #expect(f.multipartSize == 16 << 20 && f.multipartThreshold == 64 << 20 && !f.multipartEnabled)
        #expect(f.parallelCount == 8 && f.multiRequestMax == 30 && !f.copyAPIEnabled)
        #expect(f.statCacheSize == 5000 && f.statCacheTTL == 30 && !f.negativeCache)
        #expect(f.attributeTimeout == 30 && f.entryTimeout == 30, "stat_cache_expire sets the kernel timeouts")
        #expect(f.cacheDirectory == "/var/cache/o" && f.deleteCache && f.ensureDiskFree == 1024 << 20)
        #expect(f.stagingDirectory == "/var/tmp" && f.maxDirtyData == 100 << 20)
        #expect(f.xattrEnabled && f.symlinkInMeta && f.readdirOptimize && f.complementStat && f.noImplicitDirectories)
        #expect(o.adapter.xattrs, "use_xattr reaches the FUSE adapter too")
        #expect(f.readOnly && f.negativeTimeout == 2 && o.adapter.negativeTimeout == 2 && o.adapter.kernelCache)
        #expect(o.logFile == "/var/log/ossfs.log" && o.logLevel == .info)
        #expect(o.libfuseOptions == ["allow_other", "default_permissions", "ro", "max_read=131072", "fsname=x", "subtype=y"])
        #expect(o.notices.isEmpty)
    }

    @Test("explicit attr_timeout/entry_timeout win over stat_cache_expire")
    func timeouts() throws {
        let o = try Self.mount(["b", "m", "-o", "attr_timeout=0.5,stat_cache_expire=60"])
        #expect(o.filesystem.attributeTimeout == 0.5 && o.filesystem.entryTimeout == 60)
        let never = try Self.mount(["b", "m", "-o", "stat_cache_expire=-1"])
        #expect(never.filesystem.statCacheTTL == -1 && never.filesystem.attributeTimeout == 1)
    }

    @Test("fstab words are dropped; bucket= and the mount.fuse program name are handled")
    func fstab() throws {
        let o = try Self.mount(["b", "/m", "-o", "_netdev,auto,noauto,user,users,nouser,nofail,defaults,dev,suid,rw,"
                                + "x-systemd.automount,comment=systemd.requires=net,allow_other"])
        #expect(o.fuseOptions == ["allow_other", "default_permissions"])
        let named = try Self.mount(["ossfs", "/m", "-o", "bucket=bk:/p"])
        #expect(named.bucket == "bk" && named.prefix == "p/" && named.mountpoint == "/m")
    }

    @Test("escaped commas survive into values and back out for libfuse")
    func escapes() throws {
        let o = try Self.mount(["b", "m", "-o", "fsname=a\\,b"])
        #expect(o.fuseOptions == ["fsname=a,b"])
        #expect(o.libfuseOptions.first == "fsname=a\\,b")
    }

    @Test("help, version")
    func helpAndVersion() throws {
        guard case .help = try CommandLineParser.parse(["--help"], euid: 0, egid: 0) else {
            Issue.record("--help"); return
        }
        guard case .version = try CommandLineParser.parse(["b", "--version"], euid: 0, egid: 0) else {
            Issue.record("--version"); return
        }
        let help = HelpText.usage
        for group in OptionTable.groups {
            for spec in group.options {
                for name in spec.names { #expect(help.contains(name), "--help misses \(name)") }
            }
        }
        #expect(help.contains("stat_cache_expire=SECONDS") && help.contains("(default: 900)"))
        #expect(help.contains("dbglevel=LEVEL") && help.contains("(default: err)"))
    }

    @Test("mistakes are one clear line naming the option")
    func errors() {
        #expect(Self.error(["b", "m", "-o", "frobnicate"]) == "unknown option 'frobnicate' (see ossfs --help)")
        // An unknown option's value is never echoed: it may be a secret typed in the wrong place.
        let secret = Self.error(["b", "m", "-o", "secret_key=abcd1234"])
        #expect(secret == "unknown option 'secret_key' (see ossfs --help)")
        #expect(Self.error(["b", "m", "-o", "accessKeyId=AK"]) == "option accessKeyId is no longer supported.")
        #expect(Self.error(["b", "m", "-o", "secretAccessKey=S"]) == "option secretAccessKey is no longer supported.")
        #expect(Self.error(["b", "m", "-o", "retries=many"])
            == "invalid value for option 'retries': \"many\" (expected a whole number from 0 to 100)")
        #expect(Self.error(["b", "m", "-o", "umask=999"])?.contains("umask") == true)
        #expect(Self.error(["b", "m", "-o", "multipart_size=4"])?.contains("multipart_size") == true)
        #expect(Self.error(["b", "m", "-o", "max_dirty_data=10"])?.contains("max_dirty_data") == true)
        #expect(Self.error(["b", "m", "-o", "list_object_max_keys=500"])?.contains("list_object_max_keys") == true)
        #expect(Self.error(["b", "m", "-o", "storage_class=Glacier"])?.contains("storage_class") == true)
        #expect(Self.error(["b", "m", "-o", "default_acl=everyone"])?.contains("default_acl") == true)
        #expect(Self.error(["b", "m", "-o", "dbglevel=loud"])?.contains("dbglevel") == true)
        #expect(Self.error(["b", "m", "-o", "nonempty=1"]) == "option 'nonempty' takes no value")
        #expect(Self.error(["b", "m", "-o", "url="]) == "option 'url' needs a value: url=URL")
        #expect(Self.error(["b", "m", "-o", "use_sse"])?.hasPrefix("option use_sse is not supported") == true)
        #expect(Self.error(["b", "m", "-x"]) == "unknown argument '-x' (see ossfs --help)")
        #expect(Self.error(["b"])?.hasPrefix("missing MOUNTPOINT argument") == true)
        #expect(Self.error([])?.hasPrefix("missing BUCKET argument") == true)
        #expect(Self.error(["b", "m", "extra"]) == "unexpected argument 'extra' after the mount point")
        #expect(Self.error(["b:/a/../c", "m"])?.contains("'..'") == true)
        #expect(Self.error(["b", "m", "-o", "uid=0"], euid: 1000)?.contains("uid=0") == true)
        #expect(Self.error(["b", "m", "-o", "uid=0"], euid: 0) == nil)
        #expect(Self.error(["b", "m", "-o"]) != nil)
    }

    @Test("accepted ossfs 1.x options without effect are reported, not silently ignored")
    func notices() throws {
        let o = try Self.mount(["b", "m", "-o", "direct_read,noua,auto_cache"])
        #expect(o.notices.count == 3)
        #expect(o.notices.allSatisfy { $0.contains("has no effect") })
    }

    @Test("-d twice asks libfuse for its trace and stays in the foreground")
    func doubleDebug() throws {
        let o = try Self.mount(["b", "m", "-d", "-d"])
        #expect(o.debugCount == 2 && o.foreground && o.logLevel == .debug)
    }

    @Test("mountinfo parsing finds the newest mount's device numbers, with escaped paths")
    func mountinfo() {
        let text = """
        22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/root rw
        36 22 0:45 / /mnt/my\\040dir rw,nosuid,nodev,relatime shared:20 - fuse.ossfs b rw,user_id=0,group_id=0
        37 22 0:46 / /mnt/x rw - fuse.ossfs b rw
        38 22 0:47 / /mnt/my\\040dir rw - fuse.ossfs b rw
        """
        #expect(KernelReadahead.deviceNumbers(mountinfo: text, mountpoint: "/mnt/my dir") == "0:47")
        #expect(KernelReadahead.deviceNumbers(mountinfo: text, mountpoint: "/mnt/x") == "0:46")
        #expect(KernelReadahead.deviceNumbers(mountinfo: text, mountpoint: "/mnt/none") == nil)
    }
}
