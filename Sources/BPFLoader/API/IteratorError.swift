import SyscallBPF

/// Why an iterator could not be created, pinned or read. Each case carries its typed cause until
/// it is rendered: `description` is one line for a person, and `errno` is set when a system call
/// failed.
public enum IteratorError: Error, CustomStringConvertible {
    /// The object could not be read, parsed, planned or loaded.
    case object(path: FilePath, ObjectError)
    /// The object file could not be opened or read.
    case unreadable(path: FilePath, Errno)
    /// The path is not a file iter reads as an object (a FIFO, a device, a file too large).
    case unsuitable(path: FilePath, UnsuitableObjectFile)
    /// An option's map or cgroup could not be opened or found, or the target does not take it.
    case option(OptionError)
    /// The kernel refused to attach the program (`BPF_LINK_CREATE`), or ignored an option.
    case attach(AttachError)
    /// Pinning the iterator failed (`BPF_OBJ_PIN`).
    case pin(program: String, path: FilePath, Errno)
    /// The pin was created but its mode or owner could not be set; it was removed.
    case pinAccess(program: String, PinAccessError)
    /// Opening or reading the iterator's output failed (after `bytesRead` bytes of it).
    case read(program: String, ReadError)
    /// A pinned iterator could not be opened, or is not an iterator.
    case pinned(PinnedIteratorError)
    /// The records of a type could not be read: the type is not there, has no size, or the
    /// output does not hold whole records of it.
    case records(program: String, RecordError)
    /// The program of a pinned iterator could not be replaced (`IteratorObject.update`).
    case update(UpdateError)
    /// A global variable setting was refused, before anything was loaded.
    case variable(VariableError)

    /// The errno of a failed system call, if that is what this is.
    public var errno: Errno? {
        switch self {
        case let .object(_, error): return error.errno
        case let .unreadable(_, e), let .pin(_, _, e): return e
        case let .read(_, error): return error.errno
        case let .pinned(error): return error.errno
        case .variable, .records: return nil
        case let .pinAccess(_, error): return error.errno
        case let .update(error): return error.errno
        case let .option(error): return error.errno
        case let .attach(error): return error.errno
        case .unsuitable: return nil
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
        case let .unsuitable(path, reason): return "\(path): \(reason.description)"
        case let .option(error): return error.description
        case let .attach(error): return error.description
        case let .pin(program, path, errno): return "program \(program): pinning at \(path) failed: \(errno.description)"
        case let .pinAccess(program, error): return "program \(program): pinned at \(error.path), but \(error.description)"
        case let .read(program, error): return "program \(program): reading the iterator failed: \(error.description)"
        case let .pinned(error): return error.description
        case let .update(error): return error.description
        case let .variable(error): return error.description
        case let .records(program, error): return "program \(program): \(error.description)"
        }
    }
}

/// Why an object could not be read, parsed, planned or loaded: one line for a person, the phase
/// in bpftool's words, the errno of a failed system call and the kernel's log. The pipeline's own
/// typed cause (`LoadError`, with its CO-RE and BTF details) stays inside the package.
public struct ObjectError: Error, CustomStringConvertible {
    /// What went wrong, as the planner and executor said it.
    package let cause: LoadError

    package init(_ cause: LoadError) { self.cause = cause }

    /// Opening (the file and its structure) or loading (kernel types, BTF, maps, the verifier).
    public var phase: LoadPhase { cause.phase }
    /// The errno of a failed system call, if that is what this is.
    public var errno: Errno? { cause.errno }
    /// The verifier's (or BTF checker's) log, when the kernel rejected the object.
    public var kernelLog: String? { cause.kernelLog }

    public var description: String { cause.description }
}

/// Why `BPF_LINK_CREATE` failed or did not do what was asked.
public struct AttachError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Cause: Sendable, Equatable {
        /// The kernel refused the link.
        case refused(Errno)
        /// The kernel created the link but ignored this option (its link info shows it).
        case optionIgnored(String)
    }

    /// The program that was being attached.
    public var program: String
    /// Its target (`task`).
    public var target: String
    /// The options it was attached with.
    public var options: IteratorOptions
    /// What went wrong.
    public var cause: Cause

    /// EOPNOTSUPP for an ignored option (the kernel lacks it), else the kernel's errno.
    public var errno: Errno {
        switch cause {
        case let .refused(e): return e
        case .optionIgnored: return .EOPNOTSUPP
        }
    }

    /// What follows "attach failed for program X" before the errno: why the kernel may have
    /// refused it, in parentheses, when the errno alone does not say; or what it ignored.
    public var detail: String {
        switch cause {
        case let .refused(e): return options.attachHint(target: target, e).map { " (\($0))" } ?? ""
        case let .optionIgnored(option):
            let why = option.hasPrefix("task") ? "task iterator options need Linux 6.1 or later" : "its link reports otherwise"
            return ": this kernel ignored '\(option)' (\(why))"
        }
    }

    public var description: String {
        "program \(program): attach failed\(detail): \(errno.description)"
    }
}
