/// What mount(8) asked for: `mount.ossfs SPEC DIR [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]`.
/// mount(8) puts flags after the two positionals (and -N after -o), so flags are accepted anywhere.
struct HelperCommandLine {
    var source = ""
    var directory = ""
    /// `-o` lists in the order given; a later list's options win over an earlier one's.
    var optionLists: [String] = []
    var type: String?
    var namespace: String?
    var fake = false
    var verbose = false
    var sloppy = false
    var noMtab = false
    var help = false
    var version = false

    static let usage = """
        Usage: mount.ossfs BUCKET[:/PREFIX] DIR [-sfnv] [-N NAMESPACE] [-o OPTIONS] [-t TYPE]
               mount.ossfs --help | --version
        Mounts an OSS bucket with ossfs; normally run by mount(8) for fstab type fuse.ossfs or ossfs.
          -f  fake: print the ossfs command that would run, and stop
          -v  verbose
          -n  accepted (mount(8) keeps no mtab for FUSE mounts)
          -s  sloppy: drop options ossfs does not know instead of failing
          -N  mount in the mount namespace of file NAMESPACE, or of process id NAMESPACE
          -o  options, comma-separated (see ossfs(1))
          -t  ossfs, fuse.ossfs or fuse
        """

    static func parse(_ arguments: [String]) throws -> HelperCommandLine {
        var line = HelperCommandLine()
        var positional: [String] = []
        var i = 0
        /// The value of a flag that takes one: the rest of this argument (`-oOPTS`) or the next argument.
        func value(of flag: Character, rest: Substring) throws -> String {
            if !rest.isEmpty { return String(rest) }
            guard i < arguments.count else { throw HelperError.usage("option -\(flag) needs a value") }
            i += 1
            return arguments[i - 1]
        }
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            if arg == "--help" || arg == "-h" { line.help = true; continue }
            if arg == "--version" || arg == "-V" { line.version = true; continue }
            if arg == "--" { positional += arguments[i...]; break }
            guard arg.hasPrefix("-"), arg.count > 1 else { positional.append(arg); continue }
            var flags = arg.dropFirst()
            while let flag = flags.popFirst() {
                switch flag {
                case "f": line.fake = true
                case "v": line.verbose = true
                case "s": line.sloppy = true
                case "n": line.noMtab = true
                case "o": line.optionLists.append(try value(of: flag, rest: flags)); flags = ""
                case "t": line.type = try value(of: flag, rest: flags); flags = ""
                case "N": line.namespace = try value(of: flag, rest: flags); flags = ""
                default: throw HelperError.usage("unknown flag -\(flag)")
                }
            }
        }
        if line.help || line.version { return line }
        guard positional.count == 2 else {
            throw HelperError.usage(positional.count < 2 ? "missing \(positional.isEmpty ? "BUCKET and " : "")DIR"
                                    : "unexpected argument '\(positional[2])'")
        }
        line.source = positional[0]
        line.directory = positional[1]
        guard !line.source.isEmpty, !line.directory.isEmpty else { throw HelperError.usage("empty BUCKET or DIR") }
        if let type = line.type, !["ossfs", "fuse.ossfs", "fuse"].contains(type) {
            throw HelperError.usage("type '\(type)' is not ossfs (expected ossfs, fuse.ossfs or fuse)")
        }
        return line
    }
}
