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
