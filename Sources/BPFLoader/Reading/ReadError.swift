import SyscallBPF

/// Why reading an iterator's output failed, and how much of it had been read: output is never
/// cut silently, so every failure after some output says how many bytes came before it.
public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Sendable, Equatable {
        /// Opening a new output failed: BPF_ITER_CREATE, or open(2) of the pin.
        case open(Errno)
        /// Opening it from inside a namespace failed.
        case namespace(NamespaceLabel, NamespaceOpenError)
        /// The program kept asking the kernel to retry an element: read(2) failed with EAGAIN,
        /// with no output, `attempts` times in a row over `nanoseconds`.
        case keptRetrying(attempts: Int, nanoseconds: UInt64)
        /// One element's output is larger than the kernel's buffer of `bufferSize` bytes (E2BIG).
        case elementTooLarge(bufferSize: Int)
        /// read(2) failed.
        case failed(Errno)
    }

    /// What went wrong.
    public var cause: Cause
    /// Bytes read (and passed on) before it went wrong.
    public var bytesRead: UInt64

    /// A failure after `bytesRead` bytes of output.
    public init(_ cause: Cause, bytesRead: UInt64 = 0) {
        self.cause = cause
        self.bytesRead = bytesRead
    }

    /// The errno behind it (EAGAIN when the program kept asking to retry, E2BIG for an element
    /// too large).
    public var errno: Errno {
        switch cause {
        case let .open(e), let .failed(e): return e
        case let .namespace(_, error): return error.errno
        case .keptRetrying: return .EAGAIN
        case .elementTooLarge: return .E2BIG
        }
    }

    public var description: String {
        var text: String
        switch cause {
        case let .open(errno):
            text = "opening its output failed: \(errno.description)"
        case let .namespace(label, error):
            text = "\(label): \(error.description)"
        case let .keptRetrying(attempts, nanoseconds):
            text =
                "the program kept asking to retry: read() failed with EAGAIN \(attempts) times in a row"
                + " over \(ReadError.seconds(nanoseconds)) with no output (an iterator program returns 1 to ask"
                + " for a retry; the kernel also says EAGAIN after 1000000 elements with no output)"
        case let .elementTooLarge(bufferSize):
            text =
                "one element's output is larger than the kernel's buffer of \(bufferSize) bytes"
                + " (\(SeqBuffer.describe(bufferSize))): \(Errno.E2BIG.description)"
        case let .failed(errno):
            text = errno.description
        }
        if bytesRead > 0 { text += " (after \(bytesRead) bytes of output)" }
        return text
    }

    /// `1.25 s`.
    static func seconds(_ nanoseconds: UInt64) -> String {
        let hundredths = nanoseconds / 10_000_000
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) s"
    }
}

/// A namespace as messages and headers name it: its kind, inode and name.
public struct NamespaceLabel: Sendable, Equatable, CustomStringConvertible {
    /// Network or pid.
    public var kind: NamespaceKind
    /// The namespace's inode number.
    public var inode: UInt64
    /// Its name in /run/netns, or nil.
    public var name: String?

    /// The label of namespace `inode` of `kind`, named `name`.
    public init(kind: NamespaceKind, inode: UInt64, name: String?) {
        self.kind = kind
        self.inode = inode
        self.name = name
    }

    /// `network namespace 4026532290 (blue)`.
    public var description: String {
        "\(kind) namespace \(inode)" + (name.map { " (\($0))" } ?? "")
    }
}
