// libFuzzer target: ossfs's command-line parser on arbitrary argument vectors (the input split at NUL and
// newline bytes). It must return an action or throw CommandLineError; never crash. Because a mistyped
// option may carry a secret, an unknown option's value must never be echoed in the error message: every
// input also gets `-o NAME=VALUE` with an unknown NAME appended, and the message is checked for VALUE.
@testable import OSSFS

private let marker = "Zq9SecretMarkerXy7"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOptions(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let arguments = bytes.split(omittingEmptySubsequences: false) { $0 == 0 || $0 == 10 }
        .map { String(decoding: $0, as: UTF8.self) }
    parse(arguments)
    parse(["bucket", "/mnt", "-o"] + [arguments.joined(separator: ",")])
    // The unknown option carries the marker; whatever else fails first, the marker must not be printed.
    let name = "zz" + String(arguments.first?.filter { $0.isLetter }.prefix(8) ?? "")
    if OptionTable.groups.allSatisfy({ $0.options.allSatisfy { !$0.names.contains(name) } }) {
        do {
            _ = try CommandLineParser.parse(["bucket", "/mnt", "-o", "\(name)=\(marker)"] + arguments,
                                            euid: 0, egid: 0)
        } catch {
            precondition(!"\(error)".contains(marker), "unknown option's value echoed: \(error)")
        }
    }
    return 0
}

private func parse(_ arguments: [String]) {
    for (euid, egid) in [(UInt32(0), UInt32(0)), (1000, 1000)] {
        do {
            _ = try CommandLineParser.parse(arguments, euid: euid, egid: egid)
        } catch is CommandLineError {
        } catch {
            preconditionFailure("parser threw a \(type(of: error)), not a CommandLineError: \(error)")
        }
    }
}
