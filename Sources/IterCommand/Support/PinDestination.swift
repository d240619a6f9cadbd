import SyscallBPF

/// Where `pin` puts the iterator, checked before anything is loaded so a bad PATH costs nothing.
/// The directory is resolved once, to an absolute path with no symbolic link in it: every later
/// step (the lock, each mount, the pin, each undo) names the same directory, whatever the working
/// directory or a symbolic link in PATH points to meanwhile.
struct PinDestination {
    /// PATH as given, for messages.
    let path: FilePath
    /// The directory of PATH, resolved (realpath).
    let directory: FilePath
    /// PATH's last component.
    let name: FilePath
    /// The directory is not on bpffs: bpffs must be mounted there before pinning (unless -n).
    let needsMount: Bool

    /// What the pin system call is given: the resolved directory and the name.
    var target: FilePath { directory.appending(name) }

    static func check(_ path: FilePath) throws(CommandFailure) -> PinDestination {
        let name = path.lastComponent
        guard !name.bytes.isEmpty, !name.bytes.elementsEqual(".".utf8), !name.bytes.elementsEqual("..".utf8),
            path.bytes.last != UInt8(ascii: "/")
        else {
            throw CommandFailure("pin path '\(path)' names a directory, expected a file such as /sys/fs/bpf/my_iter")
        }
        guard !name.bytes.contains(UInt8(ascii: ".")) else {
            throw CommandFailure("pin path '\(path)': file name '\(name)' contains a dot, which bpffs reserves")
        }
        let given = path.directory
        let existing: FileKind?
        let parent: FileKind?
        do {
            existing = try Files.kind(path, followLinks: false)
            parent = try Files.kind(given)
        } catch {
            throw CommandFailure("pin path '\(path)'", errno: error)
        }
        if existing != nil {
            throw CommandFailure("pin path \(path)", errno: .EEXIST)
        }
        guard let parent else {
            throw CommandFailure("pin directory '\(given)' does not exist", errno: .ENOENT)
        }
        guard parent == .directory else {
            throw CommandFailure("pin directory '\(given)' is not a directory", errno: .ENOTDIR)
        }
        let directory: FilePath
        do { directory = try Files.resolve(given) } catch {
            throw CommandFailure("pin directory '\(given)'", errno: error)
        }
        return PinDestination(path: path, directory: directory, name: name, needsMount: !Mounts.isBPFFS(directory))
    }
}
