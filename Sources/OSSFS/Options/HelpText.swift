/// `ossfs --help` and `ossfs --version`, generated from the option table so that every option is listed
/// with its default.
public enum HelpText {
    public static let version = "2.0.0"

    public static var versionText: String {
        "ossfs \(version): an Alibaba Cloud OSS bucket as a Linux filesystem (libfuse3)\n"
    }

    public static var usage: String {
        var text = """
        Usage: ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o OPTION[=VALUE],...] [-f] [-d] [-s]
               ossfs --help | --version

        Mounts an OSS bucket, or the keys under PREFIX, on MOUNTPOINT. Without -f ossfs returns once the
        mount is live (exit 0) or has failed (non-zero, with the reason).

          -f          stay in the foreground, log to stderr
          -d          debug logging (twice: libfuse prints every request too; implies -f)
          -s          one thread reads FUSE requests
          -h, --help  this text
          --version   the version

        Credentials come from passwd_file=, the environment (OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET
        / OSS_SESSION_TOKEN, or OSSACCESSKEYID / OSSSECRETACCESSKEY / OSSSESSIONTOKEN), the file named by
        $OSS_CREDENTIAL_FILE, ~/.passwd-ossfs, /etc/passwd-ossfs, or ram_role. Never put a secret on the
        command line.

        fstab: BUCKET[:/PREFIX] MOUNTPOINT fuse.ossfs _netdev,allow_other,url=URL 0 0
        The words _netdev, auto, noauto, user, users, nouser, nofail, defaults, dev, suid, rw and x-* are
        accepted and ignored.

        Options (-o):

        """
        for group in OptionTable.groups {
            text += "  \(group.title):\n"
            for spec in group.options {
                var left = spec.names.joined(separator: ", ")
                switch spec.argument {
                case .none: break
                case .required(let arg): left = spec.names.map { "\($0)=\(arg)" }.joined(separator: ", ")
                case .optional(let arg): left = spec.names.map { "\($0)[=\(arg)]" }.joined(separator: ", ")
                }
                var line = "    " + left
                line += String(repeating: " ", count: max(1, 40 - line.count))
                line += spec.help
                if spec.defaultValue != "-" { line += " (default: \(spec.defaultValue))" }
                text += line + "\n"
            }
            text += "\n"
        }
        return text
    }
}
