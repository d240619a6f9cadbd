import Foundation
import Testing

/// `iter run`: the iterator's output on stdout, with no bpffs.
@Suite("iter run", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct RunCommandTests {
    @Test("prints what cat of the pinned iterator prints", arguments: Repo.binaries)
    func sameAsCat(binary: String) throws {
        let dir = try BPFFSDirectory("run")
        let path = dir.file("counter")
        try #require(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), path]).status == 0)
        let pinned = try readPinned(path)
        let direct = try run(binary, ["run", Repo.fixture("iter_counter.bpf.o")])
        #expect(direct.status == 0, "\(direct)")
        #expect(direct.stderr.isEmpty)
        // Both are a fresh .bss and one full walk: equal but for tasks that came or went between
        // (other tests start processes meanwhile).
        let a = pinned.split(separator: "\n")
        let b = direct.lines
        #expect(a.first == "count 3" && b.first == "count 3")
        #expect(abs(a.count - b.count) <= 12, "\(a.count) vs \(b.count) lines")
        #expect(b.last?.hasPrefix("total ") == true)
    }

    @Test("a closed stdout (| head -1) ends it quietly with exit 0", arguments: Repo.binaries)
    func closedStdout(binary: String) throws {
        let outcome = try run("/bin/bash", ["-c", "set -o pipefail; '\(binary)' run '\(Repo.fixture("iter_task.bpf.o"))' | head -1"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "    pid    tgid comm\n")
        #expect(outcome.stderr.isEmpty, "\(outcome)")
    }

    @Test("no pin is created, no bpffs needed, nothing left", arguments: Repo.binaries)
    func leavesNothing(binary: String) throws {
        // dump_optional is loaded by no other test, so finding it afterwards would be ours.
        let outcome = try run(binary, ["run", Repo.fixture("iter_two_progs.bpf.o"), "prog", "dump_optional"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.count > 10 && outcome.lines.allSatisfy { $0.hasPrefix("optional ") })
        let programs = try sh("bpftool prog list -j")
        #expect(!programs.stdout.contains("\"dump_optional\""), "the program went away with the process")
    }

    @Test("errors as for pin", arguments: Repo.binaries)
    func errors(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_bad_target.bpf.o")])
        #expect(outcome.status == 255)
        #expect(outcome.stderr.hasPrefix("Error: can't load objfile"))
        #expect(outcome.stdout.isEmpty)
    }
}

/// `-j` and `-p`: machine-readable success and errors.
@Suite("JSON output", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct JSONOutputTests {
    @Test("pin -j describes what was pinned", arguments: Repo.binaries)
    func pin(binary: String) throws {
        let dir = try BPFFSDirectory("json")
        let path = dir.file("tasks")
        let outcome = try run(binary, ["-j", "pin", Repo.fixture("iter_task.bpf.o"), path])
        #expect(outcome.status == 0, "\(outcome)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect(object["path"] as? String == path)
        #expect(object["program"] as? String == "dump_task")
        #expect(object["target"] as? String == "task")
        #expect(object["section"] as? String == "iter/task")
        let linkID = try #require(object["link_id"] as? Int)
        #expect(linkID > 0)
        let shown = try sh("bpftool link show id \(linkID) -j")
        #expect(shown.stdout.contains("\"id\":\(linkID)"))
    }

    @Test("errors go to stdout as {\"error\": …}, escaped", arguments: Repo.binaries)
    func error(binary: String) throws {
        let outcome = try run(binary, ["-j", "pin", "/no/such \"quoted\"\\file.o", "/sys/fs/bpf/x"])
        #expect(outcome.status == 254)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: String])
        #expect(object["error"] == "can't open objfile /no/such \"quoted\"\\file.o: No such file or directory (ENOENT)")
        #expect(outcome.stderr.isEmpty)
    }

    @Test("-p pretty-prints", arguments: Repo.binaries)
    func pretty(binary: String) throws {
        let outcome = try run(binary, ["-p", "version"])
        #expect(outcome.stdout.hasPrefix("{\n    \"version\": "))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        #expect((object["features"] as? [String: Bool])?["embedded"] != nil)
    }
}
