import Foundation

/// What /proc/self/mountinfo says about a directory: the tests' view of the mounts iter makes and
/// undoes, read independently of iter's own `MountTable`.
package enum MountInfo {
    /// Mount points at or under `path`, in mountinfo order (a point mounted twice is listed twice).
    package static func mountPoints(under path: String) -> [String] {
        lines().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4] == path || fields[4].hasPrefix(path + "/") else { return nil }
            return String(fields[4])
        }
    }

    /// The file system types of the mounts stacked at `path`, bottom first (`["tmpfs", "bpf"]`).
    package static func fileSystems(at path: String) -> [String] {
        lines().compactMap { line in
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count > 4, fields[4] == path else { return nil }
            return halves[1].split(separator: " ").first.map(String.init)
        }
    }

    /// Whether the topmost mount at `path` is shared (`shared:N` among its optional fields).
    package static func isShared(_ path: String) -> Bool {
        let line = lines().last { $0.split(separator: " ").count > 4 && $0.split(separator: " ")[4] == path }
        return line.map { $0.components(separatedBy: " - ")[0].contains(" shared:") } ?? false
    }

    private static func lines() -> [Substring] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n")
    }
}
