import SyscallBPF

/// What an iterator is created with: the kernel's `union bpf_iter_link_info`, in Swift terms.
///
/// This is the one model of the options: the command line parses into it, and each option's
/// behaviour lives next to its definition (Options/MapSelection.swift, TaskSelection.swift,
/// CgroupSelection.swift): opening what it names and encoding the link info, the check after
/// attaching, the hint when the kernel refuses it, the summary for `pin -j`, and reading it back
/// from a link's info for `iter show`. Adding an option means a case here and a file there.
///
/// Map, task and cgroup options belong to the targets that take them (`iter list` shows which);
/// `task(.mainThreadOnly)` is not a kernel option: iter implements it in the program itself.
public enum IteratorOptions: Equatable, Sendable, CustomStringConvertible {
    /// A plain iterator.
    case none
    /// Map element iterators (`bpf_map_elem`, `bpf_sk_storage_map`, `sockmap`): the map to walk.
    case map(MapSelection)
    /// Task iterators (`task`, `task_file`, `task_vma`).
    case task(TaskSelection)
    /// Cgroup iterators (Linux 6.1+): where to start and in which order to walk.
    case cgroup(CgroupSelection, order: CgroupWalkOrder)

    /// Which kind of link option this is; nil for none and for `task main_thread_only`, which
    /// any target of a task program can take (iter filters in the program, not in the link).
    public var kind: OptionKind? {
        switch self {
        case .none, .task(.mainThreadOnly): return nil
        case .map: return .map
        case .task: return .task
        case .cgroup: return .cgroup
        }
    }

    /// The options as the command line gives them (`task tid 42`; empty for none).
    public var description: String {
        switch self {
        case .none: return ""
        case let .map(selection): return "map " + selection.description
        case let .task(selection): return "task " + selection.description
        case let .cgroup(start, order): return "cgroup \(start) order \(order.keyword)"
        }
    }

    /// `task main_thread_only`: a filter planned into the program.
    var mainThreadOnly: Bool { self == .task(.mainThreadOnly) }

    /// Opens what the options name and encodes the link info; the descriptors stay open in the
    /// result until the link exists.
    func resolve() throws(OptionError) -> ResolvedOptions {
        switch self {
        case .none: return ResolvedOptions(link: .none)
        case let .map(selection): return try selection.resolve()
        case let .task(selection): return try selection.resolve()
        case let .cgroup(start, order): return try start.resolve(order: order)
        }
    }

    /// The option's part of `pin -j`'s description and of `Iterator.summary`.
    func summary(mapID: UInt32?) -> [OptionField] {
        switch self {
        case .none: return []
        case .map: return MapSelection.summary(mapID: mapID)
        case let .task(selection): return selection.summary
        case let .cgroup(start, order): return start.summary(order: order)
        }
    }

    /// The options a link was created with, as its info reports them (`iter show`). The link info
    /// keeps them in a union (a cgroup id and a task tid share bytes), so they are read by the kind
    /// of option the target takes; fields an older kernel leaves zero are left out.
    public static func fields(of link: LinkInfo) -> [OptionField] {
        switch IteratorTargets.option(of: link.iteratorTarget) {
        case .map?: return MapSelection.fields(of: link)
        case .task?: return TaskSelection.fields(of: link)
        case .cgroup?: return CgroupSelection.fields(of: link)
        case nil: return []
        }
    }

    /// An option given for a target that does not take it, found before anything is loaded:
    /// the kernel would read the bytes of `union bpf_iter_link_info` as its own option (a map fd
    /// as a tid) or ignore them, and iterate something else than asked.
    func misplaced(program: String, target: String) -> OptionError? {
        guard let given = kind else { return nil }
        let takes = IteratorTargets.option(of: target)
        guard takes != given else { return nil }
        return .misplaced(program: program, target: target, given: given, takes: takes)
    }

    /// What the kernel's link info shows it did not apply (checked after attaching).
    func ignored(by info: LinkInfo?) -> String? {
        switch self {
        case let .task(selection): return selection.ignored(by: info)
        case let .cgroup(_, order): return CgroupSelection.ignored(order: order, by: info)
        case .none, .map: return nil
        }
    }

    /// Why the kernel may have refused a link, when the errno alone does not say (appended to the
    /// attach error, in parentheses).
    func attachHint(target: String, _ error: Errno) -> String? {
        let takes = IteratorTargets.option(of: target)
        switch self {
        case .none:
            // A target that needs an option, given none: the kernel says EBADF (fd 0) or EINVAL.
            if let takes { return takes.missingHint(target: target) }
            return error == .EINVAL ? "does this target need an option, such as 'map' for map elements?" : nil
        case .map: return MapSelection.attachHint(error)
        case .task: return TaskSelection.attachHint(error)
        case let .cgroup(_, order): return CgroupSelection.attachHint(error, order: order)
        }
    }
}

/// The kinds of link option, as targets take them (the kernel keeps this in its registration
/// tables, not in BTF: `IteratorTargets.option(of:)` knows them).
public enum OptionKind: String, Sendable, Equatable, CaseIterable {
    /// `map MAP`.
    case map
    /// `task TASK_OPT`.
    case task
    /// `cgroup CGROUP_OPT`.
    case cgroup

    /// The keyword that gives this option on the command line (`map`).
    public var keyword: String { rawValue }

    /// What to add when a target that needs this option was given none.
    func missingHint(target: String) -> String {
        switch self {
        case .map: return "target '\(target)' walks a map's elements: add 'map { id MAP_ID | pinned FILE | name MAP_NAME }'"
        case .cgroup: return "target '\(target)' walks cgroups: add 'cgroup { id CGROUP_ID | path PATH } order ORDER'"
        case .task: return "target '\(target)' walks tasks: every task, or add 'task { tid TID | pid PID | pid_fd FD }'"
        }
    }
}

/// One option as shown to a person or in JSON: `tid 42`, `cgroup_path /sys/fs/cgroup`.
public struct OptionField: Equatable, Sendable {
    /// A field's value.
    public enum Value: Equatable, Sendable, CustomStringConvertible {
        /// An id or number.
        case number(UInt64)
        /// A keyword or path.
        case text(String)
        /// A flag that is set.
        case flag

        public var description: String {
            switch self {
            case let .number(n): return String(n)
            case let .text(t): return t
            case .flag: return "true"
            }
        }
    }

    /// The field's name (`map_id`, `tid`, `order`): the JSON key and the word `iter show` prints.
    public var name: String
    /// Its value.
    public var value: Value

    /// A field named `name` holding `value`.
    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// The options, opened and encoded: what `BPF_LINK_CREATE` takes, and the descriptors it names,
/// held open until the link exists.
struct ResolvedOptions {
    var link: IteratorLinkOptions
    var holder: OwnedDescriptor? = nil
    var mapID: UInt32? = nil
}
