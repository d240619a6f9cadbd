import Bytes
import CLinuxBPF
import ELFReader
import SyscallBPF

/// Why a file cannot be an object before a byte of it is parsed.
public enum UnsuitableObjectFile: Sendable, Equatable, CustomStringConvertible {
    /// A FIFO, device or socket: refused by what it is, never opened for reading (a FIFO would wait
    /// for a writer, /dev/zero never ends).
    case notRegular(FileKind)
    /// Larger than iter reads.
    case tooLarge(size: Int, limit: Int)
    /// A file on bpffs: a pinned program, map or link, never an object file. Reading a pinned
    /// iterator runs its program, so it is not read.
    case pinned

    public var description: String {
        switch self {
        case let .notRegular(kind): return "it is \(kind), not a regular file"
        case let .tooLarge(size, limit):
            return "it is \(size) bytes, more than the \(limit >> 20) MiB iter reads (BPF objects are kilobytes to a few megabytes)"
        case .pinned:
            return "it is a pin on bpffs (a pinned program, map or link), not a BPF object file; reading a pinned iterator would run it"
        }
    }
}

/// Reads an object file the careful way: what the path is (a regular file), its ELF header
/// (a BPF object's), its size (at most `sizeLimit`), and only then its bytes. Nothing is allocated
/// from the size the file claims before those checks, and nothing waits on a FIFO or a device.
enum ObjectFileReader {
    /// The largest object read: 256 MiB. The largest BPF objects in use are a few MiB (a program has
    /// at most a million instructions, 8 MiB); planning time and memory grow linearly past that.
    static let sizeLimit = 256 << 20

    static func read(_ path: FilePath) throws(IteratorError) -> [UInt8] {
        // By name first: a FIFO, device or socket is refused without being opened.
        let kind: FileKind?
        do { kind = try Files.kind(path) } catch { throw .unreadable(path: path, error) }
        guard let kind else { throw .unreadable(path: path, .ENOENT) }
        guard kind != .directory else { throw .unreadable(path: path, .EISDIR) }
        guard kind == .regular else { throw .unsuitable(path: path, .notRegular(kind)) }
        // O_NONBLOCK: if the path was swapped for a FIFO since, opening it still does not wait.
        let fd: FileDescriptor
        do { fd = try Files.open(path, flags: O_NONBLOCK | O_NOCTTY) } catch { throw .unreadable(path: path, error) }
        let size: Int, openedKind: FileKind
        do { (size, openedKind) = try Files.stat(fd) } catch { throw .unreadable(path: path, error) }
        guard openedKind == .regular else { throw .unsuitable(path: path, .notRegular(openedKind)) }
        // A pin is a regular file too, and reading a pinned iterator runs it: asked of the open
        // file before a byte is read.
        if (try? Mounts.fileSystemType(of: fd)) == Mounts.bpffsMagic { throw .unsuitable(path: path, .pinned) }
        // The ELF header says whether this is a BPF object at all: checked before the size, so an
        // executable or a disk image is called what it is.
        let head: [UInt8]
        do { head = try Files.read(fd, at: 0, count: ELFHeader.size) } catch { throw .unreadable(path: path, error) }
        let header: ELFHeader
        do { header = try ELFHeader.parse(ByteView(head)) } catch { throw .object(path: path, ObjectError(.elf(error))) }
        do { try BPFObjectFile.check(header) } catch { throw .object(path: path, ObjectError(error)) }
        guard size <= sizeLimit else { throw .unsuitable(path: path, .tooLarge(size: size, limit: sizeLimit)) }
        do {
            return try Files.readAll(fd, sizeHint: size, limit: sizeLimit)
        } catch {
            // It grew past the limit while being read.
            if error == .EFBIG { throw .unsuitable(path: path, .tooLarge(size: sizeLimit + 1, limit: sizeLimit)) }
            throw .unreadable(path: path, error)
        }
    }
}
