import ArgumentParser
import Foundation
import OSSLocalServer

/// Reads a --credentials file; the parsing itself lives (and is tested) in OSSLocalServer.
enum KeySources {
    static func fromFile(_ path: String) throws -> [AccessKey] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read credentials file \(path)")
        }
        do {
            return try AccessKeySources.parsePasswd(text, source: path)
        } catch let error as AccessKeySources.FormatError {
            throw ValidationError(error.description)
        }
    }
}
