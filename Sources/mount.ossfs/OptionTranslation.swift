#if canImport(Glibc)
import Glibc
#endif
import OSSFS

/// Turns what mount(8) passes into the option list ossfs gets: words meant for mount(8) and systemd are
/// dropped, ro/rw become ossfs's `ro`, a repeated option keeps its last value, options that would carry a
/// secret are refused, and options ossfs does not know are refused (or dropped with -s) here, so that their
/// values never reach ossfs's argv.
struct OptionTranslation {
    var options: [MountOption] = []
    /// Names dropped as mount(8)/systemd words, for -v.
    var droppedForMount: [String] = []
    /// Names ossfs does not know, dropped because of -s.
    var droppedUnknown: [String] = []

    /// Read by mount(8), systemd or mount.fuse, never by the filesystem. ossfs always mounts nosuid,nodev, so
    /// `dev` and `suid` (which mount.fuse adds) mean nothing to it either.
    static let mountWords: Set<String> = ["_netdev", "auto", "noauto", "user", "users", "nouser", "owner", "group",
                                          "nofail", "defaults", "dev", "suid"]

    static func translate(_ lists: [String], sloppy: Bool) throws -> OptionTranslation {
        var result = OptionTranslation()
        var readOnly = false
        var kept: [MountOption] = []
        for option in lists.flatMap(OptionList.parse) {
            try refuseSecret(option)
            let name = option.name
            if mountWords.contains(name) || name.hasPrefix("x-") || name == "comment" {
                result.droppedForMount.append(name)
            } else if name == "ro" || name == "rw" {
                guard option.value == nil else { throw HelperError.mountFailure("option '\(name)' takes no value") }
                readOnly = name == "ro"
            } else {
                kept.removeAll { $0.name == name }     // repeated: the last one wins
                kept.append(option)
            }
        }
        if readOnly { kept.insert(MountOption(name: "ro", value: nil), at: 0) }
        for option in kept {
            if OssfsOptionCheck.isKnown(option) {
                result.options.append(option)
            } else if sloppy {
                result.droppedUnknown.append(option.name)
            } else {
                throw HelperError.mountFailure("unknown option '\(option.name)' (see ossfs(1); -s drops unknown "
                    + "options)")
            }
        }
        return result
    }

    /// ossfs 1.x's removed key options, and the options of credential libraries: named by ossfs's table
    /// or by ossfs 1.x, and they would carry a credential.
    static let credentialOptions: Set<String> = ["accesskeyid", "secretaccesskey", "credlib_opts"]

    /// ossfs reads credentials from files, the environment or the instance's RAM role, never from options:
    /// an option that would carry one is refused before it can reach an argv (which every user can read in
    /// /proc), even with -s. Options ossfs knows are never taken for one, except `credentialOptions`; an
    /// unknown name is when it says secret, password or token and has a value. The value is never repeated.
    static func refuseSecret(_ option: MountOption) throws {
        let name = option.name.lowercased()
        let looksLikeSecret = name.contains("secret") || name.contains("password") || name.contains("token")
        let carriesSecret = credentialOptions.contains(name)
            || (looksLikeSecret && option.value != nil && !OssfsOptionCheck.isKnown(option))
        guard carriesSecret else { return }
        throw HelperError.mountFailure("option '\(option.name)' would put a credential on the command line, "
            + "where other users can read it; store keys with ossfs-passwd (passwd_file=FILE, /etc/passwd-ossfs) "
            + "or in the environment (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_SESSION_TOKEN)")
    }
}

/// Asks ossfs's own option parser (linked in, so it is the same table) whether it knows an option.
enum OssfsOptionCheck {
    static func isKnown(_ option: MountOption) -> Bool {
        do {
            _ = try CommandLineParser.parse(["sloppy-check", "/", "-o", option.escaped], euid: 0, egid: 0)
            return true
        } catch let error as CommandLineError {
            // A known option with a bad value is ossfs's to report; only an unknown name is ours.
            return !error.description.hasPrefix("unknown option ")
        } catch {
            return true
        }
    }

    /// What ossfs would say about the whole command line, for -f, which runs nothing.
    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try CommandLineParser.parse(arguments, euid: geteuid(), egid: getegid())
            return nil
        } catch {
            return "\(error)"
        }
    }
}
