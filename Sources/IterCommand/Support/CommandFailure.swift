import BPFLoader
import SyscallBPF

/// A command that failed: the one-line message, the exit code, and an optional kernel log to show
/// after it (the verifier's words, which bpftool hides behind libbpf's debug output).
public struct CommandFailure: Error, Sendable {
    /// The one-line error, without the `Error: ` prefix.
    public let message: String
    /// The process exit code: 255 for malformed input, 256 - errno for a failed system call.
    public let exitCode: Int32
    /// A kernel log (verifier or BTF checker) to print after the message; nil for none.
    public let log: String?

    /// Malformed input or usage: exit 255, as bpftool's -1.
    public static let malformedExitCode: Int32 = 255

    /// A failure that is not a system call's: `exitCode` defaults to 255, as bpftool's -1.
    public init(_ message: String, exitCode: Int32 = CommandFailure.malformedExitCode, log: String? = nil) {
        self.message = message
        self.exitCode = exitCode
        self.log = log
    }

    /// A failed system call: `256 - errno`, as bpftool returns `-errno`.
    public init(_ message: String, errno: Errno, log: String? = nil) {
        self.init(message + ": " + errno.description, exitCode: errno.exitCode, log: log)
    }

    /// A loader error under bpftool's words for its phase (`can't open objfile X: …`).
    package init(_ error: LoadError, object: FilePath) {
        var words = error.phase == .open ? "can't open objfile" : "can't load objfile"
        if case .noIteratorProgram = error { words = "can't find bpf program in objfile" }
        self.init("\(words) \(object): \(error.description)",
                  exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode, log: error.kernelLog)
    }

    /// bpftool's words for each step of making, pinning or reading an iterator, with the reason
    /// after them.
    public init(_ error: IteratorError, object: FilePath) {
        switch error {
        case let .unreadable(_, errno):
            self.init("can't open objfile \(object)", errno: errno)
        case let .unsuitable(_, reason):
            self.init("can't open objfile \(object): \(reason.description)")
        case let .object(_, objectError):
            self.init(objectError.cause, object: object)
        case let .option(option):
            self.init(option.description, exitCode: option.errno?.exitCode ?? CommandFailure.malformedExitCode)
        case let .attach(attach):
            self.init("attach_iter failed for program \(attach.program)\(attach.detail)", errno: attach.errno)
        case let .pin(program, path, errno):
            self.init("pin_iter failed for program \(program) to path \(path)", errno: errno)
        case let .read(program, error):
            self.init("reading iterator of program \(program): \(error.description)", exitCode: error.errno.exitCode)
        case let .pinned(error):
            self.init(error.description, exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode)
        case let .records(program, error):
            self.init("records of program \(program): \(error.description)")
        case let .pinAccess(program, access):
            self.init("pin_iter failed for program \(program) to path \(access.path): \(access.description)",
                      exitCode: access.errno.exitCode)
        case let .update(update):
            self.init(update.description, exitCode: update.errno?.exitCode ?? CommandFailure.malformedExitCode)
        case let .variable(problem):
            self.init(problem.description)
        }
    }

    /// A failure to read an iterator, naming it as `subject` does (`iterator of program dump_task`,
    /// `pinned iterator /sys/fs/bpf/tasks (program dump_task)`).
    public init(reading error: IteratorError, subject: String) {
        switch error {
        case let .read(_, readError):
            self.init("reading \(subject): \(readError.description)", exitCode: readError.errno.exitCode)
        case let .records(_, recordError):
            self.init("reading \(subject): \(recordError.description)")
        default:
            self.init(error, object: FilePath(""))
        }
    }
}
