#if canImport(Glibc)
import Glibc
#endif

/// mount.ossfs from parsed arguments to a live mount: translate, check, then run ossfs.
enum MountHelper {
    static func run(_ line: HelperCommandLine, argv0: String) throws {
        let bucket = try MountSource.bucketArgument(line.source)
        let translation = try OptionTranslation.translate(line.optionLists, sloppy: line.sloppy)
        if line.verbose && !translation.droppedForMount.isEmpty {
            say("ignoring mount(8) options: \(translation.droppedForMount.joined(separator: ", "))")
        }
        if !translation.droppedUnknown.isEmpty {
            // -s asked for this; still say which options did nothing, on stderr like mount(8)'s own warnings.
            warn("sloppy mode: dropping options ossfs does not know: \(translation.droppedUnknown.joined(separator: ", "))")
        }
        HelperEnvironment.prepare()
        // mount(8) passes an absolute DIR; a relative one would change meaning after setns.
        let directory = absolute(line.directory)
        let daemon = try DaemonLocator.find(argv0: argv0)
        var arguments = [bucket, directory]
        if !translation.options.isEmpty { arguments += ["-o", OptionList.join(translation.options)] }
        let command = [daemon] + arguments

        if line.fake {
            if let refusal = OssfsOptionCheck.refusal(arguments) {
                throw HelperError.mountFailure("ossfs would refuse this mount: \(refusal)")
            }
            print(ShellQuote.command(command))
            return
        }
        if let namespace = line.namespace {
            try MountNamespace.enter(namespace)
            if line.verbose { say("entered mount namespace \(namespace)") }
        }
        if line.verbose { say("running: \(ShellQuote.command(command))") }
        try DaemonRunner.run(command)
        if line.verbose { say("mounted \(line.source) on \(directory)") }
    }

    private static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + path
    }

    static func say(_ text: String) {
        print("mount.ossfs: \(text)")
    }

    static func warn(_ text: String) {
        let line = "mount.ossfs: \(text)\n"
        line.withCString { _ = write(2, $0, strlen($0)) }
    }
}
