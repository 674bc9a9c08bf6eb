#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the AccessKey secret: from the terminal with echo off when standard input is one, else one line of
/// standard input. Never from the command line, where ps and shell history would keep it.
enum SecretReader {
    /// Longer than any AccessKey secret; stops a mistaken pipe from being read forever.
    static let maximumLength = 4096

    static func read(prompt: String) throws -> String {
        let bytes = isatty(STDIN_FILENO) == 1 ? try readFromTerminal(prompt: prompt) : try readLine()
        guard !bytes.isEmpty else {
            throw ToolError.usage("no secret given: type it at the prompt, or pipe it as one line on standard input")
        }
        guard let secret = String(validating: bytes, as: UTF8.self) else {
            throw ToolError.usage("the AccessKey secret is not valid UTF-8 text; check what was pasted")
        }
        return secret
    }

    /// One line of standard input, its line ending (LF or CRLF) removed.
    private static func readLine() throws -> [UInt8] {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = readByte(&byte)
            if n < 0 {
                if errno == EINTR { continue }
                throw ToolError.usage("cannot read the secret from standard input: \(AtomicFileWriter.errnoText(errno))")
            }
            if n == 0 || byte == 0x0A { break }
            line.append(byte)
            guard line.count <= maximumLength else {
                throw ToolError.usage("the first line of standard input is longer than \(maximumLength) bytes; "
                    + "pipe only the secret")
            }
        }
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    /// Prompts on standard error and reads a line with echo off (the newline still echoes, so the cursor moves
    /// on). The terminal is restored afterwards, also when a signal ends the program mid-prompt.
    private static func readFromTerminal(prompt: String) throws -> [UInt8] {
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else {
            throw ToolError.usage("cannot read the terminal's settings: \(AtomicFileWriter.errnoText(errno))")
        }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        TerminalRestore.arm(original)
        defer { TerminalRestore.disarm() }
        // Echo goes off before the prompt appears, so nothing typed after it can echo; TCSAFLUSH drops
        // type-ahead that was typed (and echoed) before.
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent) == 0 else {
            throw ToolError.usage("cannot turn off echo on the terminal: \(AtomicFileWriter.errnoText(errno))")
        }
        Output.writeError(prompt)
        return try readLine()
    }
}

/// The terminal settings to put back if SIGINT, SIGTERM, SIGHUP or SIGQUIT arrives while echo is off.
/// Globals because a C signal handler can capture nothing; written before the handlers are installed.
nonisolated(unsafe) private var savedTerminal = termios()
private let restoredSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]

private enum TerminalRestore {
    static func arm(_ settings: termios) {
        savedTerminal = settings
        for signalNumber in restoredSignals { signal(signalNumber, restoreAndReraise) }
    }

    static func disarm() {
        tcsetattr(STDIN_FILENO, TCSANOW, &savedTerminal)
        for signalNumber in restoredSignals { signal(signalNumber, SIG_DFL) }
    }
}

/// Only async-signal-safe calls: tcsetattr, signal, raise.
private func restoreAndReraise(_ signalNumber: Int32) {
    tcsetattr(STDIN_FILENO, TCSANOW, &savedTerminal)
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}

/// read(2) of one byte from standard input (at file scope, where `read` is the C function).
private func readByte(_ byte: inout UInt8) -> Int {
    read(STDIN_FILENO, &byte, 1)
}
