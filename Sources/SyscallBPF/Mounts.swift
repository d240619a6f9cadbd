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
    public let directory: FilePath
    /// The directory was not a mount point, so it was bind-mounted on itself to make it private.
    public let bindMounted: Bool
}

/// bpffs detection and mounting, as bpftool does it before pinning.
public enum Mounts {
    /// BPF_FS_MAGIC: statfs(2) f_type of bpffs.
    public static let bpffsMagic: Int64 = 0xcafe_4a11

    /// statfs(2) f_type of the file system holding `path`.
    public static func fileSystemType(_ path: FilePath) throws(Errno) -> Int64 {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> Int64 in
            let type = iter_statfs_type(p)
            guard type != -1 else { throw Errno.current }
            return Int64(type)
        }
    }

    /// True if `path` is on bpffs.
    public static func isBPFFS(_ path: FilePath) -> Bool {
        (try? fileSystemType(path)) == bpffsMagic
    }

    /// Mounts bpffs over `directory` with mode 0700, first making the directory's mount private
    /// (bind-mounting it on itself when it is not a mount point, which is when make-private fails
    /// with EINVAL), so the new mount does not propagate to other mount namespaces.
    public static func mountBPFFS(at directory: FilePath) throws(MountError) -> MountRecord {
        let shown = directory.description
        return try directory.withCString { (dir) throws(MountError) -> MountRecord in
            var bindMounted = false
            while mount("", dir, "none", UInt(MS_PRIVATE | MS_REC), nil) != 0 {
                let error = Errno.current
                guard error == .EINVAL, !bindMounted else { throw MountError(step: "mount --make-private \(shown)", errno: error) }
                guard mount(dir, dir, "none", UInt(MS_BIND), nil) == 0 else {
                    throw MountError(step: "mount --bind \(shown) \(shown)", errno: Errno.current)
                }
                bindMounted = true
            }
            guard mount("bpf", dir, "bpf", 0, "mode=0700") == 0 else {
                let error = Errno.current
                if bindMounted { _ = umount2(dir, 0) }
                throw MountError(step: "mount -t bpf bpf \(shown)", errno: error)
            }
            return MountRecord(directory: directory, bindMounted: bindMounted)
        }
    }

    /// Undoes `mountBPFFS`: the bpffs mount, then the bind mount if one was made.
    public static func unmount(_ record: MountRecord) {
        record.directory.withCString { dir in
            _ = umount2(dir, 0)
            if record.bindMounted { _ = umount2(dir, 0) }
        }
    }
}
