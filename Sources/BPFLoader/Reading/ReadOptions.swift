import SyscallBPF

/// How an iterator's output is read (`Iterator.read(options:_:)`, `PinnedIterator.read(options:_:)`).
public struct ReadOptions {
    /// When to stop retrying a program that keeps asking the kernel to retry an element.
    public var retry: RetryLimit
    /// Read as a process in this network namespace sees it (sockets of tcp, udp, unix, netlink
    /// and ipv6_route iterators); nil for iter's own.
    public var network: Namespace?
    /// Read as a process in this pid namespace sees it (the tasks of task, task_file and
    /// task_vma iterators); nil for iter's own.
    public var pid: Namespace?

    /// Options for reading; by default in iter's own namespaces, with the standard retry limit.
    public init(retry: RetryLimit = .standard, network: Namespace? = nil, pid: Namespace? = nil) {
        self.retry = retry
        self.network = network
        self.pid = pid
    }

    /// The namespaces to enter: those given that iter is not already in.
    var foreign: (network: Namespace?, pid: Namespace?) {
        (network.flatMap { $0.isCurrent ? nil : $0 }, pid.flatMap { $0.isCurrent ? nil : $0 })
    }
}

/// How long a reader retries when read(2) fails with EAGAIN and nothing was read. The kernel says
/// EAGAIN when a program returns 1 ("retry this element") with nothing buffered, and after
/// 1,000,000 elements in one read with no output; both can go on for a while and then succeed,
/// but a program that always returns 1 never ends. The reader gives up at whichever limit comes
/// first; any output starts the count again.
public struct RetryLimit: Sendable, Equatable {
    /// Retries in a row.
    public var attempts: Int
    /// Nanoseconds since the first of them.
    public var nanoseconds: UInt64

    /// A limit of `attempts` retries or `nanoseconds`, whichever comes first.
    public init(attempts: Int, nanoseconds: UInt64) {
        self.attempts = attempts
        self.nanoseconds = nanoseconds
    }

    /// 1,000,000 retries or 5 seconds: enough for any program that stops asking, short for one
    /// that never does (a retry of a cheap program costs about a microsecond).
    public static let standard = RetryLimit(attempts: 1_000_000, nanoseconds: 5_000_000_000)
}
