#if canImport(Glibc)
import Glibc
#endif

/// Once the keys are read, they leave the environment: unsetenv drops them for children and getenv, and the
/// bytes are zeroed in place first, since /proc/PID/environ shows the environment block the process started
/// with, not what unsetenv leaves. Runs while ossfs still has one thread (getenv is not thread-safe against it).
enum CredentialScrub {
    static let names = ["OSSACCESSKEYID", "OSS_ACCESS_KEY_ID", "OSSSECRETACCESSKEY", "OSS_ACCESS_KEY_SECRET",
                        "OSSSESSIONTOKEN", "OSS_SESSION_TOKEN"]

    static func removeFromEnvironment() {
        var entry = environ
        while let pointer = entry.pointee {
            let length = strlen(pointer)
            let text = String(cString: pointer)
            if let eq = text.firstIndex(of: "="), names.contains(String(text[..<eq])) {
                let nameLength = text.utf8.distance(from: text.utf8.startIndex, to: eq) + 1
                memset(pointer + nameLength, 0, length - nameLength)
            }
            entry += 1
        }
        for name in names { unsetenv(name) }
    }
}
