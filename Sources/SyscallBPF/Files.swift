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

/// What is at a path, for messages that say "is a directory" instead of a read error.
public enum FileKind: Sendable, Equatable {
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// Anything else (device, FIFO, socket; a symlink when links are not followed).
    case other
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
        var isDir: Int32 = 0
        var isReg: Int32 = 0
        let size = iter_fstat_size(fd.rawValue, &isDir, &isReg)
        guard size >= 0 else { throw Errno.current }
        return (Int(size), isDir != 0 ? .directory : (isReg != 0 ? .regular : .other))
    }

    /// Reads until EOF, retrying EINTR. `sizeHint` sizes the first read (sysfs files report 4096 or
    /// their real size; either way we read until read(2) returns 0).
    public static func readAll(_ fd: borrowing FileDescriptor, sizeHint: Int = 0) throws(Errno) -> [UInt8] {
        var data = [UInt8](repeating: 0, count: max(sizeHint + 1, 4096))
        var filled = 0
        while true {
            if filled == data.count { data.append(contentsOf: [UInt8](repeating: 0, count: data.count)) }
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

    /// Reads a whole regular file; a directory gives EISDIR before any read.
    public static func read(_ path: FilePath) throws(Errno) -> [UInt8] {
        let fd = try open(path)
        let (size, kind) = try stat(fd)
        guard kind != .directory else { throw Errno.EISDIR }
        return try readAll(fd, sizeHint: size)
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
            switch r {
            case 1: return .directory
            case 2: return .regular
            default: return .other
            }
        }
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
