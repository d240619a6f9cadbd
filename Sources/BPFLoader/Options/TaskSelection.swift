import CLinuxBPF
import SyscallBPF

/// `task TASK_OPT`: which tasks a task iterator (`task`, `task_file`, `task_vma`) visits.
public enum TaskSelection: Equatable, Sendable, CustomStringConvertible {
    /// Only the main thread of each process (any kernel: iter filters in the program).
    case mainThreadOnly
    /// One thread (Linux 6.1+).
    case thread(UInt32)
    /// The threads of one process (Linux 6.1+).
    case process(UInt32)
    /// The threads of the process behind a pidfd (Linux 6.1+): the number of a descriptor the
    /// caller keeps open until the iterator exists (iter borrows it, never closes it).
    case processDescriptor(Int32)

    /// `main_thread_only`, `tid 42`, `pid 7`, `pid_fd 3`.
    public var description: String {
        switch self {
        case .mainThreadOnly: return "main_thread_only"
        case let .thread(tid): return "tid \(tid)"
        case let .process(pid): return "pid \(pid)"
        case let .processDescriptor(fd): return "pid_fd \(fd)"
        }
    }

    /// The member of `union bpf_iter_link_info`'s task struct the option sets; nil for
    /// main_thread_only, which is no link option.
    var linkMember: String? {
        switch self {
        case .mainThreadOnly: return nil
        case .thread: return "tid"
        case .process: return "pid"
        case .processDescriptor: return "pid_fd"
        }
    }

    /// `tid N` or `pid N` when no task has that id in this pid namespace, said as a reason; nil
    /// otherwise. The kernel takes any number and looks it up in the reader's pid namespace each
    /// time the iterator is read, so such an iterator shows nothing: `run` refuses it (unless it
    /// reads in another pid namespace), `pin` warns (its reader may be in another one).
    package var absentTask: String? {
        switch self {
        case let .thread(id), let .process(id):
            guard id > UInt32(Int32.max) || iter_task_exists(Int32(id)) == 0 else { return nil }
            let what = self == .thread(id) ? "thread" : "process"
            return "task \(linkMember ?? "") \(id): no \(what) has this id in this pid namespace"
        case .mainThreadOnly, .processDescriptor: return nil
        }
    }

    func resolve() throws(OptionError) -> ResolvedOptions {
        switch self {
        case .mainThreadOnly: return ResolvedOptions(link: .none)
        case let .thread(tid): return ResolvedOptions(link: .task(tid: tid))
        case let .process(pid): return ResolvedOptions(link: .task(pid: pid))
        case let .processDescriptor(fd):
            // Checked here, before loading, so a wrong number is named as such (the kernel would
            // answer the link with a bare EBADF after the program loaded).
            guard iter_fcntl_getfd(fd) >= 0 else { throw .pidFD(fd, Errno.current) }
            if let target = try? Files.readLink(FilePath("/proc/self/fd/\(fd)")), target != "anon_inode:[pidfd]" {
                throw .notAPidFD(fd, target)
            }
            return ResolvedOptions(link: .task(pidFD: fd))
        }
    }

    var summary: [OptionField] {
        switch self {
        case .mainThreadOnly: return [OptionField("main_thread_only", .flag)]
        case let .thread(tid): return [OptionField("tid", .number(UInt64(tid)))]
        case let .process(pid): return [OptionField("pid", .number(UInt64(pid)))]
        case let .processDescriptor(fd): return [OptionField("pid_fd", .number(UInt64(UInt32(bitPattern: fd))))]
        }
    }

    static func fields(of link: LinkInfo) -> [OptionField] {
        var fields: [OptionField] = []
        if link.taskTID != 0 { fields.append(OptionField("tid", .number(UInt64(link.taskTID)))) }
        if link.taskPID != 0 { fields.append(OptionField("pid", .number(UInt64(link.taskPID)))) }
        return fields
    }

    /// The option the kernel did not apply, as its link info shows (6.1+ reports tid and pid).
    /// Before 6.1, `union bpf_iter_link_info` is the 4-byte map fd: a tid lands in it, the zero
    /// tail passes the kernel's check, and a task iterator ignores it and walks every task. With no
    /// link info (the call failed), nothing shows the option applied: it counts as ignored.
    func ignored(by info: LinkInfo?) -> String? {
        switch self {
        case let .thread(tid) where info?.taskTID != tid: return "task tid \(tid)"
        case let .process(pid) where info?.taskPID != pid: return "task pid \(pid)"
        case .processDescriptor where (info?.taskPID ?? 0) == 0: return "task pid_fd"
        default: return nil
        }
    }

    static func attachHint(_ error: Errno) -> String? {
        // E2BIG: before 6.1 the kernel's bpf_iter_link_info is 4 bytes and ours has more in it.
        error == .EINVAL || error == .E2BIG ? "task iterator options need Linux 6.1 or later, and a task target" : nil
    }
}
