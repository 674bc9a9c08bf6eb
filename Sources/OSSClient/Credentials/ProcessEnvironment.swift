#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process environment as a dictionary, so the credentials chain can take a made-up one in tests.
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let eq = pair.firstIndex(of: "=") {
                let name = String(pair[..<eq])
                // The first definition wins, as with getenv(3).
                if result[name] == nil { result[name] = String(pair[pair.index(after: eq)...]) }
            }
            entry += 1
        }
        return result
    }
}
