import SyscallBPF

/// bpffs mount points, from /proc/self/mountinfo, and the files pinned under them.
enum BPFFSMounts {
    /// Mount points whose file system type is `bpf`.
    static func mountPoints() throws(Errno) -> [FilePath] {
        try MountTable.read().filter { $0.fileSystemType == "bpf" }.map { $0.mountPoint }
    }

    /// A directory that could not be listed.
    struct ListError: Error {
        let path: FilePath
        let errno: Errno
    }

    /// Every file under `directory` (pins are files), depth-first, at most `depth` levels. A
    /// directory removed meanwhile (ENOENT) is skipped; any other failure is an error.
    static func files(under directory: FilePath, depth: Int = 16) throws(ListError) -> [FilePath] {
        guard depth > 0 else { return [] }
        let entries: [(name: FilePath, isDirectory: Bool)]
        do { entries = try Files.list(directory) } catch {
            if error == .ENOENT { return [] }
            throw ListError(path: directory, errno: error)
        }
        var found: [FilePath] = []
        for entry in entries.sorted(by: { $0.name.bytes.lexicographicallyPrecedes($1.name.bytes) }) {
            let path = directory.appending(entry.name)
            if entry.isDirectory {
                found += try files(under: path, depth: depth - 1)
            } else {
                found.append(path)
            }
        }
        return found
    }
}
