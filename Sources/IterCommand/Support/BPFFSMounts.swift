import SyscallBPF

/// bpffs mount points, from /proc/self/mountinfo, and the files pinned under them.
enum BPFFSMounts {
    /// Mount points whose file system type is `bpf`.
    static func mountPoints() -> [String] {
        guard let bytes = try? Files.read("/proc/self/mountinfo") else { return [] }
        var points: [String] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // "36 35 0:30 / /sys/fs/bpf rw,nosuid shared:12 - bpf bpf rw,mode=700": optional fields
            // end at a lone "-", the file system type follows it.
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count,
                  fields[dash + 1] == "bpf" else { continue }
            points.append(unescape(fields[4]))
        }
        return points
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
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
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every regular file under `directory` (pins are files), depth-first, at most `depth` levels.
    static func files(under directory: String, depth: Int = 16) -> [String] {
        guard depth > 0, let entries = try? Files.list(directory) else { return [] }
        var found: [String] = []
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let path = directory.hasSuffix("/") ? directory + entry.name : directory + "/" + entry.name
            if entry.isDirectory {
                found += files(under: path, depth: depth - 1)
            } else {
                found.append(path)
            }
        }
        return found
    }
}
