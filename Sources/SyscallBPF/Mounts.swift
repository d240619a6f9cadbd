import CLinuxBPF

/// A mount step that failed, worded as the command it stands for (`mount --make-private DIR
/// failed: …`).
public struct MountError: Error, Sendable, CustomStringConvertible {
    /// The command the failed step corresponds to, e.g. `mount -t bpf bpf DIR`.
    public let step: String
    /// errno of the failed call.
    public let errno: Errno

    /// The failure of `step` with `errno`.
    public init(step: String, errno: Errno) {
        self.step = step
        self.errno = errno
    }

    public var description: String { "\(step) failed: \(errno.description)" }
}

/// One line of /proc/self/mountinfo, as much of it as pinning needs.
public struct MountEntry: Sendable, Equatable {
    /// The mount id (statx's stx_mnt_id).
    public let id: UInt64
    /// Where it is mounted, relative to this process's root.
    public let mountPoint: FilePath
    /// The file system type (`bpf`, `tmpfs`).
    public let fileSystemType: String
    /// `shared:N` among its optional fields: mounts made under it propagate to its peers.
    public let isShared: Bool
}

/// The mount table of this process's mount namespace.
public enum MountTable {
    /// /proc/self/mountinfo, parsed.
    public static func read() throws(Errno) -> [MountEntry] {
        parse(try Files.read("/proc/self/mountinfo"))
    }

    /// Lines such as `36 35 0:30 / /sys/fs/bpf rw,nosuid shared:12 - bpf bpf rw,mode=700`: optional
    /// fields end at a lone `-`, the file system type follows it. Paths are bytes, not UTF-8. A
    /// line that does not have this shape is skipped.
    public static func parse(_ bytes: [UInt8]) -> [MountEntry] {
        var entries: [MountEntry] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count >= 5, let id = UInt64(String(decoding: fields[0], as: UTF8.self)),
                let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash >= 6, dash + 1 < fields.count
            else { continue }
            let shared = fields[6..<dash].contains { $0.starts(with: "shared:".utf8) }
            entries.append(
                MountEntry(
                    id: id, mountPoint: unescape(fields[4]),
                    fileSystemType: String(decoding: fields[dash + 1], as: UTF8.self), isShared: shared))
        }
        return entries
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ field: ArraySlice<UInt8>) -> FilePath {
        var bytes: [UInt8] = []
        var rest = field
        while let byte = rest.first {
            rest = rest.dropFirst()
            if byte == UInt8(ascii: "\\"), rest.count >= 3, let value = octal(rest.prefix(3)) {
                bytes.append(value)
                rest = rest.dropFirst(3)
                continue
            }
            bytes.append(byte)
        }
        return FilePath(bytes: bytes)
    }

    static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return UInt8(exactly: value)
    }
}

/// bpffs detection and the mount(2) calls of a pin, one per step, so that a caller can record
/// each step and undo exactly those.
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

    /// statfs(2) f_type of the file system holding the open file `fd`.
    public static func fileSystemType(of fd: borrowing FileDescriptor) throws(Errno) -> Int64 {
        let type = iter_fstatfs_type(fd.rawValue)
        guard type != -1 else { throw Errno.current }
        return Int64(type)
    }

    /// True if `path` is on bpffs.
    public static func isBPFFS(_ path: FilePath) -> Bool {
        (try? fileSystemType(path)) == bpffsMagic
    }

    /// The id of the mount `path` is on: after a mount on `path`, the new mount's.
    public static func mountID(_ path: FilePath) throws(Errno) -> UInt64 {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> UInt64 in
            var id: UInt64 = 0
            guard iter_mount_id(p, &id) == 0 else { throw Errno.current }
            return id
        }
    }

    /// `mount --make-private DIR` or `--make-shared DIR`: one mount, not the ones under it.
    public static func setPropagation(_ directory: FilePath, shared: Bool) throws(MountError) {
        try call(shared ? "mount --make-shared \(directory)" : "mount --make-private \(directory)", directory) { iter_mount_propagation($0, shared ? 1 : 0) }
    }

    /// `mount --bind DIR DIR`: makes a directory that is not a mount point one.
    public static func bindOnItself(_ directory: FilePath) throws(MountError) {
        try call("mount --bind \(directory) \(directory)", directory) { iter_mount_bind_self($0) }
    }

    /// `mount -t bpf -o mode=0700 bpf DIR`.
    public static func mountBPFFS(_ directory: FilePath) throws(MountError) {
        try call("mount -t bpf bpf \(directory)", directory) { iter_mount_bpffs($0) }
    }

    /// `mount -o remount,bind,ro DIR` (or `rw`): the mount's own read-only flag. While it is set,
    /// nothing new can be pinned there (EROFS), so what the mount holds can be looked at and
    /// trusted until it is unmounted. EBUSY while someone is writing to it.
    public static func setReadOnly(_ directory: FilePath, _ readOnly: Bool) throws(MountError) {
        try call("mount -o remount,bind,\(readOnly ? "ro" : "rw") \(directory)", directory) { iter_mount_set_readonly($0, readOnly ? 1 : 0) }
    }

    /// `umount DIR`, then `umount -l DIR` if that fails (an open file or a working directory there
    /// keeps it busy; the lazy unmount takes it out of the tree now and frees it when they go).
    public static func unmount(_ directory: FilePath) throws(MountError) {
        do {
            try call("umount \(directory)", directory) { umount2($0, 0) }
        } catch {
            try call("umount -l \(directory)", directory) { umount2($0, Int32(MNT_DETACH)) }
        }
    }

    static func call(_ step: String, _ directory: FilePath, _ body: (UnsafePointer<CChar>) -> Int32) throws(MountError) {
        let failed = directory.withCString { body($0) != 0 }
        if failed { throw MountError(step: step, errno: Errno.current) }
    }
}
