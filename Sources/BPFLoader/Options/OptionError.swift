import SyscallBPF

/// Why an option could not be used: what it names could not be opened or found, or the target
/// does not take it. Messages keep bpftool's words where bpftool has them.
public enum OptionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `map id N`: no such map, or it cannot be opened.
    case mapID(UInt32, Errno)
    /// `map pinned PATH`: BPF_OBJ_GET failed; `onBPFFS` false when PATH's directory is not bpffs.
    case pinnedMap(FilePath, Errno, onBPFFS: Bool)
    /// `map pinned PATH`: what the pin holds could not be told (/proc/self/fd unreadable).
    case pinnedMapKind(FilePath, Errno)
    /// `map pinned PATH` names a pinned object of another kind.
    case notAMap(FilePath, BPFObjectKind)
    /// Walking the system's maps (for `map name`) failed.
    case mapWalk(Errno)
    /// `map name NAME`: no map has that name.
    case noMapNamed(String)
    /// `map name NAME`: several maps have that name.
    case severalMapsNamed(String, count: Int)
    /// `task pid_fd FD`: no such descriptor.
    case pidFD(Int32, Errno)
    /// `task pid_fd FD`: the descriptor is open but is not a pidfd (`target` is what it is).
    case notAPidFD(Int32, String)
    /// `cgroup path PATH` cannot be opened as a directory.
    case cgroupOpen(FilePath, Errno)
    /// `cgroup path PATH` is a directory outside every cgroup file system.
    case notACgroup(FilePath)
    /// The option is for targets of another kind (`map` on a task iterator).
    case misplaced(program: String, target: String, given: OptionKind, takes: OptionKind?)
    /// The running kernel's BTF shows it lacks the option (`lacks`: what it has not; `needs`: the
    /// release that added it, in words).
    case unsupported(option: String, lacks: String, needs: String)

    /// The errno of a failed system call, if that is what this is.
    public var errno: Errno? {
        switch self {
        case let .mapID(_, e), let .pinnedMap(_, e, _), let .mapWalk(e), let .cgroupOpen(_, e), let .pidFD(_, e),
            let .pinnedMapKind(_, e):
            return e
        case .noMapNamed: return .ENOENT
        case .notAMap, .severalMapsNamed, .notACgroup, .misplaced, .notAPidFD, .unsupported: return nil
        }
    }

    public var description: String {
        switch self {
        case let .mapID(id, e): return "get map by id (\(id)): \(e.description)"
        case let .pinnedMap(path, e, onBPFFS):
            return onBPFFS
                ? "bpf obj get (\(path)): \(e.description)"
                : "bpf obj get (\(path)): directory not in bpf file system (bpffs): \(e.description)"
        case let .pinnedMapKind(path, e): return "bpf obj get (\(path)): can't tell what it holds: \(e.description)"
        case let .notAMap(path, kind): return "incorrect object type: \(kind) (\(path) is a pinned \(kind), not a map)"
        case let .mapWalk(e): return "can't walk maps: \(e.description)"
        case let .noMapNamed(name): return "no map named '\(name)': \(Errno.ENOENT.description)"
        case let .severalMapsNamed(name, count): return "several maps match this handle (\(count) maps named '\(name)')"
        case let .pidFD(fd, e): return "task pid_fd \(fd): \(e.description)"
        case let .notAPidFD(fd, target): return "task pid_fd \(fd): not a pidfd (it is \(target)); open one with pidfd_open(2)"
        case let .cgroupOpen(path, e): return "can't open cgroup \(path): \(e.description)"
        case let .notACgroup(path):
            return "can't use cgroup \(path): not a directory of a cgroup file system (cgroup2 is mounted at "
                + "/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems)"
        case let .misplaced(program, target, given, takes):
            let what = takes.map { "takes a '\($0.keyword)' option" } ?? "takes no option"
            return "program \(program): target '\(target)' \(what), not '\(given.keyword)' (`iter list` shows each target's option)"
        case let .unsupported(option, lacks, needs):
            return "\(option): not supported by this kernel (its \(lacks)); \(needs)"
        }
    }
}
