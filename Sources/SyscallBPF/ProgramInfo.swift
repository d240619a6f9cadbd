import CLinuxBPF

/// What the kernel reports about a loaded program.
public struct ProgramInfo: Sendable, Equatable {
    /// `bpf_prog_info.id`.
    public var id: UInt32
    /// `bpf_prog_info.type`: `enum bpf_prog_type`.
    public var type: UInt32
    /// `bpf_prog_info.name` (at most 15 bytes).
    public var name: String
    /// `bpf_prog_info.btf_id`: the program's BTF object; 0 when loaded without BTF.
    public var btfID: UInt32
}

extension BPFProgram {
    /// BPF_OBJ_GET_INFO_BY_FD for a program.
    public static func info(_ program: borrowing FileDescriptor) throws(Errno) -> ProgramInfo {
        var info = bpf_prog_info()
        try ObjectInfo.get(program, into: &info)
        return ProgramInfo(id: info.id, type: info.type, name: objectName(info.name), btfID: info.btf_id)
    }

    /// The program as the kernel runs it before JIT (`xlated_prog_insns`, 8 bytes per instruction,
    /// in host order): the verifier's rewrites applied, probe loads shown as plain loads.
    public static func translatedInstructions(_ program: borrowing FileDescriptor) throws(Errno) -> [UInt8] {
        var sizing = bpf_prog_info()
        try ObjectInfo.get(program, into: &sizing)
        var bytes = [UInt8](repeating: 0, count: Int(sizing.xlated_prog_len))
        guard !bytes.isEmpty else { return [] }
        var info = bpf_prog_info()
        let result = bytes.withUnsafeMutableBytes { raw in
            info.xlated_prog_len = UInt32(raw.count)
            info.xlated_prog_insns = address(UnsafeRawPointer(raw.baseAddress))
            return Result { () throws(Errno) in try ObjectInfo.get(program, into: &info) }
        }
        try result.get()
        // The program cannot change, but its length is what the kernel says it wrote.
        return Array(bytes.prefix(Int(info.xlated_prog_len)))
    }

    /// BPF_PROG_GET_FD_BY_ID.
    public static func fd(id: UInt32) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.prog_id = id
        return try BPFSyscall.callForFD(BPF_PROG_GET_FD_BY_ID, &attr)
    }
}

extension BPFProgram {
    /// The BTF a loaded program was loaded with, as the kernel keeps it (its raw bytes, in this
    /// machine's byte order): `btf_id` from the program's info, BPF_BTF_GET_FD_BY_ID, then the
    /// bytes from the BTF object's info. nil when the program was loaded without BTF. This is how
    /// the types of a pinned program (its records, its globals) are known without its object file.
    public static func btfData(of program: borrowing FileDescriptor) throws(Errno) -> [UInt8]? {
        let id = try info(program).btfID
        guard id != 0 else { return nil }
        let btf = try BPFBTF.fd(id: id)
        return try BPFBTF.data(btf)
    }

    /// BPF_PROG_BIND_MAP (5.10): keeps `map` alive as long as the program and lists it among the
    /// program's maps, although no instruction refers to it (libbpf binds `.rodata` this way, so
    /// `bpftool prog show` finds the object's metadata variables).
    public static func bindMap(_ program: borrowing FileDescriptor, _ map: borrowing FileDescriptor) throws(Errno) {
        var attr = bpf_attr()
        attr.prog_bind_map.prog_fd = UInt32(bitPattern: program.rawValue)
        attr.prog_bind_map.map_fd = UInt32(bitPattern: map.rawValue)
        try BPFSyscall.call(BPF_PROG_BIND_MAP, &attr)
    }
}

extension BPFProgram {
    /// The ids of the maps a loaded program uses (its instructions' maps, and those bound to it):
    /// `nr_map_ids` first, then the ids themselves.
    public static func mapIDs(_ program: borrowing FileDescriptor) throws(Errno) -> [UInt32] {
        var sizing = bpf_prog_info()
        try ObjectInfo.get(program, into: &sizing)
        let count = Int(sizing.nr_map_ids)
        guard count > 0 else { return [] }
        var ids = [UInt32](repeating: 0, count: count)
        var info = bpf_prog_info()
        let result = ids.withUnsafeMutableBytes { raw in
            info.nr_map_ids = UInt32(count)
            info.map_ids = address(UnsafeRawPointer(raw.baseAddress))
            return Result { () throws(Errno) in try ObjectInfo.get(program, into: &info) }
        }
        try result.get()
        // Maps can be bound between the two calls: the kernel then fills only what fits.
        return Array(ids.prefix(min(count, Int(info.nr_map_ids))))
    }
}
