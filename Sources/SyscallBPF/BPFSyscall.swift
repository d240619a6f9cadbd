import CLinuxBPF

/// The one entry point to bpf(2): every command of this module (and so of iter) goes through here.
enum BPFSyscall {
    /// Size passed to the kernel: the whole `union bpf_attr` of our UAPI headers. Kernels with a
    /// smaller union accept it as long as the bytes they do not know are zero, which a zero-initialised
    /// attr guarantees for the commands we send.
    static let attrSize = UInt32(MemoryLayout<bpf_attr>.size)

    /// Calls bpf(cmd, attr): its non-negative result or the errno. Non-throwing, so it can run inside
    /// the `withUnsafe…` closures that keep attribute buffers alive.
    static func invoke(_ command: bpf_cmd, _ attr: inout bpf_attr) -> Result<Int32, Errno> {
        let result = iter_sys_bpf(Int32(command.rawValue), &attr, attrSize)
        guard result >= 0 else { return .failure(Errno.current) }
        return .success(Int32(truncatingIfNeeded: result))
    }

    /// Calls bpf(cmd, attr) and returns its non-negative result; a failure is thrown as its errno.
    @discardableResult
    static func call(_ command: bpf_cmd, _ attr: inout bpf_attr) throws(Errno) -> Int32 {
        try invoke(command, &attr).get()
    }

    /// Calls a command that returns a new fd and takes ownership of it.
    static func callForFD(_ command: bpf_cmd, _ attr: inout bpf_attr) throws(Errno) -> FileDescriptor {
        let raw = try call(command, &attr)
        return FileDescriptor(adopting: raw)
    }
}

/// Pointer → `__aligned_u64` for bpf_attr fields.
@inline(__always)
func address(_ pointer: UnsafeRawPointer?) -> UInt64 {
    UInt64(UInt(bitPattern: pointer))
}

/// Copies a name into a fixed `char[16]` field (BPF_OBJ_NAME_LEN), truncated to 15 bytes.
func setObjectName(_ name: String, into field: inout (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                                                      CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)) {
    withUnsafeMutableBytes(of: &field) { raw in
        for i in 0..<raw.count { raw[i] = 0 }
        var i = 0
        for byte in name.utf8 where i < raw.count - 1 {
            raw[i] = byte
            i += 1
        }
    }
}

/// Reads a fixed `char[16]` name field.
func objectName(_ field: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar,
                          CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar)) -> String {
    withUnsafeBytes(of: field) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
