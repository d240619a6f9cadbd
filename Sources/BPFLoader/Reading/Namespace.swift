import CLinuxBPF
import SyscallBPF

/// A namespace to read an iterator in, open (so it stays while this value lives): a network
/// namespace for socket iterators, a pid namespace for task iterators.
///
/// ```swift
/// let blue = try Namespace(path: "/run/netns/blue", kind: .network)
/// let sockets = try iterator.read(options: ReadOptions(network: blue))
/// ```
public struct Namespace: CustomStringConvertible {
    /// Network or pid.
    public let kind: NamespaceKind
    /// Device and inode of its nsfs file.
    public let identity: NamespaceIdentity
    /// Its name in /run/netns (as `ip netns` names it), or nil.
    public let name: String?
    /// The file it was opened from.
    public let path: FilePath
    /// It is the namespace of that kind iter itself is in: reading there needs no other process.
    public let isCurrent: Bool
    let file: OwnedDescriptor

    /// The namespace of `kind` that the file at `path` is (`/run/netns/NAME`, `/proc/PID/ns/net`).
    public init(path: FilePath, kind: NamespaceKind) throws(NamespaceError) {
        try self.init(path: path, kind: kind) { identity in kind == .network ? Namespace.networkNames()[identity] : nil }
    }

    /// Opens `path`, which must be a namespace of `kind`; `name` names it once its identity is known.
    init(path: FilePath, kind: NamespaceKind, name: (NamespaceIdentity) -> String?) throws(NamespaceError) {
        // A namespace file is a regular file (on nsfs): anything else is refused before it is
        // opened, for opening a FIFO waits for a writer and a device may act on being opened.
        // O_NONBLOCK covers a FIFO put there between the check and the open.
        let fileKind: FileKind?
        do { fileKind = try Files.kind(path) } catch { throw .open(kind: kind, path: path, error) }
        if let fileKind, fileKind != .regular { throw .notAFile(kind: kind, path: path, fileKind) }
        let fd: FileDescriptor
        do { fd = try Files.open(path, flags: O_NONBLOCK | O_NOCTTY) } catch { throw .open(kind: kind, path: path, error) }
        let actual: NamespaceKind?
        do { actual = try NamespaceFiles.kind(of: fd) } catch { throw .notANamespace(kind: kind, path: path, error) }
        guard actual == kind else { throw .wrongKind(expected: kind, path: path, actual: actual) }
        let identity: NamespaceIdentity
        do { identity = try NamespaceFiles.identity(of: fd) } catch { throw .open(kind: kind, path: path, error) }
        self.kind = kind
        self.identity = identity
        self.path = path
        file = OwnedDescriptor(fd)
        self.name = name(identity)
        isCurrent = Namespace.current(kind) == identity
    }

    /// The namespace of `kind` that process `pid` is in.
    public init(process pid: UInt32, kind: NamespaceKind) throws(NamespaceError) {
        let path = Namespace.processFile(pid, kind)
        do {
            try self.init(path: path, kind: kind)
        } catch {
            if case let .open(_, _, errno) = error, errno == .ENOENT { throw .noProcess(kind: kind, pid: pid) }
            throw error
        }
    }

    /// How messages and headers name it.
    public var label: NamespaceLabel {
        NamespaceLabel(kind: kind, inode: identity.inode, name: name)
    }

    /// `network namespace 4026532290 (blue)`.
    public var description: String { label.description }

    /// `/proc/PID/ns/net`.
    static func processFile(_ pid: UInt32, _ kind: NamespaceKind) -> FilePath {
        FilePath("/proc/\(pid)/ns/\(kind.procName)")
    }

    /// The namespace of `kind` iter is in.
    static func current(_ kind: NamespaceKind) -> NamespaceIdentity? {
        guard let fd = try? Files.open(FilePath("/proc/self/ns/\(kind.procName)")) else { return nil }
        return try? NamespaceFiles.identity(of: fd)
    }

    /// Where `ip netns` keeps named network namespaces.
    static let namedNetworkDirectory = FilePath("/run/netns")

    /// The named network namespaces: identity → name.
    static func networkNames() -> [NamespaceIdentity: String] {
        var names: [NamespaceIdentity: String] = [:]
        for (name, identity) in namedNetworkFiles() where names[identity] == nil {
            names[identity] = name.description
        }
        return names
    }

    /// The files in /run/netns that are network namespaces, in name order, with their identity.
    static func namedNetworkFiles() -> [(name: FilePath, identity: NamespaceIdentity)] {
        guard let entries = try? Files.list(namedNetworkDirectory) else { return [] }
        var found: [(name: FilePath, identity: NamespaceIdentity)] = []
        for entry in entries.sorted(by: { $0.name.bytes.lexicographicallyPrecedes($1.name.bytes) }) where !entry.isDirectory {
            // Whatever else sits in /run/netns (a FIFO) must not make the open wait.
            guard (try? Files.kind(namedNetworkDirectory.appending(entry.name))) == .regular,
                let fd = try? Files.open(namedNetworkDirectory.appending(entry.name), flags: O_NONBLOCK | O_NOCTTY),
                (try? NamespaceFiles.kind(of: fd)) == .network,
                let identity = try? NamespaceFiles.identity(of: fd)
            else { continue }
            found.append((entry.name, identity))
        }
        return found
    }
}

