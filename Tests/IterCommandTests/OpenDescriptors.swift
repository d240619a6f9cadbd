import Foundation

/// The fds of this test process that iter could have opened, to tell whether a failed command
/// closed everything it opened.
enum OpenDescriptors {
    /// fds whose target is something iter opens: BPF objects, BTF, files under /sys, object files,
    /// cgroup directories, namespaces (reads in other namespaces), and paths containing `marker` (a
    /// test's scratch directory). Sockets are left out: other suites of this process keep some.
    static func list(marker: String? = nil) -> Set<String> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(fds.compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd) else { return nil }
            let ours = target.hasPrefix("anon_inode:bpf") || target.hasPrefix("anon_inode:btf") || target.contains("/sys/")
                || target.hasSuffix(".o") || target.contains("cgroup") || marker.map { target.contains($0) } == true
                || target.hasPrefix("net:[") || target.hasPrefix("pid:[")
            return ours ? fd + " " + target : nil
        })
    }

    /// The fds open now that were not open `before`. Other suites of this process open and close
    /// BPF and /sys fds at the same time; theirs close again soon, a leak never does: wait up to
    /// two seconds for the difference to go away before calling it a leak.
    static func leftOpen(since before: Set<String>, marker: String? = nil) -> [String] {
        var extra = list(marker: marker).subtracting(before)
        for _ in 0..<40 where !extra.isEmpty {
            usleep(50_000)
            extra = list(marker: marker).subtracting(before)
        }
        return extra.sorted()
    }
}
