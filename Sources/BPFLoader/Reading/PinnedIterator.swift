import BTFParser
import Bytes
import CLinuxBPF
import SyscallBPF

/// An iterator pinned on bpffs (by `iter pin` or `bpftool iter pin`), read as `cat` reads it:
/// each pass opens the pin afresh.
///
/// ```swift
/// let tasks = try PinnedIterator(path: "/sys/fs/bpf/tasks")
/// print(try tasks.read())
/// ```
public struct PinnedIterator: IteratorReading {
    /// Where it is pinned.
    public let path: FilePath
    /// The kernel's description of the link (target, program id, options); nil when the pin
    /// can only be read: BPF_OBJ_GET wants write access to a link's pin, `cat` does not.
    public let link: LinkInfo?
    /// The program's info (name, id, BTF id); nil when it could not be asked for (it needs
    /// CAP_SYS_ADMIN).
    public let program: ProgramInfo?
    /// The link itself, open, when BPF_OBJ_GET gave it.
    let linkFD: OwnedDescriptor?

    /// Opens the pin at `path`: it must be a file on bpffs, and when iter may ask the kernel
    /// about it, an iterator link.
    public init(path: FilePath) throws(IteratorError) {
        self.path = path
        do { try PinnedIterator.checkPath(path) } catch { throw .pinned(error) }
        let fd: FileDescriptor
        do {
            fd = try BPFObject.get(path)
        } catch {
            // Read access only: reading is still possible, as for cat.
            guard error == .EACCES || error == .EPERM else { throw .pinned(.open(path: path, error)) }
            link = nil
            program = nil
            linkFD = nil
            return
        }
        let objectKind: BPFObjectKind
        do { objectKind = try BPFObject.kind(of: fd) } catch { throw .pinned(.open(path: path, error)) }
        guard objectKind == .link else { throw .pinned(.notALink(path: path, kind: objectKind)) }
        let info: LinkInfo
        do { info = try BPFLink.info(fd) } catch { throw .pinned(.open(path: path, error)) }
        guard info.type == BPF_LINK_TYPE_ITER.rawValue else { throw .pinned(.notAnIterator(path: path, linkType: info.type)) }
        link = info
        program = PinnedIterator.programInfo(id: info.programID)
        linkFD = OwnedDescriptor(fd)
    }

    /// What every command that takes a pin's path asks first (cat, show, update), so that each
    /// says the same of a path that cannot be a pin: there is a file, not a directory, on bpffs.
    package static func checkPath(_ path: FilePath) throws(PinnedIteratorError) {
        let kind: FileKind?
        do { kind = try Files.kind(path) } catch { throw .open(path: path, error) }
        guard let kind else { throw .open(path: path, .ENOENT) }
        guard kind != .directory else { throw .directory(path: path) }
        guard Mounts.isBPFFS(path) else { throw .notOnBPFFS(path: path) }
    }

    /// The info of program `id`, if iter may ask (BPF_PROG_GET_FD_BY_ID needs CAP_SYS_ADMIN).
    static func programInfo(id: UInt32) -> ProgramInfo? {
        guard let fd = try? BPFProgram.fd(id: id) else { return nil }
        return try? BPFProgram.info(fd)
    }

    /// Opens the pin at `path` (see `init(path:)` with a `FilePath`).
    public init(path: String) throws(IteratorError) {
        try self.init(path: FilePath(path))
    }

    /// The program's name, or the path when it is not known.
    public var displayName: String {
        if let name = program?.name, !name.isEmpty { return name }
        return path.description
    }

    /// The type `name` in the BTF the kernel keeps for the pinned program (no object file
    /// needed), for reading the records it writes with `bpf_seq_write`.
    public func recordType(named name: String) throws(IteratorError) -> RecordType {
        guard let link else { throw .records(program: displayName, .unknownProgram) }
        let bytes: [UInt8]?
        do {
            let program = try BPFProgram.fd(id: link.programID)
            bytes = try BPFProgram.btfData(of: program)
        } catch {
            throw .records(program: displayName, .unavailable(error))
        }
        guard let bytes, !bytes.isEmpty else { throw .records(program: displayName, .noBTF) }
        let btf: BTF
        do {
            btf = try BTF(ByteView(bytes))
            try btf.validate()
        } catch {
            throw .records(program: displayName, .malformedBTF(error))
        }
        do { return try RecordType.find(name, in: btf) } catch { throw .records(program: displayName, error) }
    }

    /// Reads one full pass of its output, as text (invalid UTF-8 becomes U+FFFD).
    public func read(options: ReadOptions = ReadOptions()) throws(IteratorError) -> String {
        String(decoding: try readBytes(options: options), as: UTF8.self)
    }

    /// Reads one full pass in chunks; `body` returns false to stop. Each call opens the pin
    /// afresh, as a process in the options' namespaces would.
    public func read(options: ReadOptions = ReadOptions(), _ body: (UnsafeRawBufferPointer) -> Bool) throws(IteratorError) {
        let path = self.path
        try IteratorOutput.read(program: displayName, options: options, body) { (foreign) throws(ReadError) -> FileDescriptor in
            if let foreign { return try foreign.open(link: nil, path: path) }
            // O_NONBLOCK: whatever replaced the pin meanwhile (a FIFO) cannot block the open;
            // iterator reads ignore the flag.
            do throws(Errno) { return try Files.open(path, flags: O_NONBLOCK) } catch { throw ReadError(.open(error)) }
        }
    }
}

/// Why a pin is not a readable iterator.
public enum PinnedIteratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// It could not be opened (or BPF_OBJ_GET failed).
    case open(path: FilePath, Errno)
    /// It is a directory.
    case directory(path: FilePath)
    /// It is not on bpffs, so it is no pin.
    case notOnBPFFS(path: FilePath)
    /// It is a pinned map or program, not a link.
    case notALink(path: FilePath, kind: BPFObjectKind)
    /// It is a link of another type (`enum bpf_link_type`).
    case notAnIterator(path: FilePath, linkType: UInt32)

    /// The errno behind it, if any.
    public var errno: Errno? {
        if case let .open(_, e) = self { return e }
        return nil
    }

    public var description: String {
        switch self {
        case let .open(path, errno): return "bpf obj get (\(path)): \(errno.description)"
        case let .directory(path): return "\(path) is a directory, not a pinned iterator"
        case let .notOnBPFFS(path): return "\(path) is not on bpffs, so it is not a pinned iterator"
        case let .notALink(path, kind): return "\(path) is a pinned \(kind), not an iterator link"
        case let .notAnIterator(path, type): return "\(path) is a pinned \(LinkInfo.typeName(type)) link, not an iterator link"
        }
    }
}
