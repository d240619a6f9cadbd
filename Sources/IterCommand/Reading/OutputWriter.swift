import SyscallBPF

/// Standard output for what iterators print: every byte written (short writes and EINTR
/// retried), and a reader that went away (EPIPE, as after `| head`) remembered, so the caller
/// stops quietly: that reader has what it wanted.
struct OutputWriter {
    /// The reader closed the pipe: stop, and exit 0.
    private(set) var closed = false
    /// The last byte written was a newline (or nothing was written): a header may follow.
    private(set) var atLineStart = true
    /// Where to write (1: stdout).
    let fd: Int32

    init(fd: Int32 = 1) {
        self.fd = fd
    }

    /// Writes `bytes`; false once the reader has gone.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(CommandFailure) -> Bool {
        guard !closed else { return false }
        guard !bytes.isEmpty else { return true }
        do {
            try Files.writeAll(fd, bytes)
        } catch {
            if error == .EPIPE {
                closed = true
                return false
            }
            throw CommandFailure("writing to stdout", errno: error)
        }
        atLineStart = bytes[bytes.count - 1] == UInt8(ascii: "\n")
        return true
    }

    /// Writes `text`.
    mutating func write(_ text: String) throws(CommandFailure) -> Bool {
        var text = text
        let result = text.withUTF8 { utf8 in Result { () throws(CommandFailure) -> Bool in try write(UnsafeRawBufferPointer(utf8)) } }
        return try result.get()
    }

    /// Writes `line` and a newline, after a newline of its own if the output so far does not end
    /// with one (a header never shares a line with the iterator's last line).
    mutating func writeLine(_ line: String) throws(CommandFailure) -> Bool {
        try write((atLineStart ? "" : "\n") + line + "\n")
    }
}
