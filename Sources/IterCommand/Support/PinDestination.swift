import SyscallBPF

/// Where `pin` puts the iterator, checked before anything is loaded so a bad PATH costs nothing.
struct PinDestination {
    let path: String
    let directory: String
    /// The directory is not on bpffs: bpffs must be mounted there before pinning (unless -n).
    let needsMount: Bool

    static func check(_ path: String) throws(CommandFailure) -> PinDestination {
        let name = baseName(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw CommandFailure("pin path '\(path)' names a directory, expected a file such as /sys/fs/bpf/my_iter")
        }
        guard !name.contains(".") else {
            throw CommandFailure("pin path '\(path)': file name '\(name)' contains a dot, which bpffs reserves")
        }
        let directory = directoryName(path)
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

/// Everything before the last slash (`.` for a bare name, `/` for a file in the root).
func directoryName(_ path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    if slash == trimmed.startIndex { return "/" }
    return String(trimmed[..<slash])
}
