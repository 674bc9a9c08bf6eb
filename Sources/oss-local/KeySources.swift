import ArgumentParser
import Foundation
import OSSLocalServer

/// Where oss-local's accepted keys come from: the environment and passwd-ossfs files, never argv.
enum KeySources {
    static func fromEnvironment(_ environment: [String: String]) -> [AccessKey] {
        guard let id = environment["OSS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["OSS_ACCESS_KEY_SECRET"], !secret.isEmpty else { return [] }
        let token = environment["OSS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return [AccessKey(id: id, secret: secret, securityToken: token)]
    }

    /// passwd-ossfs format: `id:secret` or `bucket:id:secret` per line; blank lines and `#` comments skipped.
    /// Errors name the file and line, never the secret.
    static func fromFile(_ path: String) throws -> [AccessKey] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read credentials file \(path)")
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> [AccessKey] {
        var keys: [AccessKey] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch fields.count {
            case 2 where !fields[0].isEmpty && !fields[1].isEmpty:
                keys.append(AccessKey(id: fields[0], secret: fields[1]))
            case 3 where !fields[0].isEmpty && !fields[1].isEmpty && !fields[2].isEmpty:
                keys.append(AccessKey(id: fields[1], secret: fields[2], bucket: fields[0]))
            default:
                throw ValidationError("\(source):\(index + 1): expected id:secret or bucket:id:secret")
            }
        }
        return keys
    }
}
