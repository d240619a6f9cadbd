import CLinuxBPF

/// BPF_OBJ_GET_INFO_BY_FD and the *_GET_NEXT_ID walks shared by maps, programs, links and BTF.
enum ObjectInfo {
    /// Fills `info` (a `bpf_*_info` struct) for the object behind `fd`. The kernel writes at most
    /// `info_len` bytes and zero-fills what it does not know, so older kernels leave newer fields 0.
    /// `size` limits the struct to the fields an older kernel knows (default: all of it).
    static func get<Info>(_ fd: borrowing FileDescriptor, into info: inout Info, size: Int? = nil) throws(Errno) {
        var attr = bpf_attr()
        attr.info.bpf_fd = UInt32(bitPattern: fd.rawValue)
        attr.info.info_len = UInt32(min(size ?? MemoryLayout<Info>.size, MemoryLayout<Info>.size))
        let result = withUnsafeMutableBytes(of: &info) { raw in
            attr.info.info = address(UnsafeRawPointer(raw.baseAddress))
            return BPFSyscall.invoke(BPF_OBJ_GET_INFO_BY_FD, &attr)
        }
        _ = try result.get()
    }
}

enum ObjectIDs {
    static func next(_ command: bpf_cmd, after id: UInt32) throws(Errno) -> UInt32? {
        var attr = bpf_attr()
        attr.start_id = id
        do {
            try BPFSyscall.call(command, &attr)
        } catch {
            if error == .ENOENT { return nil }
            throw error
        }
        return attr.next_id
    }
}
