import Foundation
import Testing

/// Pins each fixture with iter, reads it like `cat`, and checks what it printed against the system.
@Suite("pin fixtures and read them", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct PinFixtureTests {
    /// Pins `fixture` at a fresh path and returns what reading it gives, then removes the pin.
    func pinAndRead(_ binary: String, _ fixture: String, _ extra: [String] = [], reads: Int = 1) throws -> [String] {
        let dir = try BPFFSDirectory("pin")
        let path = dir.file("it")
        let outcome = try run(binary, ["pin", Repo.fixture(fixture), path] + extra)
        try #require(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout.isEmpty && outcome.stderr.isEmpty, "pin prints nothing on success: \(outcome)")
        var texts: [String] = []
        for _ in 0..<reads { texts.append(try readPinned(path)) }
        #expect(unlink(path) == 0)
        #expect(dir.entries.isEmpty)
        return texts
    }

    @Test("task iterator: pid, tgid and comm of every task in /proc", arguments: Repo.binaries)
    func task(binary: String) throws {
        let before = ProcSnapshot.take()
        let text = try pinAndRead(binary, "iter_task.bpf.o")[0]
        let after = ProcSnapshot.take()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "    pid    tgid comm")
        var seen: [Int: (tgid: Int, comm: String)] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count >= 2, let pid = Int(fields[0]), let tgid = Int(fields[1]) else {
                Issue.record("malformed line '\(line)'")
                continue
            }
            #expect(line.count >= 16 && line.hasPrefix(String(repeating: " ", count: 7 - String(pid).count)))
            seen[pid] = (tgid, fields.count == 3 ? String(fields[2]) : "")
        }
        // Every task alive before and after the read was walked, with its tgid and comm (the
        // kernel keeps 15 bytes of it; /proc appends the current workqueue to a kworker's).
        let stable = Set(before.tgidOf.keys).intersection(after.tgidOf.keys)
        #expect(stable.count > 10)
        let missing = stable.subtracting(seen.keys)
        if !missing.isEmpty {
            // Some systems hide tasks from the kernel's walk (here: a sandbox's pid 1). That is not
            // ours to fix, but bpftool must then miss the same ones.
            #expect(missing.isSubset(of: try tasksMissedByBpftool(stable)), "tasks \(missing.sorted()) missing")
        }
        for pid in stable {
            guard let entry = seen[pid] else { continue }
            #expect(entry.tgid == before.tgidOf[pid], "tgid of \(pid)")
            if before.comm[pid] == after.comm[pid], let comm = before.comm[pid] {
                #expect(!entry.comm.isEmpty && comm.hasPrefix(entry.comm) && entry.comm.utf8.count <= 15,
                        "comm of \(pid): '\(entry.comm)' vs /proc's '\(comm)'")
            }
        }
    }

    /// Tasks of `tasks` that the same object pinned by bpftool does not print.
    func tasksMissedByBpftool(_ tasks: Set<Int>) throws -> Set<Int> {
        guard Repo.hasBpftool else { return [] }
        let dir = try BPFFSDirectory("bpftool")
        try #require(try run("/usr/sbin/bpftool", ["iter", "pin", Repo.fixture("iter_task.bpf.o"), dir.file("b")]).status == 0)
        let printed = Set(try readPinned(dir.file("b")).split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.flatMap { Int($0) }
        })
        return tasks.subtracting(printed)
    }

    @Test("global data: .bss counter, .data step, .rodata label; the counter survives reads", arguments: Repo.binaries)
    func counter(binary: String) throws {
        let texts = try pinAndRead(binary, "iter_counter.bpf.o", reads: 2)
        var previous = 0
        for (read, text) in texts.enumerated() {
            let lines = text.split(separator: "\n").map(String.init)
            let counts = lines.dropLast().compactMap { line -> Int? in
                guard line.hasPrefix("count ") else { return nil }
                return Int(line.dropFirst(6))
            }
            #expect(counts.count == lines.count - 1, "read \(read): every line but the last is 'count N'")
            #expect(counts.count > 10)
            for (i, count) in counts.enumerated() {
                #expect(count == previous + 3 * (i + 1), "read \(read), line \(i)")
            }
            let total = previous + 3 * counts.count
            #expect(lines.last == "total \(total) step 3")
            previous = total
        }
    }

    @Test("static subprograms: leaders and threads as /proc says", arguments: Repo.binaries)
    func subprograms(binary: String) throws {
        let before = ProcSnapshot.take()
        let text = try pinAndRead(binary, "iter_subprog.bpf.o")[0]
        var checked = 0
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let pid = Int(words[0]), let tgid = before.tgidOf[pid] else { continue }
            if tgid == pid {
                #expect(words.count == 2 && words[1] == "leader", "\(line)")
            } else {
                #expect(words.count == 4 && words[1] == "thread" && Int(words[3]) == tgid, "\(line)")
            }
            checked += 1
        }
        #expect(checked > 10)
    }

    @Test("a bpf_loop callback sums 1..n", arguments: Repo.binaries)
    func loopCallback(binary: String) throws {
        let text = try pinAndRead(binary, "iter_loop.bpf.o")[0]
        let lines = text.split(separator: "\n")
        #expect(lines.count > 10)
        for line in lines {
            let n = line.split(separator: " ").compactMap { UInt64($0) }
            guard n.count == 3 else {
                Issue.record("malformed line '\(line)'")
                continue
            }
            #expect(n[1] == n[0] % 5 + 1 && n[2] == n[1] * (n[1] + 1) / 2, "\(line)")
        }
    }
}
