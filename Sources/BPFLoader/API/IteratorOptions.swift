import SyscallBPF

/// What an iterator is created with: the kernel's `union bpf_iter_link_info`, in Swift terms.
///
/// Map, task and cgroup options belong to the targets that take them (`iter list` shows which);
/// `mainThreadOnly` is not a kernel option: iter implements it in the program itself.
public enum IteratorOptions: Equatable {
    /// A plain iterator.
    case none
    /// Map element iterators (`bpf_map_elem`, `bpf_sk_storage_map`, `sockmap`): the map to walk.
    case map(MapSelection)
    /// Task iterators (`task`, `task_file`, `task_vma`).
    case task(TaskSelection)
    /// Cgroup iterators (Linux 6.1+): where to start and in which order to walk.
    case cgroup(CgroupSelection, order: CgroupWalkOrder)

    /// A map, by id, by pinned path, or by its (unique) name.
    public enum MapSelection: Sendable, Equatable {
        /// By map id (`BPF_MAP_GET_FD_BY_ID`).
        case id(UInt32)
        /// By bpffs path of a pinned map (`BPF_OBJ_GET`).
        case pinned(String)
        /// By `bpf_map_info.name`: exactly one map of the system may have it (first 15 bytes compared).
        case name(String)
    }

    /// Which tasks a task iterator walks.
    public enum TaskSelection: Equatable {
        /// Only the main thread of each process (any kernel).
        case mainThreadOnly
        /// One thread (Linux 6.1+).
        case thread(UInt32)
        /// The threads of one process (Linux 6.1+).
        case process(UInt32)
        /// The threads of the process behind a pidfd (Linux 6.1+), kept open by the caller's
        /// descriptor until the iterator exists.
        case processDescriptor(OwnedDescriptor)

        public static func == (a: TaskSelection, b: TaskSelection) -> Bool {
            switch (a, b) {
            case (.mainThreadOnly, .mainThreadOnly): return true
            case let (.thread(x), .thread(y)), let (.process(x), .process(y)): return x == y
            case let (.processDescriptor(x), .processDescriptor(y)): return x === y
            default: return false
            }
        }
    }

    /// The cgroup a cgroup iterator starts from.
    public enum CgroupSelection: Sendable, Equatable {
        /// By id: the inode number of its cgroup2 directory.
        case id(UInt64)
        /// By path of its directory.
        case path(String)
    }

    /// `enum bpf_cgroup_iter_order`.
    public enum CgroupWalkOrder: UInt32, Sendable, Equatable {
        /// BPF_CGROUP_ITER_SELF_ONLY: only the starting cgroup.
        case selfOnly = 1
        /// BPF_CGROUP_ITER_DESCENDANTS_PRE: the starting cgroup and its descendants, parents first.
        case descendantsPreOrder = 2
        /// BPF_CGROUP_ITER_DESCENDANTS_POST: the starting cgroup and its descendants, children first.
        case descendantsPostOrder = 3
        /// BPF_CGROUP_ITER_ANCESTORS_UP: the starting cgroup and its ancestors up to the root.
        case ancestorsUp = 4
    }
}
