@testable import OSSFS
import Testing

@Suite struct ReliabilityOptionsTests {
    func mount(_ args: [String]) throws -> MountOptions {
        guard case .mount(let o) = try CommandLineParser.parse(args, euid: 1000, egid: 1000) else {
            throw CommandLineError("not a mount")
        }
        return o
    }

    @Test func mpuAbortAgeTakesSecondsOrDurations() throws {
        #expect(try mount(["b", "/mnt"]).filesystem.multipartAbortAge == 86400)
        #expect(try mount(["b", "/mnt", "-o", "mpu_abort_age=3600"]).filesystem.multipartAbortAge == 3600)
        #expect(try mount(["b", "/mnt", "-o", "mpu_abort_age=2D"]).filesystem.multipartAbortAge == 172_800)
        #expect(try mount(["b", "/mnt", "-o", "mpu_abort_age=0"]).filesystem.multipartAbortAge == 0)
        for bad in ["all", "-5", "soon", "1h2"] {
            #expect(throws: CommandLineError.self) { try mount(["b", "/mnt", "-o", "mpu_abort_age=\(bad)"]) }
        }
    }

    @Test func bucketNamesTheStagingArea() throws {
        let o = try mount(["bkt:/data/set", "/mnt"])
        #expect(o.filesystem.bucket == "bkt")
        #expect(o.filesystem.prefix == "data/set/")
    }

    @Test func utilityModeAsInOSSFS1() throws {
        guard case .incompleteUploads(let o, .list) = try CommandLineParser.parse(
            ["--incomplete-mpu-list", "bkt:/p", "-o", "url=http://127.0.0.1:1"], euid: 0, egid: 0)
        else { Issue.record("list"); return }
        #expect(o.bucket == "bkt" && o.prefix == "p/" && o.client.url == "http://127.0.0.1:1")
        guard case .incompleteUploads(_, .list) = try CommandLineParser.parse(["-u", "bkt"], euid: 0, egid: 0) else {
            Issue.record("-u"); return
        }
        guard case .incompleteUploads(_, .abort(let d)) = try CommandLineParser.parse(
            ["--incomplete-mpu-abort", "bkt"], euid: 0, egid: 0) else { Issue.record("abort"); return }
        #expect(d == 86400)
        guard case .incompleteUploads(_, .abort(let all)) = try CommandLineParser.parse(
            ["--incomplete-mpu-abort=all", "bkt"], euid: 0, egid: 0) else { Issue.record("all"); return }
        #expect(all == 0)
        guard case .incompleteUploads(_, .abort(let age)) = try CommandLineParser.parse(
            ["--incomplete-mpu-abort=1D12h", "bkt"], euid: 0, egid: 0) else { Issue.record("age"); return }
        #expect(age == 129_600)
        #expect(throws: CommandLineError.self) { try CommandLineParser.parse(["--incomplete-mpu-abort=x", "b"], euid: 0, egid: 0) }
        #expect(throws: CommandLineError.self) { try CommandLineParser.parse(["-u", "b", "/mnt"], euid: 0, egid: 0) }
        #expect(throws: CommandLineError.self) { try CommandLineParser.parse(["-u"], euid: 0, egid: 0) }
        #expect(HelpText.usage.contains("--incomplete-mpu-abort"))
        #expect(HelpText.usage.contains("mpu_abort_age"))
    }
}
