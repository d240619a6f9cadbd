import CLinuxBPF

/// BPF_BTF_LOAD failed: errno and the kernel's BTF verifier log.
public struct BTFLoadError: Error, Sendable {
    /// errno of BPF_BTF_LOAD (ENOSPC when the log buffer was too small; the log is still useful).
    public let errno: Errno
    /// The kernel BTF checker's log (btf_log_level 1); empty when no log was asked for.
    public let log: String
}

/// What the kernel reports about a loaded BTF object.
public struct BTFInfo: Sendable, Equatable {
    /// `bpf_btf_info.id`: the BTF object's id, as BPF_BTF_GET_FD_BY_ID takes it.
    public var id: UInt32
    /// `bpf_btf_info.name`: "vmlinux" or the module name for kernel BTF; empty for user BTF and before 5.11.
    public var name: String
    /// `bpf_btf_info.kernel_btf`: the BTF is the kernel's or a module's, not loaded from user space.
    public var isKernel: Bool
}

/// BPF_BTF_* commands.
public enum BPFBTF {
    /// Loads a BTF blob. With `log`, the kernel's BTF checker explains a rejection.
    public static func load(_ blob: [UInt8], log wantLog: Bool) throws(BTFLoadError) -> FileDescriptor {
        var logBuffer = [UInt8](repeating: 0, count: wantLog ? 256 << 10 : 1)
        var attr = bpf_attr()
        var result: Result<Int32, Errno> = .failure(.EINVAL)
        blob.withUnsafeBytes { b in
            logBuffer.withUnsafeMutableBytes { l in
                attr.btf = address(b.baseAddress)
                attr.btf_size = UInt32(blob.count)
                if wantLog {
                    attr.btf_log_level = 1
                    attr.btf_log_size = UInt32(l.count)
                    attr.btf_log_buf = address(UnsafeRawPointer(l.baseAddress))
                }
                result = BPFSyscall.invoke(BPF_BTF_LOAD, &attr)
            }
        }
        switch result {
        case let .success(fd):
            return FileDescriptor(adopting: fd)
        case let .failure(errno):
            // A log buffer that is too small turns the real error into ENOSPC; the log is what matters.
            let text = String(decoding: logBuffer.prefix { $0 != 0 }, as: UTF8.self)
            throw BTFLoadError(errno: errno, log: text)
        }
    }

    /// BPF_OBJ_GET_INFO_BY_FD for BTF: id, name (module name for kernel BTF) and kernel flag.
    /// Kernels before 5.11 know only btf, btf_size and id: asked for a name they answer E2BIG,
    /// so ask again without one.
    public static func info(_ btf: borrowing FileDescriptor) throws(Errno) -> BTFInfo {
        var name = [UInt8](repeating: 0, count: 64)
        var info = bpf_btf_info()
        let result = name.withUnsafeMutableBytes { n in
            info.name = address(UnsafeRawPointer(n.baseAddress))
            info.name_len = UInt32(n.count)
            return Result { () throws(Errno) in try ObjectInfo.get(btf, into: &info) }
        }
        if case let .failure(error) = result {
            guard error == .E2BIG else { throw error }
            info = bpf_btf_info()
            try ObjectInfo.get(btf, into: &info, size: 16)
            return BTFInfo(id: info.id, name: "", isKernel: false)
        }
        return BTFInfo(id: info.id, name: String(decoding: name.prefix { $0 != 0 }, as: UTF8.self),
                       isKernel: info.kernel_btf != 0)
    }

    /// The most BTF taken from the kernel in one piece: vmlinux BTF is 5 to 10 MiB.
    public static let sizeLimit = 256 << 20

    /// The raw BTF of a loaded BTF object (two info calls: the size, then the bytes). For kernel
    /// BTF this works where /sys/kernel/btf is not mounted, e.g. in a chroot or container. EFBIG
    /// when the kernel states a size over `limit`, before anything is allocated for it.
    public static func data(_ btf: borrowing FileDescriptor, limit: Int = BPFBTF.sizeLimit) throws(Errno) -> [UInt8] {
        var info = bpf_btf_info()
        try ObjectInfo.get(btf, into: &info)
        let size = Int(info.btf_size)
        guard size > 0 else { return [] }
        guard size <= limit else { throw Errno.EFBIG }
        var bytes = [UInt8](repeating: 0, count: size)
        var second = bpf_btf_info()
        let result = bytes.withUnsafeMutableBytes { raw in
            second.btf = address(UnsafeRawPointer(raw.baseAddress))
            second.btf_size = UInt32(raw.count)
            return Result { () throws(Errno) in try ObjectInfo.get(btf, into: &second) }
        }
        try result.get()
        return bytes
    }

    /// The kernel's own BTF object named `name` ("vmlinux" or a module), found by walking BTF ids.
    public static func kernelBTF(named name: String) throws(Errno) -> FileDescriptor? {
        var id: UInt32 = 0
        while let next = try nextID(after: id) {
            id = next
            guard let fd = try? fd(id: id), let info = try? self.info(fd) else { continue }
            if info.isKernel && info.name == name { return fd }
        }
        return nil
    }

    /// BPF_BTF_GET_FD_BY_ID.
    public static func fd(id: UInt32) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.btf_id = id
        return try BPFSyscall.callForFD(BPF_BTF_GET_FD_BY_ID, &attr)
    }

    /// BPF_BTF_GET_NEXT_ID.
    public static func nextID(after id: UInt32) throws(Errno) -> UInt32? {
        try ObjectIDs.next(BPF_BTF_GET_NEXT_ID, after: id)
    }
}