/// A namespace found by `Namespace.allNetwork()`, not yet open: it may go away before it is read.
public struct NamespaceCandidate: Sendable, CustomStringConvertible {
    /// The file that showed it (`/proc/PID/ns/net` or `/run/netns/NAME`).
    public let path: FilePath
    /// Its identity when it was found.
    public let identity: NamespaceIdentity
    /// Its name in /run/netns, or nil.
    public let name: String?

    /// Opens it; `.vanished` when its file is gone or now shows another namespace (the process
    /// exited and its pid was reused).
    public func open() throws(NamespaceError) -> Namespace {
        let namespace: Namespace
        do { namespace = try Namespace(path: path, kind: .network) { _ in name } } catch {
            switch error {
            case let .open(_, _, errno) where errno == .ENOENT || errno == .ESRCH:
                throw .vanished(kind: .network, path: path)
            default:
                throw error
            }
        }
        guard namespace.identity == identity else { throw .vanished(kind: .network, path: path) }
        return namespace
    }

    /// `network namespace 4026532290 (blue)`.
    public var description: String {
        NamespaceLabel(kind: .network, inode: identity.inode, name: name).description
    }
}

extension Namespace {
    /// Every network namespace of the system, each once (by device and inode): those of every
    /// process (/proc/PID/ns/net, in pid order), then those named in /run/netns that no process
    /// is in. A process that exits meanwhile is passed over.
    public static func allNetwork() -> [NamespaceCandidate] {
        let named = namedNetworkFiles()
        var names: [NamespaceIdentity: String] = [:]
        for (name, identity) in named where names[identity] == nil { names[identity] = name.description }
        var seen: Set<NamespaceIdentity> = []
        var found: [NamespaceCandidate] = []
        let processes = ((try? Files.list(FilePath("/proc"))) ?? []).compactMap { entry -> UInt32? in
            guard entry.isDirectory, let text = entry.name.string, !text.isEmpty,
                text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return nil }
            return UInt32(text)
        }.sorted()
        for pid in processes {
            let path = processFile(pid, .network)
            guard let fd = try? Files.open(path), let identity = try? NamespaceFiles.identity(of: fd),
                seen.insert(identity).inserted
            else { continue }
            found.append(NamespaceCandidate(path: path, identity: identity, name: names[identity]))
        }
        for (name, identity) in named where seen.insert(identity).inserted {
            found.append(
                NamespaceCandidate(
                    path: namedNetworkDirectory.appending(name), identity: identity,
                    name: names[identity]))
        }
        return found
    }
}

/// Why a namespace could not be opened.
public enum NamespaceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Its file could not be opened.
    case open(kind: NamespaceKind, path: FilePath, Errno)
    /// The file is not a namespace (NS_GET_NSTYPE refused it).
    case notANamespace(kind: NamespaceKind, path: FilePath, Errno)
    /// The path names no regular file (a FIFO, a directory, a device), so no namespace either.
    case notAFile(kind: NamespaceKind, path: FilePath, FileKind)
    /// The file is a namespace of another kind (nil: one iter does not read in).
    case wrongKind(expected: NamespaceKind, path: FilePath, actual: NamespaceKind?)
    /// No process has this pid.
    case noProcess(kind: NamespaceKind, pid: UInt32)
    /// It went away between being found and being read.
    case vanished(kind: NamespaceKind, path: FilePath)

    /// The errno behind it; nil when the file is simply of the wrong kind.
    public var errno: Errno? {
        switch self {
        case let .open(_, _, e), let .notANamespace(_, _, e): return e
        case .wrongKind, .notAFile: return nil
        case .noProcess: return .ESRCH
        case .vanished: return .ENOENT
        }
    }

    public var description: String {
        switch self {
        case let .open(kind, path, errno):
            return "can't open \(kind) namespace \(path): \(errno.description)"
        case let .notANamespace(kind, path, errno):
            return "\(path) is not a \(kind) namespace file (\(kind.fileExamples)): \(errno.description)"
        case let .notAFile(kind, path, fileKind):
            return "\(path) is not a \(kind) namespace file (\(kind.fileExamples)): it is \(fileKind)"
        case let .wrongKind(expected, path, actual):
            return "\(path) is a \(actual.map { "\($0) namespace" } ?? "namespace of another kind"), not a \(expected) namespace"
        case let .noProcess(kind, pid):
            return "can't find the \(kind) namespace of process \(pid): no such process"
        case let .vanished(kind, path):
            return "\(kind) namespace \(path) went away"
        }
    }
}

extension NamespaceKind {
    /// Where files of this kind are found, for messages.
    var fileExamples: String {
        switch self {
        case .network: return "/run/netns/NAME, /proc/PID/ns/net"
        case .pid: return "/proc/PID/ns/pid"
        }
    }
}
