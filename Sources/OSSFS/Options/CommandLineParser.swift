/// Parses `ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o opt[=val],...] [-f] [-d] [-s]` the way ossfs 1.x does:
/// `-o` lists may repeat and appear anywhere, `-oopt` works too, a `\,` is a literal comma. Every option is
/// checked: an unknown one, a missing or extra value, or a bad value is a `CommandLineError` naming it. Values
/// of unknown options are never echoed, since a mistyped option may carry a secret.
public enum CommandLineParser {
    /// `euid`/`egid`: the defaults for uid=/gid= (and the check that only root may ask for uid=0).
    public static func parse(_ arguments: [String], euid: UInt32, egid: UInt32) throws -> CommandLineAction {
        var state = OptionState(euid: euid, egid: egid)
        state.options.filesystem.defaultUID = euid
        state.options.filesystem.defaultGID = egid
        var positional: [String] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            i += 1
            switch arg {
            case "-h", "--help": return .help
            case "-V", "--version": return .version
            case "-f", "--foreground": state.options.foreground = true
            case "-s": state.options.singleThreaded = true
            case "-d", "--debug": state.options.debugCount += 1
            case "-u", "--incomplete-mpu-list": state.incompleteUploads = .list
            case "--incomplete-mpu-abort": state.incompleteUploads = .abort(olderThan: UploadAge.defaultAge)
            case "-o":
                guard i < arguments.count else { throw CommandLineError("option -o needs a value, e.g. -o allow_other") }
                try applyList(arguments[i], to: &state)
                i += 1
            default:
                if arg.hasPrefix("--incomplete-mpu-abort=") {
                    let v = String(arg.dropFirst("--incomplete-mpu-abort=".count))
                    guard let age = UploadAge.parse(v) else {
                        throw CommandLineError("--incomplete-mpu-abort=\(v): expected all or an age such as 1Y6M10D12h30m30s")
                    }
                    state.incompleteUploads = .abort(olderThan: age)
                } else if arg.hasPrefix("-o") {
                    try applyList(String(arg.dropFirst(2)), to: &state)
                } else if arg.hasPrefix("-") && arg.count > 1 {
                    throw CommandLineError("unknown argument '\(arg)' (see ossfs --help)")
                } else {
                    positional.append(arg)
                }
            }
        }
        if let command = state.incompleteUploads {
            // Only the bucket: there is nothing to mount.
            guard positional.count == 1 || (positional.isEmpty && !state.options.bucket.isEmpty) else {
                throw CommandLineError("usage: ossfs --incomplete-mpu-list|--incomplete-mpu-abort[=AGE] BUCKET[:/PREFIX] [-o options]")
            }
            if let first = positional.first {
                let (bucket, prefix) = try OptionValues.bucketAndPrefix(first)
                state.options.bucket = bucket
                state.options.prefix = prefix
            }
            try finish(&state)
            return .incompleteUploads(state.options, command)
        }
        try assignPositional(positional, to: &state)
        try finish(&state)
        return .mount(state.options)
    }

    /// BUCKET then MOUNTPOINT. With bucket= given, the only positional is the mount point; mount.fuse may put
    /// the program name `ossfs` first (the `ossfs#bucket` fstab form), which is skipped once the bucket is known.
    static func assignPositional(_ positional: [String], to state: inout OptionState) throws {
        var rest = positional[...]
        if state.options.bucket.isEmpty {
            guard let first = rest.popFirst() else {
                throw CommandLineError("missing BUCKET argument (usage: ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o options])")
            }
            let (bucket, prefix) = try OptionValues.bucketAndPrefix(first)
            state.options.bucket = bucket
            state.options.prefix = prefix
        }
        if rest.count > 1, rest.first == "ossfs" { rest = rest.dropFirst() }
        guard let mountpoint = rest.popFirst() else {
            throw CommandLineError("missing MOUNTPOINT argument (usage: ossfs BUCKET[:/PREFIX] MOUNTPOINT [-o options])")
        }
        state.options.mountpoint = mountpoint
        if let extra = rest.first { throw CommandLineError("unexpected argument '\(extra)' after the mount point") }
    }

    /// Splits one `-o` list on commas not escaped by a backslash.
    static func splitList(_ list: String) -> [String] {
        var items: [String] = []
        var current = ""
        var escaped = false
        for c in list {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," {
                items.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        if escaped { current.append("\\") }
        items.append(current)
        return items.filter { !$0.isEmpty }
    }

    static func applyList(_ list: String, to state: inout OptionState) throws {
        for item in splitList(list) { try apply(item, to: &state) }
    }

    static func apply(_ item: String, to state: inout OptionState) throws {
        let name: String
        let value: String?
        if let eq = item.firstIndex(of: "=") {
            name = String(item[..<eq])
            value = String(item[item.index(after: eq)...])
        } else {
            name = item
            value = nil
        }
        // Words meant for mount(8) and systemd; `comment=` carries a value, so it is matched by name.
        if OptionTable.fstabWords.contains(name) || name.hasPrefix("x-") || name == "comment" { return }
        if OptionTable.removed.contains(name) { throw CommandLineError("option \(name) is no longer supported.") }
        guard let spec = OptionTable.byName[name] else {
            throw CommandLineError("unknown option '\(name)' (see ossfs --help)")
        }
        switch spec.argument {
        case .none:
            if value != nil { throw CommandLineError("option '\(name)' takes no value") }
        case .required(let arg):
            guard let value, !value.isEmpty else { throw CommandLineError("option '\(name)' needs a value: \(name)=\(arg)") }
        case .optional:
            break
        }
        try spec.apply(&state, name, value)
    }

    /// Rules that involve more than one option, and defaults that depend on others.
    static func finish(_ state: inout OptionState) throws {
        var o = state.options
        o.filesystem.prefix = o.prefix
        o.filesystem.bucket = o.bucket
        if state.uidGiven, o.filesystem.defaultUID == 0, state.euid != 0 {
            throw CommandLineError("option uid=0 needs root: a non-root user may not mount files as owned by root")
        }
        if o.filesystem.multipartThreshold < o.filesystem.multipartSize {
            o.filesystem.multipartThreshold = o.filesystem.multipartSize
        }
        // ossfs 1.x raises the free-space floor to a part, so staging one part never fills the disk.
        if state.ensureDiskFreeGiven, o.filesystem.ensureDiskFree < o.filesystem.multipartSize {
            o.filesystem.ensureDiskFree = o.filesystem.multipartSize
        }
        if state.statCacheExpireGiven, o.filesystem.statCacheTTL >= 0 {
            if !state.attributeTimeoutGiven { o.filesystem.attributeTimeout = o.filesystem.statCacheTTL }
            if !state.entryTimeoutGiven { o.filesystem.entryTimeout = o.filesystem.statCacheTTL }
        }
        o.adapter.xattrs = o.filesystem.xattrEnabled
        if o.debugCount > 0, o.logLevel < .debug { o.logLevel = .debug }
        // libfuse prints its request trace on stderr, which a daemon no longer has.
        if o.debugCount > 1 { o.foreground = true }
        if o.filesystem.deleteCache || o.checkCacheDirectoryExists, o.filesystem.cacheDirectory == nil {
            o.notices.append("del_cache and check_cache_dir_exist have no effect without use_cache=DIR")
        }
        state.options = o
    }
}
