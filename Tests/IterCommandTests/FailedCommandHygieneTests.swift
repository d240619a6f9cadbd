import Foundation
@testable import IterCommand
import Testing

/// After any failed command, nothing stays open, pinned or mounted: run in-process, so the fds of
/// this very process are what is counted.
@Suite("failed commands leave no fd behind", .enabled(if: getuid() == 0, "needs root: runs commands that load BPF programs and pin on bpffs"), .serialized)
struct FailedCommandHygieneTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// Failing command lines, each failing at a different step: reading, parsing, planning,
    /// kernel BTF, map options, verification, attaching, pinning, reading the output (E2BIG,
    /// EAGAIN without end, records of a type that is not there or do not fit), a pin to read.
    static let commands: [[String]] = [
        ["pin", "/nonexistent.o", "/sys/fs/bpf/x"],
        ["pin", fixture("x86_program.o"), "/sys/fs/bpf/iter-hygiene/x"],
        ["pin", fixture("iter_bad_target.bpf.o"), "/sys/fs/bpf/iter-hygiene/x"],
        ["pin", fixture("iter_verifier_reject.bpf.o"), "/sys/fs/bpf/iter-hygiene/x"],
        ["pin", fixture("iter_core_unguarded.bpf.o"), "/sys/fs/bpf/iter-hygiene/x"],
        ["run", fixture("iter_map_elem.bpf.o")],
        ["run", fixture("iter_map_elem.bpf.o"), "map", "id", "4000000000"],
        ["run", fixture("iter_map_elem.bpf.o"), "map", "name", "no_such_map"],
        ["run", fixture("iter_cgroup.bpf.o"), "cgroup", "path", "/nonexistent"],
        ["run", fixture("iter_task.bpf.o"), "task", "pid_fd", "999"],
        ["pin", fixture("iter_task.bpf.o"), "/sys/fs/bpf/iter-hygiene/a.b"],
        ["pin", fixture("iter_task.bpf.o"), "/sys/fs/bpf/iter-hygiene/exists"],
        ["run", fixture("iter_big_element.bpf.o")],
        ["run", fixture("iter_big_element.bpf.o"), "prog", "big_later", "interval", "0", "count", "2"],
        ["run", fixture("iter_retry.bpf.o"), "prog", "retry_always"],
        ["run", fixture("iter_task_record.bpf.o"), "type", "no_such_type"],
        ["run", fixture("iter_task_record.bpf.o"), "prog", "dump_record_and_a_half", "type", "task_record"],
        ["cat", "/sys/fs/bpf/iter-hygiene/none"],
        ["cat", "/sys/fs/bpf/iter-hygiene"],
        ["cat", "/sys/fs/bpf/iter-hygiene/exists", "type", "no_such_type"],
        ["cat", "/sys/fs/bpf/iter-hygiene/exists", "netns", "/proc/version"],
    ]

    @Test("every failing command returns non-zero with its fds closed and nothing pinned")
    func noLeaks() throws {
        let dir = "/sys/fs/bpf/iter-hygiene"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] { unlink(dir + "/" + name) }
            rmdir(dir)
        }
        // bpffs holds pins only: make "exists" by pinning something there.
        try #require(IterTool.run(["pin", Self.fixture("iter_counter.bpf.o"), dir + "/exists"]) == 0)
        let before = OpenDescriptors.list()
        for command in Self.commands {
            let status = IterTool.run(command)
            #expect(status != 0, "\(command) succeeded")
            #expect(OpenDescriptors.leftOpen(since: before) == [], "fds left open by \(command)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["exists"])
    }
}
