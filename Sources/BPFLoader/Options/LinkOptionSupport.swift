import BTFParser
import Bytes

/// The link options the running kernel has, as its BTF declares them: the members of
/// `union bpf_iter_link_info` (map 5.9, cgroup and task 6.1), those of its `task` struct (tid,
/// pid, pid_fd) and the enumerators of `enum bpf_cgroup_iter_order`. Options are checked against
/// it before anything is loaded, so a kernel that lacks one says so by name instead of refusing
/// the link with a bare errno or, worse, reading the bytes as another option (the after-attach
/// check in `IteratorOptions.ignored(by:)` stays as a second line of defence).
package struct LinkOptionSupport: Sendable, Equatable {
    /// Members of `union bpf_iter_link_info`; nil when the BTF has no such union, and then no
    /// option is checked here (every kernel iter supports has it).
    package var options: Set<String>?
    /// Members of its `task` struct.
    package var taskMembers: Set<String>
    /// Enumerators of `enum bpf_cgroup_iter_order`.
    package var cgroupOrders: Set<String>

    package init(options: Set<String>?, taskMembers: Set<String> = [], cgroupOrders: Set<String> = []) {
        self.options = options
        self.taskMembers = taskMembers
        self.cgroupOrders = cgroupOrders
    }

    /// The kernel types this reads: looked up while vmlinux BTF is indexed, when options are given.
    static let kernelNames = ["bpf_iter_link_info", "bpf_cgroup_iter_order"]

    /// Reads them from vmlinux BTF (found while it was indexed, or in one walk over its types).
    package init(kernel btf: BTF) {
        let found = KernelNames.make(for: btf)?.typeIDsByName(LinkOptionSupport.kernelNames) ?? [:]
        let union = (found["bpf_iter_link_info"] ?? []).lazy.compactMap { try? btf.type($0) }.first { $0.kind == .union }
        guard let union else {
            self.init(options: nil)
            return
        }
        var options: Set<String> = []
        var taskMembers: Set<String> = []
        for member in union.members {
            let name = btf.string(at: member.nameOffset)?.string ?? ""
            options.insert(name)
            if name == "task", let task = try? btf.skipModsAndTypedefs(member.type).type {
                for inner in task.members { taskMembers.insert(btf.string(at: inner.nameOffset)?.string ?? "") }
            }
        }
        var orders: Set<String> = []
        for id in found["bpf_cgroup_iter_order"] ?? [] {
            guard let type = try? btf.type(id) else { continue }
            switch type.body {
            case let .enumeration(_, _, values), let .enum64(_, _, values):
                for value in values { orders.insert(btf.string(at: value.nameOffset)?.string ?? "") }
            default: continue
            }
        }
        self.init(options: options, taskMembers: taskMembers, cgroupOrders: orders)
    }
}

extension IteratorOptions {
    /// The option as this kernel's BTF shows it lacks, if it does (checked before loading).
    func unsupported(by kernel: LinkOptionSupport) -> OptionError? {
        guard let members = kernel.options else { return nil }
        switch self {
        case .none, .task(.mainThreadOnly): return nil
        case .map:
            guard !members.contains("map") else { return nil }
            return .unsupported(
                option: description, lacks: "union bpf_iter_link_info has no 'map'",
                needs: "map-element iterator options need Linux 5.9 or later")
        case let .task(selection):
            let needs = "task iterator options need Linux 6.1 or later"
            guard members.contains("task") else {
                return .unsupported(option: description, lacks: "union bpf_iter_link_info has no 'task'", needs: needs)
            }
            guard let member = selection.linkMember, !kernel.taskMembers.contains(member) else { return nil }
            return .unsupported(option: description, lacks: "union bpf_iter_link_info's task options have no '\(member)'", needs: needs)
        case let .cgroup(_, order):
            guard members.contains("cgroup") else {
                return .unsupported(
                    option: description, lacks: "union bpf_iter_link_info has no 'cgroup'",
                    needs: "cgroup iterators need Linux 6.1 or later")
            }
            guard !kernel.cgroupOrders.contains(order.enumerator) else { return nil }
            return .unsupported(
                option: "cgroup order \(order.keyword)",
                lacks: "enum bpf_cgroup_iter_order has no \(order.enumerator)",
                needs: "it needs Linux \(order.addedIn) or later")
        }
    }
}
