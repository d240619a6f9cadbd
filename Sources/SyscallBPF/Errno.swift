import CLinuxBPF

/// A system call's failure: the errno value, with its symbolic name and message.
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The errno number.
    public let rawValue: Int32

    /// The failure with errno number `rawValue`.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// errno as the last failed call left it.
    public static var current: Errno { Errno(iter_errno()) }

    /// Operation not permitted: no CAP_BPF / CAP_SYS_ADMIN, lockdown, or (before 5.11) RLIMIT_MEMLOCK.
    public static let EPERM = Errno(1)
    /// No such file or directory; also the end of a *_GET_NEXT_ID walk.
    public static let ENOENT = Errno(2)
    /// No such process.
    public static let ESRCH = Errno(3)
    /// Interrupted system call: retried by `Files.readAll` and `Files.writeAll`.
    public static let EINTR = Errno(4)
    /// I/O error.
    public static let EIO = Errno(5)
    /// Bad file descriptor.
    public static let EBADF = Errno(9)
    /// Try again: BPF_PROG_LOAD retries it, as libbpf does.
    public static let EAGAIN = Errno(11)
    /// Out of memory.
    public static let ENOMEM = Errno(12)
    /// Permission denied: the verifier's usual rejection, or an fd opened without the needed access.
    public static let EACCES = Errno(13)
    /// Bad address: a pointer in `union bpf_attr` the kernel could not read or write.
    public static let EFAULT = Errno(14)
    /// Device or resource busy.
    public static let EBUSY = Errno(16)
    /// File exists: BPF_OBJ_PIN onto an existing path.
    public static let EEXIST = Errno(17)
    /// File too large: a file past the size iter reads.
    public static let EFBIG = Errno(27)
    /// Not a directory.
    public static let ENOTDIR = Errno(20)
    /// Is a directory.
    public static let EISDIR = Errno(21)
    /// Invalid argument: the kernel's answer to most malformed `bpf_attr` contents.
    public static let EINVAL = Errno(22)
    /// No space left on device: a verifier or BTF log buffer was too small.
    public static let ENOSPC = Errno(28)
    /// Broken pipe: the reader of stdout went away.
    public static let EPIPE = Errno(32)
    /// Argument list too long: bpf(2) saw non-zero `bpf_attr` or `*_info` bytes this kernel does not know.
    public static let E2BIG = Errno(7)
    /// Result too large.
    public static let ERANGE = Errno(34)
    /// File name too long.
    public static let ENAMETOOLONG = Errno(36)
    /// Function not implemented: no bpf(2) (CONFIG_BPF_SYSCALL off).
    public static let ENOSYS = Errno(38)
    /// Too many levels of symbolic links.
    public static let ELOOP = Errno(40)
    /// No data available.
    public static let ENODATA = Errno(61)
    /// Operation not supported.
    public static let EOPNOTSUPP = Errno(95)
    /// The kernel-internal ENOTSUPP (524) that bpf(2) leaks for features this kernel or JIT lacks.
    public static let ENOTSUPP = Errno(524)

    /// The symbolic name (`ENOENT`), or `errno N` for one we do not name.
    public var name: String { Errno.known(rawValue)?.name ?? "errno \(rawValue)" }

    /// The message (`No such file or directory`): glibc's words for the errno values iter names,
    /// so that the glibc and musl binaries say the same (musl words several differently); libc's
    /// for the rest.
    public var message: String {
        if let known = Errno.known(rawValue) { return known.message }
        guard let text = strerror(rawValue) else { return name }
        return String(cString: text)
    }

    /// Name and message of the errno values iter names (the kernel-internal ENOTSUPP included).
    private static func known(_ rawValue: Int32) -> (name: String, message: String)? {
        switch rawValue {
        case 1: return ("EPERM", "Operation not permitted")
        case 2: return ("ENOENT", "No such file or directory")
        case 3: return ("ESRCH", "No such process")
        case 4: return ("EINTR", "Interrupted system call")
        case 5: return ("EIO", "Input/output error")
        case 6: return ("ENXIO", "No such device or address")
        case 7: return ("E2BIG", "Argument list too long")
        case 8: return ("ENOEXEC", "Exec format error")
        case 9: return ("EBADF", "Bad file descriptor")
        case 10: return ("ECHILD", "No child processes")
        case 11: return ("EAGAIN", "Resource temporarily unavailable")
        case 12: return ("ENOMEM", "Cannot allocate memory")
        case 13: return ("EACCES", "Permission denied")
        case 14: return ("EFAULT", "Bad address")
        case 16: return ("EBUSY", "Device or resource busy")
        case 17: return ("EEXIST", "File exists")
        case 18: return ("EXDEV", "Invalid cross-device link")
        case 19: return ("ENODEV", "No such device")
        case 20: return ("ENOTDIR", "Not a directory")
        case 21: return ("EISDIR", "Is a directory")
        case 22: return ("EINVAL", "Invalid argument")
        case 23: return ("ENFILE", "Too many open files in system")
        case 24: return ("EMFILE", "Too many open files")
        case 25: return ("ENOTTY", "Inappropriate ioctl for device")
        case 26: return ("ETXTBSY", "Text file busy")
        case 27: return ("EFBIG", "File too large")
        case 28: return ("ENOSPC", "No space left on device")
        case 29: return ("ESPIPE", "Illegal seek")
        case 30: return ("EROFS", "Read-only file system")
        case 32: return ("EPIPE", "Broken pipe")
        case 34: return ("ERANGE", "Numerical result out of range")
        case 36: return ("ENAMETOOLONG", "File name too long")
        case 37: return ("ENOLCK", "No locks available")
        case 38: return ("ENOSYS", "Function not implemented")
        case 39: return ("ENOTEMPTY", "Directory not empty")
        case 40: return ("ELOOP", "Too many levels of symbolic links")
        case 61: return ("ENODATA", "No data available")
        case 75: return ("EOVERFLOW", "Value too large for defined data type")
        case 95: return ("EOPNOTSUPP", "Operation not supported")
        case 110: return ("ETIMEDOUT", "Connection timed out")
        case 122: return ("EDQUOT", "Disk quota exceeded")
        case 524: return ("ENOTSUPP", "Operation not supported")
        default: return nil
        }
    }

    /// `No such file or directory (ENOENT)`.
    public var description: String { "\(message) (\(name))" }

    /// The process exit code for a failed system call: 256 - errno, as bpftool returns -errno.
    public var exitCode: Int32 { 256 - (rawValue & 0xff == 0 ? 1 : rawValue & 0xff) }
}
