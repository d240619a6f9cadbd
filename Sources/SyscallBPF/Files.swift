import CLinuxBPF

/// A file mapped read-only into memory; unmapped when the last reference goes.
public final class MappedFile {
    /// Start of the mapping; valid while this object is alive.
    public let base: UnsafeRawPointer
    /// Length of the mapping in bytes.
    public let count: Int

    init(base: UnsafeRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { _ = munmap(UnsafeMutableRawPointer(mutating: base), count) }
}

/// What is at a path, for messages that say "is a directory" or "is a FIFO" instead of a read
/// error (or a read that never returns).
public enum FileKind: Sendable, Equatable, CustomStringConvertible {
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// A FIFO (named pipe).
    case fifo
    /// A character device (/dev/zero, a terminal).
    case characterDevice
    /// A block device.
    case blockDevice
    /// A UNIX domain socket.
    case socket
    /// A symbolic link (only when links are not followed).
    case symbolicLink
    /// A kind stat(2) has no name for.
    case unknown

    init(_ code: Int32) {
        switch code {
        case 1: self = .directory
        case 2: self = .regular
        case 3: self = .fifo
        case 4: self = .characterDevice
        case 5: self = .blockDevice
        case 6: self = .socket
        case 7: self = .symbolicLink
        default: self = .unknown
        }
    }

    /// With its article: "a FIFO", "a character device".
    public var description: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        case .unknown: return "a file of unknown kind"
        }
    }
}

/// Permission bits and owner of a file, as lstat(2) reports them.
public struct FileAccess: Sendable, Equatable {
    /// `st_mode & 07777`: permission bits with set-user-ID, set-group-ID and sticky.
    public var mode: UInt32
    /// `st_uid`.
    public var user: UInt32
    /// `st_gid`.
    public var group: UInt32
    /// The path names a symbolic link (lstat does not follow it).
    public var isSymbolicLink: Bool

    /// A file with these bits and owner.
    public init(mode: UInt32, user: UInt32, group: UInt32, isSymbolicLink: Bool = false) {
        self.mode = mode
        self.user = user
        self.group = group
        self.isSymbolicLink = isSymbolicLink
    }

    /// The mode as chmod takes it: four octal digits (`0644`).
    public var octalMode: String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// The file system calls iter makes outside bpf(2): reading objects and kernel BTF, links in /proc.
public enum Files {
    /// Opens a file read-only (O_CLOEXEC).
    public static func open(_ path: FilePath, flags: Int32 = 0) throws(Errno) -> FileDescriptor {
        let raw = try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> Int32 in
            let fd = iter_open(p, O_RDONLY | O_CLOEXEC | flags, 0)
            guard fd >= 0 else { throw Errno.current }
            return fd
        }
        return FileDescriptor(adopting: raw)
    }

    /// Size and kind of an open file.
    public static func stat(_ fd: borrowing FileDescriptor) throws(Errno) -> (size: Int, kind: FileKind) {
        var kind: Int32 = 0
        let size = iter_fstat_size(fd.rawValue, &kind)
        guard size >= 0 else { throw Errno.current }
        return (Int(size), FileKind(kind))
    }

