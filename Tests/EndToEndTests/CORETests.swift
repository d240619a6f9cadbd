import Foundation
import Testing

/// CO-RE on this kernel with a local layout that is deliberately wrong.
@Suite("CO-RE against the running kernel", .enabled(if: Repo.isRoot, "needs root: loads CO-RE programs into this machine's kernel"))
struct CORETests {
    @Test("reordered fields, a missing one and a flavor still read the right pid, tgid, comm and bitfield",
          arguments: Repo.binaries)
    func reorderedLayout(binary: String) throws {
        // A task with SCHED_RESET_ON_FORK: its sched_reset_on_fork bitfield is 1.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/chrt")
        child.arguments = ["--reset-on-fork", "--other", "0", "/bin/sleep", "30"]
        try child.run()
        defer { child.terminate() }
        Thread.sleep(forTimeInterval: 0.2)
        let before = ProcSnapshot.take()
        let outcome = try run(binary, ["run", Repo.fixture("iter_core_layout.bpf.o")])
        #expect(outcome.status == 0, "\(outcome)")
        let size = try sh("bpftool btf dump file /sys/kernel/btf/vmlinux | grep -m1 \"STRUCT 'task_struct' size=\" | sed -E 's/.*size=([0-9]+).*/\\1/'")
        #expect(outcome.lines.first == "exists 1 missing 0 enum 2 types 1 0 size \(size.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
        var checked = 0
        for line in outcome.lines.dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count >= 4, let pid = Int(fields[0]), let tgid = before.tgidOf[pid] else { continue }
            #expect(Int(fields[1]) == tgid, "\(line)")
            if fields.last == "1" {
                // Other tests run their own reset-on-fork tasks: ask the kernel about each one
                // (one that has exited since, chrt finds no more: nothing to check).
                let policy = try sh("chrt -p \(pid) 2>/dev/null").stdout
                #expect(policy.contains("SCHED_RESET_ON_FORK") || policy.isEmpty || !before.tgidOf.keys.contains(pid), "\(line): \(policy)")
            } else {
                #expect(fields.last == "0" && pid != Int(child.processIdentifier), "\(line)")
            }
            checked += 1
        }
        #expect(checked > 10)
        #expect(outcome.lines.contains { $0.hasPrefix(String(repeating: " ", count: 7 - String(child.processIdentifier).count) + "\(child.processIdentifier) ") && $0.hasSuffix(" 1") })
    }

    @Test("a reachable read of a field the kernel lacks names the relocation", arguments: Repo.binaries)
    func unguarded(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_core_unguarded.bpf.o")])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.hasPrefix("Error: can't load objfile \(Repo.fixture("iter_core_unguarded.bpf.o")): program 'read_missing': relo #1: field 'task_struct.iter_no_such_field' not found in kernel\n"), "\(outcome)")
    }

    @Test("-d shows each relocation: kind, local spec, target spec, old and new value", arguments: Repo.binaries)
    func debugOutput(binary: String) throws {
        let outcome = try run(binary, ["-d", "run", Repo.fixture("iter_core_layout.bpf.o")])
        #expect(outcome.stderr.contains("byte_off [") && outcome.stderr.contains("struct task_struct___reordered.pid"), "\(outcome)")
        #expect(outcome.stderr.contains("-> ["))
        #expect(outcome.stderr.contains("field_exists"))
        #expect(outcome.stderr.contains("enumval_value"))
    }
}
