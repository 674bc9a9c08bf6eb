import Foundation

/// Where oss-local's accepted keys come from: the environment and passwd-ossfs files, never argv.
public enum AccessKeySources {
    /// OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET, and OSS_SESSION_TOKEN which requests must then carry.
    public static func fromEnvironment(_ environment: [String: String]) -> [AccessKey] {
        guard let id = environment["OSS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["OSS_ACCESS_KEY_SECRET"], !secret.isEmpty else { return [] }
        let token = environment["OSS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return [AccessKey(id: id, secret: secret, securityToken: token)]
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var source: String
        public var line: Int
        public var description: String { "\(source):\(line): expected id:secret or bucket:id:secret" }
    }

    /// passwd-ossfs format: `id:secret` or `bucket:id:secret` per line; blank lines and `#` comments skipped.
    /// Errors name the file and line, never the secret.
    public static func parsePasswd(_ text: String, source: String) throws -> [AccessKey] {
        var keys: [AccessKey] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpacesAndReturns
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch fields.count {
            case 2 where !fields[0].isEmpty && !fields[1].isEmpty:
                keys.append(AccessKey(id: fields[0], secret: fields[1]))
            case 3 where !fields[0].isEmpty && !fields[1].isEmpty && !fields[2].isEmpty:
                keys.append(AccessKey(id: fields[1], secret: fields[2], bucket: fields[0]))
            default:
                throw FormatError(source: source, line: index + 1)
            }
        }
        return keys
    }
}

extension Substring {
    fileprivate var trimmingSpacesAndReturns: String {
        String(self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
