import SyscallBPF

/// bpffs mount points, from /proc/self/mountinfo, and the files pinned under them.
enum BPFFSMounts {
    /// Mount points whose file system type is `bpf`.
    static func mountPoints() -> [FilePath] {
        guard let bytes = try? Files.read("/proc/self/mountinfo") else { return [] }
        var points: [FilePath] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            // "36 35 0:30 / /sys/fs/bpf rw,nosuid shared:12 - bpf bpf rw,mode=700": optional fields
            // end at a lone "-", the file system type follows it. Paths are bytes, not UTF-8.
            let fields = line.split(separator: UInt8(ascii: " "))
            guard fields.count >= 5, let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash + 1 < fields.count,
                  fields[dash + 1].elementsEqual("bpf".utf8) else { continue }
            points.append(unescape(fields[4]))
        }
        return points
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ field: ArraySlice<UInt8>) -> FilePath {
        var bytes: [UInt8] = []
        var utf8 = field
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            if byte == UInt8(ascii: "\\"), utf8.count >= 3 {
                let digits = utf8.prefix(3)
                if let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 8) {
                    bytes.append(value)
                    utf8 = utf8.dropFirst(3)
                    continue
                }
            }
            bytes.append(byte)
        }
        return FilePath(bytes: bytes)
    }

    /// Every regular file under `directory` (pins are files), depth-first, at most `depth` levels.
    static func files(under directory: FilePath, depth: Int = 16) -> [FilePath] {
        guard depth > 0, let entries = try? Files.list(directory) else { return [] }
        var found: [FilePath] = []
        for entry in entries.sorted(by: { $0.name.bytes.lexicographicallyPrecedes($1.name.bytes) }) {
            let path = directory.appending(entry.name)
            if entry.isDirectory {
                found += files(under: path, depth: depth - 1)
            } else {
                found.append(path)
            }
        }
        return found
    }
}
