import CLinuxBPF
import SyscallBPF

/// `cgroup { id ID | path PATH }`: the cgroup a cgroup iterator (Linux 6.1+) starts from.
public enum CgroupSelection: Sendable, Equatable, CustomStringConvertible {
    /// By id: the inode number of its cgroup2 directory.
    case id(UInt64)
    /// By path of its directory.
    case path(FilePath)

    /// `id 1`, `path /sys/fs/cgroup`.
    public var description: String {
        switch self {
        case let .id(id): return "id \(id)"
        case let .path(path): return "path \(path)"
        }
    }

    func resolve(order: CgroupWalkOrder) throws(OptionError) -> ResolvedOptions {
        switch self {
        case let .id(id):
            return ResolvedOptions(link: .cgroup(order: order.rawValue, id: id))
        case let .path(path):
            let fd: FileDescriptor
            do { fd = try Files.open(path, flags: O_DIRECTORY) } catch { throw .cgroupOpen(path, error) }
            let owned = OwnedDescriptor(fd)
            // The kernel answers a directory outside cgroupfs with a bare EBADF at BPF_LINK_CREATE
            // (on hosts where /sys/fs/cgroup is a tmpfs of v1 hierarchies, the common mistake).
            let type = try? Mounts.fileSystemType(path)
            guard type == Int64(CGROUP2_SUPER_MAGIC) || type == Int64(CGROUP_SUPER_MAGIC) else { throw .notACgroup(path) }
            return ResolvedOptions(link: .cgroup(order: order.rawValue, cgroup: owned.fd), holder: owned)
        }
    }

    func summary(order: CgroupWalkOrder) -> [OptionField] {
        let start: OptionField
        switch self {
        case let .id(id): start = OptionField("cgroup_id", .number(id))
        case let .path(path): start = OptionField("cgroup_path", .text(path.description))
        }
        return [start, OptionField("cgroup_order", .text(order.keyword))]
    }

    static func fields(of link: LinkInfo) -> [OptionField] {
        var fields: [OptionField] = []
        if link.cgroupID != 0 { fields.append(OptionField("cgroup_id", .number(link.cgroupID))) }
        if let order = CgroupWalkOrder(rawValue: link.cgroupOrder) {
            fields.append(OptionField("order", .text(order.keyword)))
        } else if link.cgroupOrder != 0 {
            // An order newer than this iter: its number, rather than nothing.
            fields.append(OptionField("order", .number(UInt64(link.cgroupOrder))))
        }
        return fields
    }

    static func attachHint(_ error: Errno, order: CgroupWalkOrder) -> String? {
        guard error == .EINVAL || error == .E2BIG else { return nil }
        if order.addedIn != "6.1" { return "cgroup order \(order.keyword) needs Linux \(order.addedIn) or later" }
        return "cgroup iterators need Linux 6.1 or later and a cgroup target"
    }

    /// The order the link reports, if it is not the one asked for (6.1+ reports it).
    static func ignored(order: CgroupWalkOrder, by info: LinkInfo?) -> String? {
        guard let info, info.cgroupOrder != order.rawValue else { return nil }
        return "cgroup order \(order.keyword)"
    }
}

/// `order ORDER`: `enum bpf_cgroup_iter_order`.
public enum CgroupWalkOrder: UInt32, Sendable, Equatable, CaseIterable {
    /// `self_only` (BPF_CGROUP_ITER_SELF_ONLY): only the starting cgroup.
    case selfOnly = 1
    /// `descendants_pre` (BPF_CGROUP_ITER_DESCENDANTS_PRE): the cgroup and its descendants, parents first.
    case descendantsPre = 2
    /// `descendants_post` (BPF_CGROUP_ITER_DESCENDANTS_POST): descendants first, the cgroup last.
    case descendantsPost = 3
    /// `ancestors_up` (BPF_CGROUP_ITER_ANCESTORS_UP): the cgroup and its ancestors up to the root.
    case ancestorsUp = 4
    /// `children` (BPF_CGROUP_ITER_CHILDREN, Linux 7.0): the cgroup's direct children, not itself.
    case children = 5

    /// The keyword on the command line and in `iter show` (`descendants_pre`).
    public var keyword: String {
        switch self {
        case .selfOnly: return "self_only"
        case .descendantsPre: return "descendants_pre"
        case .descendantsPost: return "descendants_post"
        case .ancestorsUp: return "ancestors_up"
        case .children: return "children"
        }
    }

    /// The name of the value in `enum bpf_cgroup_iter_order` (`BPF_CGROUP_ITER_CHILDREN`): what
    /// the kernel's BTF must list for the order to be there.
    public var enumerator: String {
        switch self {
        case .selfOnly: return "BPF_CGROUP_ITER_SELF_ONLY"
        case .descendantsPre: return "BPF_CGROUP_ITER_DESCENDANTS_PRE"
        case .descendantsPost: return "BPF_CGROUP_ITER_DESCENDANTS_POST"
        case .ancestorsUp: return "BPF_CGROUP_ITER_ANCESTORS_UP"
        case .children: return "BPF_CGROUP_ITER_CHILDREN"
        }
    }

    /// The kernel release that added the order.
    public var addedIn: String {
        switch self {
        case .selfOnly, .descendantsPre, .descendantsPost, .ancestorsUp: return "6.1"
        case .children: return "7.0"
        }
    }
}
