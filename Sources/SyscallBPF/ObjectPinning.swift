import CLinuxBPF

/// The kinds of BPF object an fd can refer to, as BPF_OBJ_GET_INFO_BY_FD tells them apart.
public enum BPFObjectKind: Sendable, Equatable, CustomStringConvertible {
    /// A program (`anon_inode:bpf-prog`).
    case program
    /// A map (`anon_inode:bpf-map`).
    case map
    /// A link (`anon_inode:bpf_link`).
    case link
    /// A BTF object (`anon_inode:btf`).
    case btf
    /// Not a BPF object, or its kind could not be read.
    case unknown

    public var description: String {
        switch self {
        case .program: return "prog"
        case .map: return "map"
        case .link: return "link"
        case .btf: return "btf"
        case .unknown: return "unknown"
        }
    }
}

/// BPF_OBJ_PIN and BPF_OBJ_GET: bpffs paths.
public enum BPFObject {
    /// Pins the object behind `fd` at `path` (which must be on bpffs and not exist).
    public static func pin(_ fd: borrowing FileDescriptor, at path: FilePath) throws(Errno) {
        var attr = bpf_attr()
        attr.bpf_fd = UInt32(bitPattern: fd.rawValue)
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) in
            attr.pathname = address(UnsafeRawPointer(p))
            try BPFSyscall.call(BPF_OBJ_PIN, &attr)
        }
    }

    /// Opens a pinned object (read-only when asked: BPF_F_RDONLY).
    public static func get(_ path: FilePath, readOnly: Bool = false) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.file_flags = readOnly ? UInt32(BPF_F_RDONLY) : 0
        let raw = try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> Int32 in
            attr.pathname = address(UnsafeRawPointer(p))
            return try BPFSyscall.call(BPF_OBJ_GET, &attr)
        }
        return FileDescriptor(adopting: raw)
    }

    /// What kind of object `fd` is, from its anon inode name in /proc/self/fd (as bpftool does).
    public static func kind(of fd: borrowing FileDescriptor) throws(Errno) -> BPFObjectKind {
        switch try Files.readLink(FilePath("/proc/self/fd/\(fd.rawValue)")) {
        case "anon_inode:bpf-prog": return .program
        case "anon_inode:bpf-map": return .map
        case "anon_inode:bpf_link", "anon_inode:bpf-link": return .link
        case "anon_inode:btf": return .btf
        default: return .unknown
        }
    }
}
