@testable import BPFLoader
import BTFParser
@testable import SyscallBPF
import Testing

/// Link options checked against kernel BTF before loading: built here as the kernels have it.
@Suite("link options against the kernel's BTF")
struct LinkOptionSupportTests {
    /// `union bpf_iter_link_info` with `members` (and the task struct's `taskMembers`), and
    /// `enum bpf_cgroup_iter_order` with `orders`.
    static func kernel(members: [String], taskMembers: [String] = ["tid", "pid", "pid_fd"], orders: [String]) throws -> BTF {
        var b = CORETestBTF()
        let u32 = b.int("__u32")
        let u64 = b.int("__u64", size: 8)
        var values: [(String, Int64)] = [("BPF_CGROUP_ITER_ORDER_UNSPEC", 0)]
        for (i, name) in orders.enumerated() { values.append((name, Int64(i + 1))) }
        let order = b.enumeration("bpf_cgroup_iter_order", values)
        let map = b.structure("", size: 4, [("map_fd", u32, 0, 0)])
        let cgroup = b.structure("", size: 16, [("order", order, 0, 0), ("cgroup_fd", u32, 32, 0), ("cgroup_id", u64, 64, 0)])
        let task = b.structure(
            "", size: UInt32(4 * taskMembers.count),
            taskMembers.enumerated().map { ($0.element, u32, UInt32(32 * $0.offset), 0) })
        let all: [String: TypeID] = ["map": map, "cgroup": cgroup, "task": task]
        _ = b.structure("bpf_iter_link_info", size: 16, union: true, members.map { ($0, all[$0] ?? map, 0, 0) })
        return try b.btf()
    }

    static let orders61 = [
        "BPF_CGROUP_ITER_SELF_ONLY", "BPF_CGROUP_ITER_DESCENDANTS_PRE", "BPF_CGROUP_ITER_DESCENDANTS_POST",
        "BPF_CGROUP_ITER_ANCESTORS_UP",
    ]

