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

    /// A console for the given global options; `pretty` implies `json`.
    init(json: Bool = false, pretty: Bool = false, debug: Bool = false) {
        self.json = json || pretty
        self.pretty = pretty
        self.debug = debug
    }

    /// A line on stdout.
    func out(_ text: String) {
        Console.write(1, text + "\n")
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
    func error(_ message: String) {
        if json {
            emit(.object([("error", .string(message))]))
        } else {
            err("Error: " + message)
        }
    }

    static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            // A closed or broken stream is not worth an error about an error.
            try? Files.writeAll(fd, UnsafeRawBufferPointer(utf8))
        }
    }
}
