import Foundation
import OSSCore
import Testing

/// Runs the built `oss-local` binary: readiness line, keys from env or a passwd file, clean SIGTERM exit.
@Suite("oss-local command line")
struct ServerCommandLineTests {
    /// The binary beside the test bundle (`swift build` puts both in the same directory).
    static func binary() throws -> String {
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(exe.appendingPathComponent("oss-local").path)
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("oss-local").path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/oss-local").path)
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CommandLineTestError.noBinary(candidates)
        }
        return found
    }

    enum CommandLineTestError: Error { case noBinary([String]), noReadyLine(String) }

    /// Starts oss-local and waits for its readiness line; returns the process and port.
    static func launch(_ arguments: [String], environment: [String: String]) throws -> (Process, Int, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = ""
        while !line.hasSuffix("\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += String(decoding: byte, as: UTF8.self)
        }
        guard line.hasPrefix("oss-local listening on http://127.0.0.1:"),
              let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").last ?? "") else {
            process.terminate()
            throw CommandLineTestError.noReadyLine(line)
        }
        return (process, port, out)
    }

    static func signedGet(port: Int, key: String, id: String, secret: String) throws -> HTTPTestClient.Response {
        var r = SignableRequest(method: "GET", bucket: "clibucket", key: key, headers: [("Host", "127.0.0.1:\(port)")])
        SignatureV1.sign(&r, credentials: Credentials(accessKeyID: id, accessKeySecret: secret),
                         now: Int64(Date().timeIntervalSince1970))
        return try HTTPTestClient(port: port).send(method: "GET", target: "/clibucket/\(key)", headers: r.headers)
    }

    @Test func servesWithEnvironmentKeysAndStopsCleanlyOnSIGTERM() throws {
        let (process, port, _) = try Self.launch(["--listen", "127.0.0.1:0", "--bucket", "clibucket", "--bucket", "coldbucket:Archive"],
                                                 environment: ["OSS_ACCESS_KEY_ID": "cli-id", "OSS_ACCESS_KEY_SECRET": "cli-secret"])
        defer { if process.isRunning { process.terminate() } }
        let r = try Self.signedGet(port: port, key: "nothing", id: "cli-id", secret: "cli-secret")
        #expect(r.status == 404 && r.xmlText("Code") == "NoSuchKey")
        let wrong = try Self.signedGet(port: port, key: "nothing", id: "cli-id", secret: "other")
        #expect(wrong.xmlText("Code") == "SignatureDoesNotMatch")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test func readsKeysFromACredentialsFile() throws {
        let path = NSTemporaryDirectory() + "oss-local-passwd-" + UUID().uuidString
        try "# keys\nclibucket:file-id:file-secret\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (process, port, _) = try Self.launch(["--bucket", "clibucket", "--credentials", path, "--memory"], environment: [:])
        defer { process.terminate(); process.waitUntilExit() }
        #expect(try Self.signedGet(port: port, key: "k", id: "file-id", secret: "file-secret").xmlText("Code") == "NoSuchKey")
    }

    @Test func refusesToStartWithoutKeys() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = ["--bucket", "clibucket"]
        process.environment = [:]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(message.hasPrefix("oss-local: no access keys"))
        #expect(message.split(separator: "\n").count == 1)
    }
}
