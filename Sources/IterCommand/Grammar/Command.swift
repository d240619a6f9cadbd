/// The command line, parsed: what to do and with which options.
public struct Invocation: Equatable, Sendable {
    /// The global options, wherever they appeared on the line.
    public var options: GlobalOptions
    /// The command to run.
    public var command: Command
}

/// `-j`, `-p`, `-d`, `-n`: options that apply to every command.
public struct GlobalOptions: Equatable, Sendable {
    /// `-j` / `--json` (also set by `-p`): JSON output, and errors as `{"error": …}` on stdout.
    public var json = false
    /// `-p` / `--pretty`: indented JSON.
    public var pretty = false
    /// `-d` / `--debug`: trace each loading step on stderr, with the verifier log.
    public var debug = false
    /// `-n` / `--nomount`: fail instead of mounting bpffs when the pin path is not on it.
    public var noMount = false

    /// All options off.
    public init() {}
}

/// An `iter` subcommand with its arguments.
public enum Command: Equatable, Sendable {
    /// `iter help`, `-h`, or no command: the usage text.
    case help
    /// `iter version`, `-V`: the version and build features.
    case version
    /// `iter pin OBJ PATH [ITER_OPT] [prog NAME]`: create an iterator and pin its link at `path`.
    case pin(IteratorRequest, path: String)
    /// `iter run OBJ [ITER_OPT] [prog NAME]`: create an iterator, read it once to stdout, drop it.
    case run(IteratorRequest)
    /// `iter list`: iterator targets; `iter list maps`: the maps of the system (for completion).
    case list(ListWhat)
    /// `iter show [PATH | id LINK_ID]`: iterator links and their pins.
    case show(ShowTarget)
}

/// An object and how to make an iterator of it: shared by `pin` and `run`.
public struct IteratorRequest: Equatable, Sendable {
    /// Path of the BPF object file.
    public var object: String
    /// The link option (map, task, cgroup), or `.none`.
    public var option: IteratorOption
    /// `prog NAME`: the program to attach instead of the first iterator program.
    public var program: String?

    /// A request for `object`, with `option` and, optionally, the program named `program`.
    public init(object: String, option: IteratorOption = .none, program: String? = nil) {
        self.object = object
        self.option = option
        self.program = program
    }
}

/// The options of an iterator link.
public enum IteratorOption: Equatable, Sendable {
    /// No option: the plain iterator.
    case none
    /// `map MAP`: the map a map-element iterator walks.
    case map(MapSpec)
    /// `task TASK_OPT`: which tasks a task iterator visits.
    case task(TaskSpec)
    /// `cgroup CGROUP`: where a cgroup iterator starts and how it walks.
    case cgroup(CgroupSpec)
}

/// `MAP := { id MAP_ID | pinned FILE | name MAP_NAME }`.
public enum MapSpec: Equatable, Sendable {
    /// `id MAP_ID`.
    case id(UInt32)
    /// `pinned FILE`: a map pinned on bpffs.
    case pinned(String)
    /// `name MAP_NAME`: the one map of the system with that name.
    case name(String)
}

/// `TASK_OPT := { main_thread_only | tid TID | pid PID | pid_fd FD }`.
public enum TaskSpec: Equatable, Sendable {
    /// `main_thread_only`: skip threads that are not their group's leader (done in the program; any kernel).
    case mainThreadOnly
    /// `tid TID`: one thread (Linux 6.1+).
    case tid(UInt32)
    /// `pid PID`: the threads of one process (Linux 6.1+).
    case pid(UInt32)
    /// `pid_fd FD`: the process behind a pidfd iter inherited, by fd number (Linux 6.1+); iter dups it.
    case pidFD(Int32)
}

/// `CGROUP := { id ID | path PATH } [order ORDER]`.
public struct CgroupSpec: Equatable, Sendable {
    /// The cgroup to start from.
    public enum Start: Equatable, Sendable {
        /// `id ID`: a cgroup id (the inode number of its cgroup2 directory).
        case id(UInt64)
        /// `path PATH`: a cgroup2 directory.
        case path(String)
    }

    /// The cgroup to start from.
    public var start: Start
    /// The walk order (`order ORDER`), `descendants_pre` when not given.
    public var order: CgroupOrder

    /// A cgroup option starting at `start`, walked in `order`.
    public init(start: Start, order: CgroupOrder = .descendantsPre) {
        self.start = start
        self.order = order
    }
}

/// `enum bpf_cgroup_iter_order`.
public enum CgroupOrder: UInt32, Equatable, Sendable, CaseIterable {
    /// `self_only` (BPF_CGROUP_ITER_SELF_ONLY): only the starting cgroup.
    case selfOnly = 1
    /// `descendants_pre` (BPF_CGROUP_ITER_DESCENDANTS_PRE): the cgroup and its descendants, parents first.
    case descendantsPre = 2
    /// `descendants_post` (BPF_CGROUP_ITER_DESCENDANTS_POST): descendants first, the cgroup last.
    case descendantsPost = 3
    /// `ancestors_up` (BPF_CGROUP_ITER_ANCESTORS_UP): the cgroup and its ancestors up to the root.
    case ancestorsUp = 4

    /// The keyword on the command line and in JSON output (`descendants_pre`).
    public var keyword: String {
        switch self {
        case .selfOnly: return "self_only"
        case .descendantsPre: return "descendants_pre"
        case .descendantsPost: return "descendants_post"
        case .ancestorsUp: return "ancestors_up"
        }
    }
}

/// What `iter list` lists.
public enum ListWhat: Equatable, Sendable {
    /// `iter list`: the iterator targets of the running kernel.
    case targets
    /// `iter list maps`: the maps of the system.
    case maps
}

/// `iter show [PATH | id LINK_ID]`.
public enum ShowTarget: Equatable, Sendable {
    /// `iter show`: every iterator link of the system.
    case all
    /// `iter show PATH`: the link pinned at `PATH`.
    case path(String)
    /// `iter show id LINK_ID`: the link with that id.
    case linkID(UInt32)
}
