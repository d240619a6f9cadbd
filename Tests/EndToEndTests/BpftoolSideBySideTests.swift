import Foundation
import Testing

/// The same objects pinned by bpftool (libbpf) and by iter give the same output.
@Suite("side by side with bpftool", .enabled(if: Repo.isRoot, Repo.needsRoot),
       .enabled(if: Repo.hasBpftool, "needs /usr/sbin/bpftool (apt-get install bpftool) to compare with"))
struct BpftoolSideBySideTests {
    /// Fixtures whose output depends only on the system's state: equal but for what changed
    /// between the two reads (tasks of other tests coming and going).
    static let fixtures = [
        "iter_task", "iter_counter", "iter_subprog", "iter_loop", "iter_global_func", "iter_hash", "iter_two_progs",
        "iter_btf_kinds", "iter_core_layout", "iter_kfunc", "iter_kfunc_weak", "iter_netlink",
        "iter_ksym", "iter_kconfig",
    ]

    /// Pins `fixture` with both loaders, reads both, returns (bpftool's lines, iter's lines).
    func both(_ binary: String, _ fixture: String) throws -> ([String], [String]) {
        let dir = try BPFFSDirectory("side")
        let object = Repo.fixture(fixture + ".bpf.o")
        let b = try run("/usr/sbin/bpftool", ["iter", "pin", object, dir.file("bpftool")])
        let i = try run(binary, ["pin", object, dir.file("iter")])
        try #require(b.status == 0 && i.status == 0, "bpftool: \(b)\niter: \(i)")
        let bpftool = try readPinned(dir.file("bpftool")).split(separator: "\n").map(String.init)
        let ours = try readPinned(dir.file("iter")).split(separator: "\n").map(String.init)
        return (bpftool, ours)
    }

    @Test("same output", arguments: Repo.binaries, fixtures)
    func sameOutput(binary: String, fixture: String) throws {
        var (bpftool, ours) = try both(binary, fixture)
        if fixture == "iter_kconfig" {
            // LINUX_HAS_SYSCALL_WRAPPER: libbpf 1.1 decides it by placing a kprobe on __x64_sys_bpf,
            // so it reads 0 on kernels without kprobes (like this machine's); iter reads the
            // kernel's BTF, where the wrapper is. Everything else must match.
            let wrapper = ours.contains { $0.contains(" wrapper 1 ") } && bpftool.contains { $0.contains(" wrapper 0 ") }
            if wrapper {
                ours = ours.map { $0.replacingOccurrences(of: " wrapper 1 ", with: " wrapper - ") }
                bpftool = bpftool.map { $0.replacingOccurrences(of: " wrapper 0 ", with: " wrapper - ") }
            }
        }
        #expect(ours.first == bpftool.first, "first lines differ")
        let a = Set(bpftool), b = Set(ours)
        let differing = a.symmetricDifference(b).count
        #expect(differing <= max(12, (a.count + b.count) / 25), "\(differing) of \(a.count) lines differ: \(a.symmetricDifference(b).sorted().prefix(20))")
        #expect(abs(a.count - b.count) <= 12)
    }

    /// iter_map_fill declares `fill_pinned` with LIBBPF_PIN_BY_NAME: bpftool pins it at
    /// /sys/fs/bpf/fill_pinned, and iter must reuse that pin (pinning its own would fail with
    /// EEXIST). One case at a time, and the pin is removed after, as the tests leave nothing.
    @Test("a map pinned by name: iter reuses bpftool's pin, same output", .serialized, arguments: Repo.binaries)
    func pinnedByName(binary: String) throws {
        let pinned = "/sys/fs/bpf/fill_pinned"
        unlink(pinned)
        defer { unlink(pinned) }
        let (bpftool, ours) = try both(binary, "iter_map_fill")
        #expect(FileManager.default.fileExists(atPath: pinned))
        #expect(!ours.isEmpty && Set(bpftool).symmetricDifference(Set(ours)).count <= 12, "\(bpftool.count) and \(ours.count) lines")
    }

    @Test("task_file and task_vma: the same lines for a process that lives through both reads",
          arguments: Repo.binaries, ["iter_task_file", "iter_task_vma"])
    func perProcess(binary: String, fixture: String) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { child.terminate() }
        let pid = "\(child.processIdentifier) "
        let (bpftool, ours) = try both(binary, fixture)
        let theirs = bpftool.filter { $0.hasPrefix(pid) }
        #expect(!theirs.isEmpty)
        #expect(ours.filter { $0.hasPrefix(pid) } == theirs)
    }
}