    /// Reads until EOF, retrying EINTR, and fails with EFBIG past `limit` bytes. The buffer starts
    /// at `sizeHint` (what fstat says; sysfs files report 4096 or their real size, /proc files 0),
    /// never beyond `limit`, and doubles while more comes: a size the file claims is never
    /// allocated before the bytes are there.
    public static func readAll(_ fd: borrowing FileDescriptor, sizeHint: Int = 0, limit: Int) throws(Errno) -> [UInt8] {
        // One byte more than expected, to see the end of file (or a byte past the limit) in one read.
        var data = [UInt8](repeating: 0, count: min(max(sizeHint, 4095), limit) + 1)
        var filled = 0
        while true {
            if filled == data.count {
                guard data.count <= limit else { throw Errno.EFBIG }
                data.append(contentsOf: repeatElement(0, count: min(data.count, limit + 1 - data.count)))
            }
            let n = data.withUnsafeMutableBytes { raw in
                CLinuxBPF.read(fd.rawValue, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                let error = Errno.current
                if error == .EINTR { continue }
                throw error
            }
            if n == 0 { break }
            filled += n
        }
        data.removeSubrange(filled...)
        return data
    }

    /// Reads a whole regular file of at most `limit` bytes (EFBIG past it); anything but a regular
    /// file gives EISDIR (a directory) or EINVAL before any read, and opening never waits (a FIFO
    /// with no writer).
    public static func read(_ path: FilePath, limit: Int = Files.defaultReadLimit) throws(Errno) -> [UInt8] {
        let fd = try open(path, flags: O_NONBLOCK | O_NOCTTY)
        let (size, kind) = try stat(fd)
        guard kind != .directory else { throw Errno.EISDIR }
        guard kind == .regular else { throw Errno.EINVAL }
        return try readAll(fd, sizeHint: size, limit: limit)
    }

    /// What `read` reads at most unless told: system files (kernel config, /proc, mountinfo).
    public static let defaultReadLimit = 64 << 20

    /// Reads up to `count` bytes at `offset` (pread(2), retrying EINTR and short reads); fewer
    /// only at end of file.
    public static func read(_ fd: borrowing FileDescriptor, at offset: Int, count: Int) throws(Errno) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = data.withUnsafeMutableBytes { raw in
                pread(fd.rawValue, raw.baseAddress! + filled, raw.count - filled, off_t(offset + filled))
            }
            if n < 0 {
                let error = Errno.current
                if error == .EINTR { continue }
                throw error
            }
            if n == 0 { break }
            filled += n
        }
        data.removeSubrange(filled...)
        return data
    }

    /// Maps a file read-only (MAP_PRIVATE). Fails with the errno of mmap: sysfs BTF files allow it
    /// from Linux 6.16 on; callers fall back to `read`.
    public static func map(_ fd: borrowing FileDescriptor, size: Int) throws(Errno) -> MappedFile {
        guard size > 0 else { throw Errno.EINVAL }
        guard let p = iter_mmap_readonly(fd.rawValue, size), iter_mmap_failed(p) == 0 else { throw Errno.current }
        return MappedFile(base: UnsafeRawPointer(p), count: size)
    }

    /// readlink(2).
    public static func readLink(_ path: FilePath) throws(Errno) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> Int in
            let n = buffer.withUnsafeMutableBytes { raw in
                readlink(p, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
            }
            guard n >= 0 else { throw Errno.current }
            return n
        }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// What is at `path`: nil if nothing. `followLinks: false` looks at a symlink itself (lstat).
    public static func kind(_ path: FilePath, followLinks: Bool = true) throws(Errno) -> FileKind? {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> FileKind? in
            let r = iter_path_kind(p, followLinks ? 1 : 0)
            if r < 0 {
                let error = Errno.current
                if error == .ENOENT { return nil }
                throw error
            }
            return FileKind(r)
        }
    }

    /// The absolute path of `path` with every symbolic link, `.` and `..` resolved (realpath(3)).
    public static func resolve(_ path: FilePath) throws(Errno) -> FilePath {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> FilePath in
            guard let resolved = realpath(p, nil) else { throw Errno.current }
            defer { free(resolved) }
            return FilePath(bytes: UnsafeRawBufferPointer(start: resolved, count: strlen(resolved)))
        }
    }

    /// Permission bits (including set-user-ID, set-group-ID and sticky: `st_mode & 07777`), owner
    /// and group of the file at `path`, not following a final symbolic link (lstat); nil if nothing
    /// is there.
    public static func access(_ path: FilePath) throws(Errno) -> FileAccess? {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> FileAccess? in
            var mode: UInt32 = 0
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            var isLink: Int32 = 0
            guard iter_lstat_access(p, &mode, &uid, &gid, &isLink) == 0 else {
                let error = Errno.current
                if error == .ENOENT { return nil }
                throw error
            }
            return FileAccess(mode: mode, user: uid, group: gid, isSymbolicLink: isLink != 0)
        }
    }

    /// chmod(2) of `path` itself: a symbolic link there is refused (EOPNOTSUPP), never followed.
    public static func setMode(_ path: FilePath, _ mode: UInt32) throws(Errno) {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) in
            guard iter_chmod_nofollow(p, mode) == 0 else { throw Errno.current }
        }
    }

    /// lchown(2): nil leaves the owner or the group as it is.
    public static func setOwner(_ path: FilePath, user: UInt32?, group: UInt32?) throws(Errno) {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) in
            guard iter_lchown(p, user ?? UInt32.max, group ?? UInt32.max) == 0 else { throw Errno.current }
        }
    }

    /// The process's file mode creation mask: the `Umask:` line of /proc/self/status (Linux 4.7+),
    /// which reads it without changing it, else umask(2) set and set back.
    public static func creationMask() -> UInt32 {
        if let status = try? read(FilePath("/proc/self/status")) {
            for line in status.split(separator: UInt8(ascii: "\n")) where line.starts(with: "Umask:".utf8) {
                let digits = line.dropFirst(6).filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                if let mask = UInt32(String(decoding: digits, as: UTF8.self), radix: 8) { return mask & 0o777 }
            }
        }
        return iter_umask_by_syscall()
    }

    /// unlink(2).
    public static func remove(_ path: FilePath) throws(Errno) {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) in
            guard unlink(p) == 0 else { throw Errno.current }
        }
    }

    /// Names in a directory (without . and ..), with whether each is a directory.
    public static func list(_ path: FilePath) throws(Errno) -> [(name: FilePath, isDirectory: Bool)] {
        try path.withCString { (p: UnsafePointer<CChar>) throws(Errno) -> [(name: FilePath, isDirectory: Bool)] in
            guard let dir = opendir(p) else { throw Errno.current }
            defer { closedir(dir) }
            var entries: [(name: FilePath, isDirectory: Bool)] = []
            var isDir: Int32 = 0
            while let name = iter_readdir_name(dir, &isDir) {
                let bytes = UnsafeRawBufferPointer(start: name, count: strlen(name))
                if bytes.elementsEqual(".".utf8) || bytes.elementsEqual("..".utf8) { continue }
                entries.append((FilePath(bytes: bytes), isDir != 0))
            }
            return entries
        }
    }

    /// Writes all of `bytes` to `fd`, retrying EINTR and short writes; on EAGAIN (a non-blocking
    /// stdout inherited from the caller, full) it waits until `fd` is writable.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let error = Errno.current
                if error == .EINTR { continue }
                if error == .EAGAIN {
                    guard iter_wait_writable(fd) != 0 || Errno.current == .EINTR else { throw Errno.current }
                    continue
                }
                throw error
            }
            offset += n
        }
    }
}
