#if canImport(Glibc)
import Glibc
#endif

// mount.ossfs BUCKET[:/PREFIX] DIR [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]: the mount(8) helper for ossfs,
// also installed as mount.fuse.ossfs. See man/mount.ossfs.8. Exit status as mount(8): 0, 1 usage, 32 failed.

setvbuf(stdout, nil, _IOLBF, 0)
let arguments = CommandLine.arguments
do {
    let line = try HelperCommandLine.parse(Array(arguments.dropFirst()))
    if line.help {
        print(HelperCommandLine.usage)
        exit(0)
    }
    if line.version {
        print("mount.ossfs \(HelperVersion.text)")
        exit(0)
    }
    try MountHelper.run(line, argv0: arguments.first ?? "mount.ossfs")
    exit(0)
} catch let error as HelperError {
    MountHelper.warn(error.description)
    if error.status == .usage { MountHelper.warn("usage: mount.ossfs BUCKET[:/PREFIX] DIR [-sfnv] [-N NS] [-o OPTIONS]") }
    exit(error.status.rawValue)
} catch is DaemonFailed {
    exit(HelperError.Status.mountFailure.rawValue)
} catch {
    MountHelper.warn("\(error)")
    exit(HelperError.Status.mountFailure.rawValue)
}
