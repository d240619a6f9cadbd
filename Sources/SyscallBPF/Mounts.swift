import CLinuxBPF

/// A mount step that failed, worded as bpftool words it (`mount --make-private DIR failed: …`).
public struct MountError: Error, Sendable, CustomStringConvertible {
    /// The command the failed step corresponds to, e.g. `mount -t bpf bpf DIR`.
    public let step: String
    /// errno of the failed mount(2).
    public let errno: Errno
    public var description: String { "\(step) failed: \(errno.message)" }
}

/// What `Mounts.mountBPFFS` did, so a failed pin can undo exactly that and nothing else.
public struct MountRecord: Sendable, Equatable {
    /// The directory bpffs was mounted on.
    public let directory: String
    /// The directory was not a mount point, so it was bind-mounted on itself to make it private.
    public let bindMounted: Bool
}

/// bpffs detection and mounting, as bpftool does it before pinning.
public enum Mounts {
    /// BPF_FS_MAGIC: statfs(2) f_type of bpffs.
    public static let bpffsMagic: Int64 = 0xcafe_4a11

    /// statfs(2) f_type of the file system holding `path`.
    public static func fileSystemType(_ path: String) throws(Errno) -> Int64 {
        try withCString(path) { (p: UnsafePointer<CChar>) throws(Errno) -> Int64 in
            let type = iter_statfs_type(p)
            guard type != -1 else { throw Errno.current }
            return Int64(type)
        }
    }

    /// True if `path` is on bpffs.
    public static func isBPFFS(_ path: String) -> Bool {
        (try? fileSystemType(path)) == bpffsMagic
    }

    /// Mounts bpffs over `directory` with mode 0700, first making the directory's mount private
    /// (bind-mounting it on itself when it is not a mount point, which is when make-private fails
    /// with EINVAL), so the new mount does not propagate to other mount namespaces.
    public static func mountBPFFS(at directory: String) throws(MountError) -> MountRecord {
        var bindMounted = false
        while true {
            let status = try call("mount --make-private \(directory)") { () -> Int32 in
                mount("", directory, "none", UInt(MS_PRIVATE | MS_REC), nil)
            }
            if status == 0 { break }
            let error = Errno.current
            guard error == .EINVAL, !bindMounted else { throw MountError(step: "mount --make-private \(directory)", errno: error) }
            guard mount(directory, directory, "none", UInt(MS_BIND), nil) == 0 else {
                throw MountError(step: "mount --bind \(directory) \(directory)", errno: Errno.current)
            }
            bindMounted = true
        }
        guard mount("bpf", directory, "bpf", 0, "mode=0700") == 0 else {
            let error = Errno.current
            if bindMounted { _ = umount2(directory, 0) }
            throw MountError(step: "mount -t bpf bpf \(directory)", errno: error)
        }
        return MountRecord(directory: directory, bindMounted: bindMounted)
    }

    /// Undoes `mountBPFFS`: the bpffs mount, then the bind mount if one was made.
    public static func unmount(_ record: MountRecord) {
        _ = umount2(record.directory, 0)
        if record.bindMounted { _ = umount2(record.directory, 0) }
    }

    private static func call(_ step: String, _ body: () -> Int32) throws(MountError) -> Int32 {
        body()
    }
}
