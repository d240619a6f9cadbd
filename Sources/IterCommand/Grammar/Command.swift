/// The command line, parsed: what to do and with which options.
public struct Invocation: Equatable, Sendable {
    public var options: GlobalOptions
    public var command: Command
}

/// `-j`, `-p`, `-d`, `-n`: options that apply to every command.
public struct GlobalOptions: Equatable, Sendable {
    public var json = false
    public var pretty = false
    public var debug = false
    public var noMount = false

    public init() {}
}

public enum Command: Equatable, Sendable {
    case help
    case version
    case pin(IteratorRequest, path: String)
    case run(IteratorRequest)
    /// `iter list`: iterator targets; `iter list maps`: the maps of the system (for completion).
    case list(ListWhat)
    case show(ShowTarget)
}

/// An object and how to make an iterator of it: shared by `pin` and `run`.
public struct IteratorRequest: Equatable, Sendable {
    public var object: String
    public var option: IteratorOption
    /// `prog NAME`: the program to attach instead of the first iterator program.
    public var program: String?

    public init(object: String, option: IteratorOption = .none, program: String? = nil) {
        self.object = object
        self.option = option
        self.program = program
    }
}

/// The options of an iterator link.
public enum IteratorOption: Equatable, Sendable {
    case none
    case map(MapSpec)
    case task(TaskSpec)
    case cgroup(CgroupSpec)
}

/// `MAP := { id MAP_ID | pinned FILE | name MAP_NAME }`.
public enum MapSpec: Equatable, Sendable {
    case id(UInt32)
    case pinned(String)
    case name(String)
}

/// `TASK_OPT := { main_thread_only | tid TID | pid PID | pid_fd FD }`.
public enum TaskSpec: Equatable, Sendable {
    case mainThreadOnly
    case tid(UInt32)
    case pid(UInt32)
    case pidFD(Int32)
}

/// `CGROUP := { id ID | path PATH } [order ORDER]`.
public struct CgroupSpec: Equatable, Sendable {
    public enum Start: Equatable, Sendable {
        case id(UInt64)
        case path(String)
    }

    public var start: Start
    public var order: CgroupOrder

    public init(start: Start, order: CgroupOrder = .descendantsPre) {
        self.start = start
        self.order = order
    }
}

/// `enum bpf_cgroup_iter_order`.
public enum CgroupOrder: UInt32, Equatable, Sendable, CaseIterable {
    case selfOnly = 1
    case descendantsPre = 2
    case descendantsPost = 3
    case ancestorsUp = 4

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
    case targets
    case maps
}

/// `iter show [PATH | id LINK_ID]`.
public enum ShowTarget: Equatable, Sendable {
    case all
    case path(String)
    case linkID(UInt32)
}
