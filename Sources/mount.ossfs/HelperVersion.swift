import OSSFS

/// mount.ossfs ships with ossfs and carries its version.
enum HelperVersion {
    static var text: String { HelpText.version }
}
