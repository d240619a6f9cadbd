import SyscallBPF

/// Why an iterator could not be created, pinned or read. Each case says what and where; the
/// `description` is one line for a person, and `errno` is set when a system call failed.
public enum IteratorError: Error, CustomStringConvertible {
    /// The object could not be read, parsed, planned or loaded.
    case object(path: String, LoadError)
    /// The object file could not be opened or read.
    case unreadable(path: String, Errno)
    /// An option's map, cgroup or pidfd could not be opened or found.
    case option(String, Errno?)
    /// The kernel refused to attach the program (`BPF_LINK_CREATE`).
    case attach(program: String, Errno, hint: String)
    /// Pinning the iterator failed (`BPF_OBJ_PIN`).
    case pin(program: String, path: String, Errno)
    /// Creating or reading the iterator's output failed.
    case read(program: String, Errno)
    /// A global variable setting was refused, before anything was loaded.
    case variable(VariableError)

    /// The errno of a failed system call, if that is what this is.
    public var errno: Errno? {
        switch self {
        case let .object(_, error): return error.errno
        case let .unreadable(_, e), let .attach(_, e, _), let .pin(_, _, e), let .read(_, e): return e
        case let .option(_, e): return e
        case .variable: return nil
        }
    }

    /// The verifier's (or BTF checker's) log, when the kernel rejected the object.
    public var kernelLog: String? {
        if case let .object(_, error) = self { return error.kernelLog }
        return nil
    }

    public var description: String {
        switch self {
        case let .object(path, error): return "\(path): \(error.description)"
        case let .unreadable(path, errno): return "\(path): \(errno.description)"
        case let .option(message, errno): return errno.map { "\(message): \($0.description)" } ?? message
        case let .attach(program, errno, hint): return "program \(program): attach failed\(hint): \(errno.description)"
        case let .pin(program, path, errno): return "program \(program): pinning at \(path) failed: \(errno.description)"
        case let .read(program, errno): return "program \(program): reading the iterator failed: \(errno.description)"
        case let .variable(error): return error.description
        }
    }
}