    @Test("a kernel with BPF_CGROUP_ITER_CHILDREN (7.0) takes order children; one without names it and 7.0")
    func childrenOrder() throws {
        let with = LinkOptionSupport(kernel: try Self.kernel(members: ["map", "cgroup", "task"], orders: Self.orders61 + ["BPF_CGROUP_ITER_CHILDREN"]))
        #expect(with.cgroupOrders.contains("BPF_CGROUP_ITER_CHILDREN"))
        let children = IteratorOptions.cgroup(.id(1), order: .children)
        #expect(children.unsupported(by: with) == nil)
        let without = LinkOptionSupport(kernel: try Self.kernel(members: ["map", "cgroup", "task"], orders: Self.orders61))
        #expect(
            children.unsupported(by: without)?.description == "cgroup order children: not supported by this kernel"
                + " (its enum bpf_cgroup_iter_order has no BPF_CGROUP_ITER_CHILDREN); it needs Linux 7.0 or later")
        #expect(IteratorOptions.cgroup(.id(1), order: .ancestorsUp).unsupported(by: without) == nil)
    }

    @Test("task options on a kernel whose union has only map (5.10), pid_fd where only tid exists")
    func taskOptions() throws {
        let v510 = LinkOptionSupport(kernel: try Self.kernel(members: ["map"], orders: []))
        #expect(v510.options == ["map"])
        #expect(
            IteratorOptions.task(.thread(42)).unsupported(by: v510)?.description
                == "task tid 42: not supported by this kernel (its union bpf_iter_link_info has no 'task'); task iterator options need Linux 6.1 or later")
        #expect(IteratorOptions.task(.mainThreadOnly).unsupported(by: v510) == nil, "iter's own filter, on every kernel")
        #expect(IteratorOptions.map(.id(3)).unsupported(by: v510) == nil)
        let tidOnly = LinkOptionSupport(kernel: try Self.kernel(members: ["map", "cgroup", "task"], taskMembers: ["tid"], orders: Self.orders61))
        #expect(IteratorOptions.task(.thread(42)).unsupported(by: tidOnly) == nil)
        #expect(
            IteratorOptions.task(.processDescriptor(3)).unsupported(by: tidOnly)?.description
                == "task pid_fd 3: not supported by this kernel (its union bpf_iter_link_info's task options have no 'pid_fd'); task iterator options need Linux 6.1 or later")
        #expect(IteratorOptions.cgroup(.id(1), order: .descendantsPre).unsupported(by: v510) != nil)
    }

    @Test("BTF without the union checks nothing (the after-attach check remains)")
    func noUnion() throws {
        var b = CORETestBTF()
        _ = b.int("int")
        let support = LinkOptionSupport(kernel: try b.btf())
        #expect(support.options == nil)
        #expect(IteratorOptions.cgroup(.id(1), order: .children).unsupported(by: support) == nil)
    }

    @Test("this machine's kernel: its BTF has the union, and the checks agree with its version")
    func runningKernel() throws {
        guard let vmlinux = try? KernelBTFFile.vmlinux().0 else { return }
        let support = LinkOptionSupport(kernel: vmlinux)
        #expect(support.options?.isSuperset(of: ["map", "cgroup", "task"]) == true)
        #expect(support.taskMembers.isSuperset(of: ["tid", "pid", "pid_fd"]))
        #expect(support.cgroupOrders.isSuperset(of: Set(Self.orders61)))
    }

    /// Link info as a kernel reports it for an iterator link.
    static func info(tid: UInt32 = 0, pid: UInt32 = 0, order: UInt32 = 0) -> LinkInfo {
        LinkInfo(type: 11, id: 1, programID: 2, iteratorTarget: "x", mapID: 0, cgroupID: 0, cgroupOrder: order, taskTID: tid, taskPID: pid)
    }

    @Test("after attaching, the second line of defence: what the link reports it did not apply")
    func ignoredAfterAttach() {
        // Before 6.1 a tid lands in the 4-byte map fd and the link reports nothing.
        #expect(IteratorOptions.task(.thread(42)).ignored(by: Self.info()) == "task tid 42")
        #expect(IteratorOptions.task(.thread(42)).ignored(by: Self.info(tid: 42)) == nil)
        #expect(IteratorOptions.task(.process(7)).ignored(by: Self.info(tid: 7)) == "task pid 7")
        #expect(IteratorOptions.task(.processDescriptor(3)).ignored(by: Self.info()) == "task pid_fd")
        #expect(IteratorOptions.cgroup(.id(1), order: .children).ignored(by: Self.info(order: 2)) == "cgroup order children")
        #expect(IteratorOptions.cgroup(.id(1), order: .children).ignored(by: Self.info(order: 5)) == nil)
        #expect(IteratorOptions.cgroup(.id(1), order: .selfOnly).ignored(by: nil) == nil, "no info: nothing to compare")
    }

    @Test("iter show: order children by name, an order newer than iter by number, map ids of socket maps")
    func shownFields() {
        var link = Self.info(order: 5)
        link.iteratorTarget = "cgroup"
        link.cgroupID = 9
        #expect(IteratorOptions.fields(of: link) == [OptionField("cgroup_id", .number(9)), OptionField("order", .text("children"))])
        link.cgroupOrder = 6
        #expect(IteratorOptions.fields(of: link).last == OptionField("order", .number(6)))
        for target in ["sockmap", "bpf_sk_storage_map", "bpf_map_elem"] {
            var map = Self.info()
            map.iteratorTarget = target
            map.mapID = 77
            #expect(IteratorOptions.fields(of: map) == [OptionField("map_id", .number(77))], "\(target)")
        }
    }

    @Test("update errors: each says what failed and carries its errno")
    func updateErrors() {
        let path: FilePath = "/sys/fs/bpf/x"
        #expect(
            UpdateError.unsupported(path, .EINVAL).description == "can't update /sys/fs/bpf/x: this kernel cannot replace"
                + " the program of an iterator link (BPF_LINK_UPDATE for iterators needs Linux 5.8 or later): Invalid argument (EINVAL)")
        #expect(UpdateError.unsupported(path, .EINVAL).errno == .EINVAL)
        #expect(
            UpdateError.programChanged(path, was: 3, now: nil).description
                == "the program of the iterator at /sys/fs/bpf/x changed meanwhile (was program 3, now gone); nothing was replaced: Operation not permitted (EPERM)")
        #expect(UpdateError.notALink(path, .map).errno == nil)
        #expect(UpdateError.notAnIteratorLink(path, linkType: 2).description == "/sys/fs/bpf/x is a pinned tracing link, not an iterator link")
        #expect(UpdateError.notAnIteratorLink(path, linkType: 99).description == "/sys/fs/bpf/x is a pinned type 99 link, not an iterator link")
    }
}
