import CLinuxBPF

/// `union bpf_iter_link_info`: what an iterator link is created with. The fds it names are borrowed
/// from the caller, who keeps them open until `BPFLink.createIterator` returns.
public struct IteratorLinkOptions {
    var info = bpf_iter_link_info()
    var isEmpty = true

    /// No options: the plain iterator.
    public static var none: IteratorLinkOptions { IteratorLinkOptions() }

    /// Map element (and sockmap, sk_storage) iterators: the map to walk.
    public static func map(_ map: borrowing FileDescriptor) -> IteratorLinkOptions {
        var o = IteratorLinkOptions()
        o.info.map.map_fd = UInt32(bitPattern: map.rawValue)
        o.isEmpty = false
        return o
    }

    /// Cgroup iterators (6.1+): the starting cgroup by open fd, and the walk order.
    public static func cgroup(order: UInt32, cgroup: borrowing FileDescriptor) -> IteratorLinkOptions {
        var o = IteratorLinkOptions()
        o.info.cgroup.order = bpf_cgroup_iter_order(rawValue: order)
        o.info.cgroup.cgroup_fd = UInt32(bitPattern: cgroup.rawValue)
        o.isEmpty = false
        return o
    }

    /// Cgroup iterators by cgroup id (the inode number of its cgroup2 directory).
    public static func cgroup(order: UInt32, id: UInt64) -> IteratorLinkOptions {
        var o = IteratorLinkOptions()
        o.info.cgroup.order = bpf_cgroup_iter_order(rawValue: order)
        o.info.cgroup.cgroup_id = id
        o.isEmpty = false
        return o
    }

    /// Task iterators (6.1+): one thread (`tid`) or one process (`pid`).
    public static func task(tid: UInt32 = 0, pid: UInt32 = 0) -> IteratorLinkOptions {
        var o = IteratorLinkOptions()
        o.info.task.tid = tid
        o.info.task.pid = pid
        o.isEmpty = false
        return o
    }

    /// Task iterators (6.1+): the process behind a pidfd, by the number of a descriptor the caller
    /// keeps open until the link exists.
    public static func task(pidFD: Int32) -> IteratorLinkOptions {
        var o = IteratorLinkOptions()
        o.info.task.pid_fd = UInt32(bitPattern: pidFD)
        o.isEmpty = false
        return o
    }
}

/// What the kernel reports about an iterator link.
public struct LinkInfo: Sendable, Equatable {
    /// `enum bpf_link_type` as bpftool names its values (`raw_tracepoint`, `tracing`, …), for
    /// messages about a link that is not an iterator's; the number for one newer than this list.
    public static func typeName(_ type: UInt32) -> String {
        let names = [
            "unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp", "perf_event", "kprobe_multi",
            "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap",
        ]
        return type < names.count ? names[Int(type)] : "type \(type)"
    }

    /// `bpf_link_info.type`: `enum bpf_link_type` (BPF_LINK_TYPE_ITER for iterator links).
    public var type: UInt32
    /// `bpf_link_info.id`.
    public var id: UInt32
    /// `bpf_link_info.prog_id`: the program the link runs.
    public var programID: UInt32
    /// For iterator links: the target name (`task`, `bpf_map_elem`, …).
    public var iteratorTarget: String
    /// `iter.map.map_id`: the map a map-element iterator walks; 0 otherwise.
    public var mapID: UInt32
    /// `iter.cgroup.cgroup_id`: the starting cgroup of a cgroup iterator; 0 otherwise.
    public var cgroupID: UInt64
    /// `iter.cgroup.order`: `enum bpf_cgroup_iter_order` of a cgroup iterator; 0 otherwise.
    public var cgroupOrder: UInt32
    /// `iter.task.tid`: the one thread a task iterator visits; 0 otherwise.
    public var taskTID: UInt32
    /// `iter.task.pid`: the one process a task iterator visits; 0 otherwise.
    public var taskPID: UInt32
}

/// BPF_LINK_* and BPF_ITER_CREATE.
public enum BPFLink {
    /// BPF_LINK_CREATE with attach type BPF_TRACE_ITER.
    public static func createIterator(program: borrowing FileDescriptor, options: IteratorLinkOptions) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.link_create.prog_fd = UInt32(bitPattern: program.rawValue)
        attr.link_create.attach_type = BPF_TRACE_ITER.rawValue
        var info = options.info
        let result = withUnsafeBytes(of: &info) { raw in
            if !options.isEmpty {
                attr.link_create.iter_info = address(raw.baseAddress)
                attr.link_create.iter_info_len = UInt32(raw.count)
            }
            return BPFSyscall.invoke(BPF_LINK_CREATE, &attr)
        }
        return FileDescriptor(adopting: try result.get())
    }

    /// BPF_LINK_UPDATE with BPF_F_REPLACE: the link runs `program` from now on, provided it still
    /// runs `old` (else EPERM, so a concurrent update is not overwritten unseen). Iterator links
    /// take a program of the same type and attach target (else EINVAL, as from kernels that cannot
    /// update them).
    public static func update(
        _ link: borrowing FileDescriptor, program: borrowing FileDescriptor,
        replacing old: borrowing FileDescriptor
    ) throws(Errno) {
        var attr = bpf_attr()
        attr.link_update.link_fd = UInt32(bitPattern: link.rawValue)
        attr.link_update.new_prog_fd = UInt32(bitPattern: program.rawValue)
        attr.link_update.flags = UInt32(BPF_F_REPLACE)
        attr.link_update.old_prog_fd = UInt32(bitPattern: old.rawValue)
        try BPFSyscall.call(BPF_LINK_UPDATE, &attr)
    }

    /// BPF_ITER_CREATE: a readable fd that runs the iterator once, from the start.
    public static func createIteratorInstance(link: borrowing FileDescriptor) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.iter_create.link_fd = UInt32(bitPattern: link.rawValue)
        return try BPFSyscall.callForFD(BPF_ITER_CREATE, &attr)
    }

    /// BPF_LINK_GET_NEXT_ID.
    public static func nextID(after id: UInt32) throws(Errno) -> UInt32? {
        try ObjectIDs.next(BPF_LINK_GET_NEXT_ID, after: id)
    }

    /// BPF_LINK_GET_FD_BY_ID.
    public static func fd(id: UInt32) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.link_id = id
        return try BPFSyscall.callForFD(BPF_LINK_GET_FD_BY_ID, &attr)
    }

    /// BPF_OBJ_GET_INFO_BY_FD for a link, with the iterator target name for iterator links.
    public static func info(_ link: borrowing FileDescriptor) throws(Errno) -> LinkInfo {
        var name = [UInt8](repeating: 0, count: 64)
        var info = bpf_link_info()
        let result = name.withUnsafeMutableBytes { n in
            info.iter.target_name = address(UnsafeRawPointer(n.baseAddress))
            info.iter.target_name_len = UInt32(n.count)
            return Result { () throws(Errno) in try ObjectInfo.get(link, into: &info) }
        }
        try result.get()
        let isIterator = info.type == BPF_LINK_TYPE_ITER.rawValue
        return LinkInfo(
            type: info.type, id: info.id, programID: info.prog_id,
            iteratorTarget: isIterator ? String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) : "",
            mapID: isIterator ? info.iter.map.map_id : 0,
            cgroupID: isIterator ? info.iter.cgroup.cgroup_id : 0,
            cgroupOrder: isIterator ? info.iter.cgroup.order : 0,
            taskTID: isIterator ? info.iter.task.tid : 0,
            taskPID: isIterator ? info.iter.task.pid : 0)
    }
}
