import CLinuxBPF

/// The namespaces an iterator's output depends on: the kernel binds each new iterator file to
/// the network namespace (tcp, udp, unix, netlink, ipv6_route) and the pid namespace (task,
/// task_file, task_vma) of the process that opens it.
public enum NamespaceKind: Sendable, Equatable, CustomStringConvertible {
    /// A network namespace (CLONE_NEWNET).
    case network
    /// A pid namespace (CLONE_NEWPID).
    case pid

    /// Its CLONE_NEW* flag, as setns(2) and NS_GET_NSTYPE name it.
    public var cloneFlag: Int32 {
        switch self {
        case .network: return Int32(CLONE_NEWNET)
        case .pid: return Int32(CLONE_NEWPID)
        }
    }

    /// Its file in /proc/PID/ns (`net`, `pid`).
    public var procName: String {
        switch self {
        case .network: return "net"
        case .pid: return "pid"
        }
    }

    /// `network`, `pid`.
    public var description: String {
        switch self {
        case .network: return "network"
        case .pid: return "pid"
        }
    }
}

/// What identifies a namespace: the device and inode of its nsfs file (the number in
/// `net:[4026531840]`). Two files name the same namespace exactly when these are equal.
public struct NamespaceIdentity: Hashable, Sendable {
    /// st_dev of the nsfs file.
    public var device: UInt64
    /// st_ino of the nsfs file: the namespace's inode number.
    public var inode: UInt64

    /// The identity of the namespace with this device and inode.
    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// Why an iterator could not be opened from inside a namespace: the step that failed and its errno.
public struct NamespaceOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The steps of `NamespaceFiles.openIterator`.
    public enum Step: Sendable, Equatable {
        /// Starting the child (socketpair or fork in iter).
        case start
        /// setns(2) into the network namespace.
        case enterNetwork
        /// setns(2) into the pid namespace.
        case enterPID
        /// fork(2) inside the pid namespace: ENOMEM when its init has exited.
        case startInPID
        /// BPF_ITER_CREATE, or open(2) of the pin, inside the namespaces.
        case open
        /// The child exited without an answer.
        case noAnswer
    }

    /// The step that failed.
    public var step: Step
    /// Its errno.
    public var errno: Errno

    /// The failure of `step` with `errno`.
    public init(step: Step, errno: Errno) {
        self.step = step
        self.errno = errno
    }

    public var description: String {
        switch step {
        case .start: return "cannot start a process to enter it: \(errno.description)"
        case .enterNetwork, .enterPID: return "cannot enter it: \(errno.description)"
        case .startInPID:
            if errno == .ENOMEM { return "cannot start a process in it (its init has exited): \(errno.description)" }
            return "cannot start a process in it: \(errno.description)"
        case .open: return "opening the iterator in it failed: \(errno.description)"
        case .noAnswer: return "the process that entered it exited without an answer"
        }
    }
}

/// Namespace files (/proc/PID/ns/*, /run/netns/*) and opening an iterator from inside namespaces.
public enum NamespaceFiles {
    /// The kind of namespace `fd` is (NS_GET_NSTYPE); nil for a namespace of another kind, or
    /// ENOTTY (and the like) for a file that is no namespace at all.
    public static func kind(of fd: borrowing FileDescriptor) throws(Errno) -> NamespaceKind? {
        let type = iter_ns_type(fd.rawValue)
        guard type >= 0 else { throw Errno.current }
        switch type {
        case Int32(CLONE_NEWNET): return .network
        case Int32(CLONE_NEWPID): return .pid
        default: return nil
        }
    }

    /// The device and inode of an open namespace file.
    public static func identity(of fd: borrowing FileDescriptor) throws(Errno) -> NamespaceIdentity {
        var device: UInt64 = 0
        var inode: UInt64 = 0
        guard iter_fstat_dev_ino(fd.rawValue, &device, &inode) == 0 else { throw Errno.current }
        return NamespaceIdentity(device: device, inode: inode)
    }

    /// Opens an iterator's output as a process inside `network` and `pid` (namespace files; either
    /// may be absent) would: BPF_ITER_CREATE on `link`, or open(2) of `path` when `link` is nil.
    /// A short-lived child enters them (and, for a pid namespace, forks once more into it) and
    /// passes the new descriptor back; nothing outlives the call but the returned descriptor.
    public static func openIterator(
        network: OwnedDescriptor?, pid: OwnedDescriptor?,
        link: OwnedDescriptor?, path: FilePath?
    ) throws(NamespaceOpenError) -> FileDescriptor {
        let networkFD = network?.fd.rawValue ?? -1
        let pidFD = pid?.fd.rawValue ?? -1
        let linkFD = link?.fd.rawValue ?? -1
        var failed: Int32 = 0
        let raw = (path ?? FilePath("")).withCString { p in
            iter_open_in_namespaces(networkFD, pidFD, linkFD, p, &failed)
        }
        guard raw >= 0 else {
            let errno = Errno.current
            let step: NamespaceOpenError.Step
            switch failed {
            case Int32(ITER_NS_ENTER_NET.rawValue): step = .enterNetwork
            case Int32(ITER_NS_ENTER_PID.rawValue): step = .enterPID
            case Int32(ITER_NS_START_IN_PID.rawValue): step = .startInPID
            case Int32(ITER_NS_OPEN.rawValue): step = .open
            case Int32(ITER_NS_NO_ANSWER.rawValue): step = .noAnswer
            default: step = .start
            }
            throw NamespaceOpenError(step: step, errno: errno)
        }
        return FileDescriptor(adopting: raw)
    }
}
