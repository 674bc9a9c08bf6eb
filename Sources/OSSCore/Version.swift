/// The one version number of ossfs: `ossfs --version`, `ossfs-passwd --version`, `mount.ossfs --version`,
/// the User-Agent, and the .deb/.rpm packages (the Makefile reads it from this line) all come from here.
public enum OSSFSVersion { public static let string = "0.1.0" }
