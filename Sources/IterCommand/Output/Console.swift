import CLinuxBPF
import SyscallBPF

/// Where iter's output goes: stdout for results (and JSON errors), stderr for plain errors and
/// debug lines. Writes go straight to the fds with write(2), unbuffered, so an error printed just
/// before exit is never lost, and a closed stdout is an EPIPE we can ignore, not a crash.
struct Console {
    /// Results and errors as JSON (`-j`; implied by `pretty`).
    var json: Bool
    /// Indented JSON (`-p`).
    var pretty: Bool
    /// Print `trace` lines (`-d`).
    var debug: Bool
    /// The first failed write to stdout, shared by copies of this console.
    private let status = Status()

    final class Status {
        var stdoutError: Errno? = nil
    }

    /// The first write to stdout that failed, if one did: a result that did not reach stdout is a
    /// failure of the command (EPIPE aside: a reader that stopped reading has what it wanted).
    var stdoutError: Errno? { status.stdoutError }

    /// A console for the given global options; `pretty` implies `json`.
    init(json: Bool = false, pretty: Bool = false, debug: Bool = false) {
        self.json = json || pretty
        self.pretty = pretty
        self.debug = debug
    }

    /// A line on stdout.
    func out(_ text: String) {
        if let error = Console.write(1, text + "\n"), status.stdoutError == nil { status.stdoutError = error }
    }

    /// A line on stderr.
    func err(_ text: String) {
        Console.write(2, text + "\n")
    }

    /// `Warning: …` on stderr: the command succeeds, but something will not work as expected.
    func warning(_ text: String) {
        Console.write(2, "Warning: " + text + "\n")
    }

    /// A `-d` line on stderr (nothing without -d).
    func trace(_ text: String) {
        guard debug else { return }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            Console.write(2, "iter: " + line + "\n")
        }
    }

    /// A JSON document on stdout.
    func emit(_ value: JSONValue) {
        out(value.render(pretty: pretty))
    }

    /// The error, as bpftool prints it: `Error: …` on stderr, or `{"error":"…"}` on stdout with -j.
    /// With -j and a stdout that cannot be written, the error goes to stderr as well.
    func error(_ message: String) {
        if json {
            let failedBefore = stdoutError != nil
            emit(.object([("error", .string(message))]))
            if failedBefore || stdoutError != nil { err("Error: " + Console.oneLine(message)) }
        } else {
            err("Error: " + Console.oneLine(message))
        }
    }

    /// An error is one line: control characters that came with the user's words (a newline in a
    /// program name, a variable path, an owner) are written as `\xHH`, as paths write theirs.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Writes all of `text`; the errno if that failed. (A failed write to stderr is not worth an
    /// error about an error: callers ignore it.)
    @discardableResult
    static func write(_ fd: Int32, _ text: String) -> Errno? {
        var text = text
        return text.withUTF8 { utf8 -> Errno? in
            do throws(Errno) {
                try Files.writeAll(fd, UnsafeRawBufferPointer(utf8))
                return nil
            } catch {
                return error
            }
        }
    }
}
