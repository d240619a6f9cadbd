import SyscallBPF

/// Where `pin` puts the iterator, checked before anything is loaded so a bad PATH costs nothing.
struct PinDestination {
    let path: FilePath
    let directory: FilePath
    /// The directory is not on bpffs: bpffs must be mounted there before pinning (unless -n).
    let needsMount: Bool

    static func check(_ path: FilePath) throws(CommandFailure) -> PinDestination {
        let name = path.lastComponent.bytes
        guard !name.isEmpty, !name.elementsEqual(".".utf8), !name.elementsEqual("..".utf8), path.bytes.last != UInt8(ascii: "/") else {
            throw CommandFailure("pin path '\(path)' names a directory, expected a file such as /sys/fs/bpf/my_iter")
        }
        guard !name.contains(UInt8(ascii: ".")) else {
            throw CommandFailure("pin path '\(path)': file name '\(path.lastComponent)' contains a dot, which bpffs reserves")
        }
        let directory = path.directory
        let existing: FileKind?
        let parent: FileKind?
        do {
            existing = try Files.kind(path, followLinks: false)
            parent = try Files.kind(directory)
        } catch {
            throw CommandFailure("pin path '\(path)'", errno: error)
        }
        if existing != nil {
            throw CommandFailure("pin path \(path)", errno: .EEXIST)
        }
        guard let parent else {
            throw CommandFailure("pin directory '\(directory)' does not exist", errno: .ENOENT)
        }
        guard parent == .directory else {
            throw CommandFailure("pin directory '\(directory)' is not a directory", errno: .ENOTDIR)
        }
        return PinDestination(path: path, directory: directory, needsMount: !Mounts.isBPFFS(directory))
    }
}
