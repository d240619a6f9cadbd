import CLinuxBPF

/// What the kernel reports about a loaded program.
public struct ProgramInfo: Sendable, Equatable {
    public var id: UInt32
    public var type: UInt32
    public var name: String
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
