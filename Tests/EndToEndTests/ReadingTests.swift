import Foundation
import Testing

/// Reading iterators: what `cat` gives up on (EAGAIN), what it cuts silently, and `iter cat`.
@Suite("reading iterators", .enabled(if: Repo.isRoot))
struct ReadingTests {
    /// `task PID` lines and the closing `done after N retries` of iter_retry's programs.
    func checkRetryOutput(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 0, "\(outcome)", sourceLocation: sourceLocation)
        #expect(outcome.stderr.isEmpty, "\(outcome)", sourceLocation: sourceLocation)
        let lines = outcome.lines
        #expect(lines.last == "done after 3 retries", "\(outcome)", sourceLocation: sourceLocation)
        let tasks = lines.dropLast().filter { $0.hasPrefix("task ") }
        #expect(tasks.count == lines.count - 1, "only task lines before the last", sourceLocation: sourceLocation)
        // Every task: as many as a program that never retries prints, give or take those that
        // came and went meanwhile (other tests run at the same time).
        let reference = (try? run(Repo.iter, ["run", Repo.fixture("iter_task.bpf.o")]).lines.count - 1) ?? 0
        #expect(
            reference > 10 && abs(tasks.count - reference) <= max(20, reference / 10),
            "\(tasks.count) task lines, \(reference) from iter_task", sourceLocation: sourceLocation)
    }

    @Test(
        "a program that asks to retry its first element: cat fails with EAGAIN, iter cat and iter run print it all",
        arguments: Repo.binaries)
    func retryFirst(binary: String) throws {
        let dir = try BPFFSDirectory("reading-retry")
        let pin = dir.file("retry")
        try #require(try run(binary, ["pin", Repo.fixture("iter_retry.bpf.o"), pin]).status == 0)
        let cat = try run("/bin/cat", [pin])
        #expect(cat.status != 0)
        #expect(cat.stdout.isEmpty)
        #expect(cat.stderr.contains("Resource temporarily unavailable"), "\(cat)")
        checkRetryOutput(try run(binary, ["cat", pin]))
        checkRetryOutput(try run(binary, ["run", Repo.fixture("iter_retry.bpf.o")]))
        // Retries after five lines are buffered: the kernel returns those, then EAGAIN.
        checkRetryOutput(try run(binary, ["run", Repo.fixture("iter_retry.bpf.o"), "prog", "retry_later"]))
    }

    @Test("a program that always asks to retry: an Error after a bounded time, exit 256 - EAGAIN", arguments: Repo.binaries)
    func retryAlways(binary: String) throws {
        let started = Date()
        let outcome = try run(binary, ["run", Repo.fixture("iter_retry.bpf.o"), "prog", "retry_always"])
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(outcome.status == 256 - 11)
        #expect(outcome.stdout.isEmpty)
        #expect(
            outcome.stderr.hasPrefix(
                "Error: reading iterator of program retry_always: the program kept asking to retry:"
                    + " read() failed with EAGAIN "), "\(outcome)")
        #expect(outcome.lines.isEmpty && outcome.stderr.split(separator: "\n").count == 1)
    }

    @Test(
        "one element larger than the kernel's buffer: E2BIG explained, with the bytes printed before it",
        arguments: Repo.binaries)
    func elementTooLarge(binary: String) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = try run(binary, ["run", Repo.fixture("iter_big_element.bpf.o")])
        #expect(first.status == 256 - 7)
        #expect(first.stdout.isEmpty)
        #expect(
            first.stderr == "Error: reading iterator of program big_first: one element's output is larger than the kernel's"
                + " buffer of \(8 * page) bytes (8 pages): Argument list too long (E2BIG)\n", "\(first)")
        let later = try run(binary, ["run", Repo.fixture("iter_big_element.bpf.o"), "prog", "big_later"])
        #expect(later.status == 256 - 7)
        #expect(later.lines.count == 3 && later.lines.allSatisfy { $0.hasPrefix("task ") }, "\(later)")
        #expect(later.stderr.hasSuffix("(E2BIG) (after \(later.stdout.utf8.count) bytes of output)\n"), "\(later)")
        // The same through a pin: cat stops at E2BIG with the lines before it and no word on stdout.
        let dir = try BPFFSDirectory("reading-big")
        try #require(try run(binary, ["pin", Repo.fixture("iter_big_element.bpf.o"), dir.file("big"), "prog", "big_later"]).status == 0)
        let cat = try run(binary, ["cat", dir.file("big")])
        #expect(cat.status == 256 - 7)
        #expect(cat.stderr.hasPrefix("Error: reading pinned iterator \(dir.file("big")) (program big_later): one element's output"), "\(cat)")
    }

    @Test("iter cat of a closed stdout (| head -1) ends quietly with exit 0", arguments: Repo.binaries)
    func closedStdout(binary: String) throws {
        let dir = try BPFFSDirectory("reading-head")
        try #require(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("tasks")]).status == 0)
        let outcome = try run("/bin/bash", ["-c", "set -o pipefail; '\(binary)' cat '\(dir.file("tasks"))' | head -1"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "    pid    tgid comm\n")
        #expect(outcome.stderr.isEmpty)
    }

    @Test("iter cat refuses what is not a pinned iterator, naming it", arguments: Repo.binaries)
    func catErrors(binary: String) throws {
        let dir = try BPFFSDirectory("reading-errors")
        let missing = try run(binary, ["cat", dir.file("nothing")])
        #expect(missing.status == 254)
        #expect(missing.stderr == "Error: bpf obj get (\(dir.file("nothing"))): No such file or directory (ENOENT)\n")
        // cat, show and update say the same of a path that cannot be a pin.
        let object = Repo.fixture("iter_task.bpf.o")
        for command in [["cat", dir.path], ["show", dir.path], ["update", dir.path, object]] {
            let directory = try run(binary, command)
            #expect(directory.status == 255, "\(command): \(directory)")
            #expect(directory.stderr == "Error: \(dir.path) is a directory, not a pinned iterator\n", "\(command)")
        }
        for command in [["cat", "/proc/version"], ["show", "/proc/version"], ["update", "/proc/version", object]] {
            let notBPFFS = try run(binary, command)
            #expect(notBPFFS.status == 255, "\(command): \(notBPFFS)")
            #expect(notBPFFS.stderr == "Error: /proc/version is not on bpffs, so it is not a pinned iterator\n", "\(command)")
        }
        // A pinned map: one of our pinned program's own maps (they live as long as the pin),
        // pinned with bpftool when it is there.
        if Repo.hasBpftool {
            try #require(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), dir.file("counter")]).status == 0)
            let shown = try #require(try JSONSerialization.jsonObject(with: Data(try run(binary, ["-j", "show", dir.file("counter")]).stdout.utf8)) as? [[String: Any]])
            let program = try #require(shown.first?["prog_id"] as? Int)
            let maps = try sh("bpftool -j prog show id \(program) | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"map_ids\"][0])'")
            let id = maps.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(try sh("bpftool map pin id \(id) '\(dir.file("map"))'").status == 0)
            let map = try run(binary, ["cat", dir.file("map")])
            #expect(map.status == 255)
            #expect(map.stderr == "Error: \(dir.file("map")) is a pinned map, not an iterator link\n")
        }
        let usage = try run(binary, ["cat"])
        #expect(usage.status == 255)
        #expect(usage.stderr.hasPrefix("Error: 'cat' needs a path, 0 arguments found\n"))
    }
}

/// `interval SECONDS [count N]`: passes of one attached iterator, headed, and Ctrl-C.
@Suite("reading iterators: interval", .enabled(if: Repo.isRoot))
struct IntervalTests {
    /// `# pass N TIME` headers: N and the time in seconds since the epoch.
    static func headers(_ text: String) -> [(pass: Int, time: Double)] {
        text.split(separator: "\n").compactMap { line -> (Int, Double)? in
            let words = line.split(separator: " ")
            guard words.count == 4, words[0] == "#", words[1] == "pass", let pass = Int(words[2]),
                let time = parseTime(String(words[3]))
            else { return nil }
            return (pass, time)
        }
    }

    /// `2026-12-05T23:14:51.123Z` (exactly this shape: UTC, milliseconds).
    static func parseTime(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard text.count == 24, text.hasSuffix("Z"), let date = formatter.date(from: text) else { return nil }
        return date.timeIntervalSince1970
    }

    @Test("interval 0.2 count 3: three passes, each headed, at least 0.4 s apart in all", arguments: Repo.binaries)
    func threePasses(binary: String) throws {
        let started = Date()
        let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "interval", "0.2", "count", "3"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.isEmpty)
        let headers = Self.headers(outcome.stdout)
        #expect(headers.map { $0.pass } == [1, 2, 3], "\(outcome)")
        #expect(outcome.lines.filter { $0.hasPrefix("# ") }.count == 3)
        if headers.count == 3 {
            #expect(headers[2].time - headers[0].time >= 0.399, "\(headers)")
            #expect(abs(headers[0].time - started.timeIntervalSince1970) < 5, "the time is now, in UTC")
        }
        #expect(elapsed >= 0.4)
        // Each pass is a whole pass: the program's header line follows each of ours.
        let passes = outcome.stdout.components(separatedBy: "# pass ").dropFirst()
        #expect(passes.count == 3)
        for pass in passes {
            let lines = pass.split(separator: "\n")
            #expect(lines.count > 10 && lines[1] == "    pid    tgid comm", "\(pass.prefix(200))")
        }
    }

    @Test("-j: one JSON object per pass and line, with pass, time and output; cat of a pin the same", arguments: Repo.binaries)
    func json(binary: String) throws {
        let dir = try BPFFSDirectory("reading-interval")
        try #require(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("tasks")]).status == 0)
        for command in [
            ["-j", "run", Repo.fixture("iter_task.bpf.o"), "interval", "0.05", "count", "2"],
            ["-j", "cat", dir.file("tasks"), "interval", "0.05", "count", "2"],
        ] {
            let outcome = try run(binary, command)
            #expect(outcome.status == 0, "\(outcome)")
            #expect(outcome.lines.count == 2)
            for (i, line) in outcome.lines.enumerated() {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(Set(object.keys) == ["pass", "time", "output"])
                #expect(object["pass"] as? Int == i + 1)
                #expect((object["time"] as? String).flatMap(Self.parseTime) != nil)
                #expect((object["output"] as? String)?.hasPrefix("    pid    tgid comm\n") == true)
            }
        }
    }

    @Test("SIGINT or SIGTERM ends it cleanly after the pass in flight, exit 0", arguments: Repo.binaries)
    func interrupted(binary: String) throws {
        for signal in [SIGINT, SIGTERM] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["run", Repo.fixture("iter_task.bpf.o"), "interval", "0.3"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Once the second pass has begun, the handlers are surely in place (they are set
            // before the first): interrupt it then, in the middle of a pass or of the sleep.
            var data = Data()
            let started = Date()
            while !String(decoding: data, as: UTF8.self).contains("# pass 2 ") && Date().timeIntervalSince(started) < 30 {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data += chunk
            }
            kill(process.processIdentifier, signal)
            data += out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "signal \(signal)")
            let headers = Self.headers(text)
            #expect(headers.count >= 2, "\(text.prefix(300))")
            #expect(text.hasSuffix("\n"))
            let last = text.components(separatedBy: "# pass ").last ?? ""
            #expect(last.split(separator: "\n").count > 10, "the last pass is whole")
        }
    }

    @Test("interval: bad numbers and counts are usage errors", arguments: Repo.binaries)
    func usage(binary: String) throws {
        for (words, message) in [
            (["interval"], "'interval' needs a number of seconds"),
            (["interval", "2s"], "can't parse 2s as seconds: expected a number such as 2 or 0.25, at most 86400"),
            (["interval", "86401"], "can't parse 86401 as seconds: expected a number such as 2 or 0.25, at most 86400"),
            (["interval", "1e3"], "can't parse 1e3 as seconds: expected a number such as 2 or 0.25, at most 86400"),
            (["interval", "1", "count", "0"], "'count' needs at least 1 pass"),
            (["interval", "1", "count"], "'count' needs a number of passes"),
        ] {
            let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o")] + words)
            #expect(outcome.status == 255)
            #expect(outcome.stderr.hasPrefix("Error: \(message)\n"), "\(outcome)")
        }
    }
}

/// `netns` and `pidns`: reading as seen from other namespaces, made for the test.
@Suite("reading iterators: namespaces", .enabled(if: Repo.isRoot), .serialized)
struct NamespaceReadingTests {
    /// A network namespace of our own (`ip netns add`) with a TCP listener on 127.0.0.1:`port`.
    final class ListeningNamespace {
        let name: String
        let port: Int
        let listener: Process

        init() throws {
            name = "iter-reading-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
            port = Int.random(in: 40000...49999)
            try #require(try sh("ip netns add \(name) && ip netns exec \(name) ip link set lo up").status == 0)
            listener = Process()
            listener.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            listener.arguments = [
                "netns", "exec", name, "python3", "-c",
                "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); print('up', flush=True); time.sleep(120)",
            ]
            let out = Pipe()
            listener.standardOutput = out
            try listener.run()
            // Listening once it says so.
            _ = out.fileHandleForReading.readData(ofLength: 3)
        }

        var line: String { "tcp4 127.0.0.1:\(port) state 10" }

        var inode: Int { namespaceInode("/run/netns/\(name)") }

        deinit {
            // SIGKILL: the test process may hand its children a mask that blocks SIGTERM.
            kill(listener.processIdentifier, SIGKILL)
            listener.waitUntilExit()
            _ = try? sh("ip netns del \(name)")
        }
    }

    @Test(
        "a listener in a namespace made for the test: shown with netns PATH and netns all, not without",
        arguments: Repo.binaries)
    func network(binary: String) throws {
        let namespace = try ListeningNamespace()
        let object = Repo.fixture("iter_tcp4.bpf.o")
        let plain = try run(binary, ["run", object])
        #expect(plain.status == 0)
        #expect(!plain.lines.contains(namespace.line), "\(plain)")
        let inside = try run(binary, ["run", object, "netns", "/run/netns/\(namespace.name)"])
        #expect(inside.status == 0, "\(inside)")
        #expect(inside.lines == ["# netns \(namespace.inode) \(namespace.name)", namespace.line], "\(inside)")
        let all = try run(binary, ["run", object, "netns", "all"])
        #expect(all.status == 0, "\(all)")
        // Its section: its header, then its one socket.
        let header = "# netns \(namespace.inode) \(namespace.name)"
        let index = try #require(all.lines.firstIndex(of: header), "\(all)")
        #expect(all.lines[index + 1] == namespace.line)
        #expect(index + 2 == all.lines.count || all.lines[index + 2].hasPrefix("# netns "))
        #expect(all.lines.filter { $0 == namespace.line }.count == 1)
        // Every namespace once: the headers name distinct inodes, iter's own among them.
        let inodes = all.lines.filter { $0.hasPrefix("# netns ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(inodes).count == inodes.count)
        #expect(inodes.contains(Substring("\(namespaceInode("/proc/self/ns/net"))")))
        // The same through a pin, with cat, and as JSON.
        let dir = try BPFFSDirectory("reading-netns")
        try #require(try run(binary, ["pin", object, dir.file("tcp")]).status == 0)
        let cat = try run(binary, ["-j", "cat", dir.file("tcp"), "netns", "all"])
        #expect(cat.status == 0, "\(cat)")
        let objects = try cat.lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let ours = objects.first { ($0["netns"] as? [String: Any])?["name"] as? String == namespace.name }
        #expect((ours?["netns"] as? [String: Any])?["inode"] as? Int == namespace.inode)
        #expect(ours?["output"] as? String == namespace.line + "\n")
        // And by the pid of a process inside it, with passes.
        let byPID = try run(binary, ["run", object, "netns", "pid", "\(namespace.listener.processIdentifier)", "interval", "0.01", "count", "2"])
        #expect(byPID.status == 0, "\(byPID)")
        #expect(byPID.lines.filter { $0 == namespace.line }.count == 2)
        #expect(byPID.lines.filter { $0.hasPrefix("# pass ") }.count == 2)
    }

    @Test("pidns of a process in a new pid namespace lists only that namespace's tasks", arguments: Repo.binaries)
    func pid(binary: String) throws {
        let unshare = Process()
        unshare.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        unshare.arguments = ["--pid", "--fork", "--kill-child", "sleep", "120"]
        try unshare.run()
        defer {
            // unshare ignores SIGTERM while it waits; --kill-child takes the sleep with it.
            kill(unshare.processIdentifier, SIGKILL)
            unshare.waitUntilExit()
        }
        // The sleep: unshare's child, pid 1 of the new namespace.
        var sleeper = 0
        for _ in 0..<100 where sleeper == 0 {
            let children = (try? String(contentsOfFile: "/proc/\(unshare.processIdentifier)/task/\(unshare.processIdentifier)/children", encoding: .utf8)) ?? ""
            sleeper = Int(children.split(separator: " ").first ?? "") ?? 0
            if sleeper == 0 { usleep(20_000) }
        }
        try #require(sleeper > 0)
        let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "pidns", "pid", "\(sleeper)"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.first == "# pidns \(namespaceInode("/proc/\(sleeper)/ns/pid"))")
        let tasks = outcome.lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(tasks == [["\(sleeper)", "\(sleeper)", "sleep"]], "\(outcome)")
        // Without it: every task, the sleeper among them.
        let everything = try run(binary, ["run", Repo.fixture("iter_task.bpf.o")])
        #expect(everything.lines.count > 10)
    }

    @Test("a namespace that is not one, or of the other kind, or of no process: an Error naming it", arguments: Repo.binaries)
    func errors(binary: String) throws {
        let object = Repo.fixture("iter_task.bpf.o")
        // A FIFO must be refused, not opened: opening one waits for a writer that never comes.
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("iter-ns-fifo-\(getpid())").path
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for (words, message, status) in [
            (["netns", fifo], "\(fifo) is not a network namespace file (/run/netns/NAME, /proc/PID/ns/net): it is a FIFO", 255),
            (["pidns", fifo], "\(fifo) is not a pid namespace file (/proc/PID/ns/pid): it is a FIFO", 255),
            (["netns", "/dev/null"], "/dev/null is not a network namespace file (/run/netns/NAME, /proc/PID/ns/net): it is a character device", 255),
            (["pidns", "/proc"], "/proc is not a pid namespace file (/proc/PID/ns/pid): it is a directory", 255),
            (["netns", "/proc/version"], "/proc/version is not a network namespace file (/run/netns/NAME, /proc/PID/ns/net): * (ENOTTY)", 256 - 25),
            (["netns", "/proc/self/ns/pid"], "/proc/self/ns/pid is a pid namespace, not a network namespace", 255),
            (["pidns", "/proc/self/ns/net"], "/proc/self/ns/net is a network namespace, not a pid namespace", 255),
            (["netns", "/run/netns/iter-no-such-namespace"], "can't open network namespace /run/netns/iter-no-such-namespace: No such file or directory (ENOENT)", 254),
            (["pidns", "pid", "2147483647"], "can't find the pid namespace of process 2147483647: no such process", 253),
            (["pidns", "all"], "'pidns all' is not supported: give a PATH or 'pid PID' (a pid namespace holds those nested in it)", 255),
            (["netns", "all", "pidns", "pid", "1"], "'pidns' cannot be combined with 'netns': read in one kind of namespace", 255),
        ] {
            let outcome = try run(binary, ["run", object] + words)
            #expect(outcome.status == Int32(status), "\(words): \(outcome)")
            // `*` stands for libc's words for an errno, which differ (glibc's, musl's).
            let parts = "Error: \(message)\n".components(separatedBy: "*")
            #expect(outcome.stderr.hasPrefix(parts[0]) && outcome.stderr.hasSuffix(parts[parts.count - 1]), "\(words): \(outcome)")
            #expect(parts.count > 1 || outcome.stderr == parts[0], "\(words): \(outcome)")
            #expect(outcome.stdout.isEmpty)
        }
    }
}

/// The inode of the namespace file at `path` (following /proc's `net:[N]` links), as `ls -iL` shows it.
func namespaceInode(_ path: String) -> Int {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_ino) : -1
}

/// `type NAME`: binary records decoded with BTF, checked against /proc.
@Suite("reading iterators: typed records", .enabled(if: Repo.isRoot))
struct RecordTypeTests {
    /// What /proc says of a task: tgid, comm, policy (stat field 41) and PF_KTHREAD (in field 9).
    struct ProcTask: Equatable {
        var tgid: Int
        var comm: String
        var policy: String
        var kernelThread: Bool
    }

    static let policies = [0: "SCHED_NORMAL", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE", 7: "SCHED_EXT"]

    static func proc(_ pid: Int) -> ProcTask? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let tgidLine = status.split(separator: "\n").first(where: { $0.hasPrefix("Tgid:") }),
            let tgid = Int(tgidLine.dropFirst(5).trimmingCharacters(in: .whitespaces)),
            let comm = try? String(contentsOfFile: "/proc/\(tgid)/task/\(pid)/comm", encoding: .utf8),
            let stat = try? String(contentsOfFile: "/proc/\(tgid)/task/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the comm: state is field 3, so field N is at index N - 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 38, let flags = UInt64(fields[9 - 3]), let policy = Int(fields[41 - 3]) else { return nil }
        return ProcTask(tgid: tgid, comm: String(comm.dropLast()), policy: policies[policy] ?? "\(policy)", kernelThread: flags & 0x0020_0000 != 0)
    }

    /// `pid=2 tgid=2 comm="kthreadd" policy=SCHED_NORMAL kernel_thread=true`, as pid and ProcTask.
    static func parse(_ line: String) -> (pid: Int, task: ProcTask)? {
        let pattern = #/^pid=(-?\d+) tgid=(-?\d+) comm="((?:[^"\\]|\\.)*)" policy=(\S+) kernel_thread=(true|false)$/#
        guard let match = line.wholeMatch(of: pattern), let pid = Int(match.1), let tgid = Int(match.2) else { return nil }
        return (pid, ProcTask(tgid: tgid, comm: String(match.3), policy: String(match.4), kernelThread: match.5 == "true"))
    }

    /// Records agree with /proc for nearly every task still there (a task may change its comm or
    /// policy, or go, between the read and the look at /proc).
    static func checkAgainstProc(_ tasks: [(pid: Int, task: ProcTask)], sourceLocation: SourceLocation = #_sourceLocation) {
        var compared = 0
        var differ: [String] = []
        for (pid, task) in tasks {
            guard let actual = proc(pid), !task.comm.contains("\\") else { continue }
            compared += 1
            // /proc shows a kernel thread's whole name (with a kworker's workqueue after it);
            // task->comm holds its first 15 bytes.
            var expected = actual
            if actual.kernelThread && actual.comm.hasPrefix(task.comm) && !task.comm.isEmpty { expected.comm = task.comm }
            if expected != task { differ.append("\(pid): \(task) vs /proc \(actual)") }
        }
        #expect(compared > 20, sourceLocation: sourceLocation)
        #expect(differ.count <= max(3, compared / 20), "\(differ.prefix(10))", sourceLocation: sourceLocation)
        // Kernel threads and user tasks, and a policy other than SCHED_NORMAL (migration/N is SCHED_FIFO).
        #expect(tasks.contains { $0.task.kernelThread } && tasks.contains { !$0.task.kernelThread }, sourceLocation: sourceLocation)
        #expect(tasks.contains { $0.task.policy == "SCHED_FIFO" }, sourceLocation: sourceLocation)
    }

    @Test(
        "type task_record: pid, tgid, comm, an enum and a bool per task as /proc has them; -j is a JSON array of objects",
        arguments: Repo.binaries)
    func records(binary: String) throws {
        let object = Repo.fixture("iter_task_record.bpf.o")
        let plain = try run(binary, ["run", object, "type", "task_record"])
        #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain)")
        let parsed = plain.lines.compactMap(Self.parse)
        #expect(parsed.count == plain.lines.count, "every line is a record")
        Self.checkAgainstProc(parsed)
        #expect(parsed.contains { $0.pid == 2 && $0.task == ProcTask(tgid: 2, comm: "kthreadd", policy: "SCHED_NORMAL", kernelThread: true) })

        let json = try run(binary, ["-j", "run", object, "type", "task_record"])
        #expect(json.status == 0, "\(json)")
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(array.count > 20)
        let tasks = array.compactMap { record -> (Int, ProcTask)? in
            guard Set(record.keys) == ["pid", "tgid", "comm", "policy", "kernel_thread"], let pid = record["pid"] as? Int,
                let tgid = record["tgid"] as? Int, let comm = record["comm"] as? String, let policy = record["policy"] as? String,
                let kernelThread = record["kernel_thread"] as? Bool
            else { return nil }
            return (pid, ProcTask(tgid: tgid, comm: comm, policy: policy, kernelThread: kernelThread))
        }
        #expect(tasks.count == array.count, "every record an object of the five fields, typed")
        Self.checkAgainstProc(tasks)
    }

    @Test(
        "iter cat of the pin decodes with the BTF the kernel keeps for the program; with interval and -j, records per pass",
        arguments: Repo.binaries)
    func pinned(binary: String) throws {
        let dir = try BPFFSDirectory("reading-records")
        let pin = dir.file("records")
        try #require(try run(binary, ["pin", Repo.fixture("iter_task_record.bpf.o"), pin]).status == 0)
        // The object is not needed: a copy of the pin elsewhere would do; read with -d to see whence.
        let outcome = try run(binary, ["-d", "cat", pin, "type", "task_record"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("iter: records of struct task_record, 32 bytes each"))
        Self.checkAgainstProc(outcome.lines.compactMap(Self.parse))
        let passes = try run(binary, ["-j", "cat", pin, "type", "task_record", "interval", "0.01", "count", "2"])
        #expect(passes.status == 0, "\(passes)")
        #expect(passes.lines.count == 2)
        for line in passes.lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["pass", "time", "records"])
            #expect(((object["records"] as? [[String: Any]])?.count ?? 0) > 20)
        }
    }

    @Test("an unknown type, one of no size, and a trailing partial record: an Error line", arguments: Repo.binaries)
    func errors(binary: String) throws {
        let unknown = try run(binary, ["run", Repo.fixture("iter_task_record.bpf.o"), "type", "task_recod"])
        #expect(unknown.status == 255)
        #expect(unknown.stdout.isEmpty)
        #expect(
            unknown.stderr.hasPrefix(
                "Error: type 'task_recod' for iterator of program dump_task_records: no struct, union, enum or integer type named 'task_recod' in the program's BTF (its structs and unions: "
            ), "\(unknown)")
        let forward = try run(binary, ["run", Repo.fixture("iter_task_record.bpf.o"), "type", "seq_file"])
        #expect(forward.status == 255)
        #expect(
            forward.stderr
                == "Error: type 'seq_file' for iterator of program dump_task_records: type 'struct seq_file' cannot be a record: it is only declared (a forward declaration)\n")
        // One record and 5 bytes: the record is printed, then the error with the 5 bytes.
        let partial = try run(binary, ["run", Repo.fixture("iter_task_record.bpf.o"), "prog", "dump_record_and_a_half", "type", "task_record"])
        #expect(partial.status == 255)
        #expect(partial.lines.count == 1 && partial.lines.first.flatMap(Self.parse) != nil, "\(partial)")
        #expect(
            partial.stderr
                == "Error: reading iterator of program dump_record_and_a_half: the output ends with a partial record: 5 bytes of a 32-byte struct task_record (after 1 whole record)\n"
        )
    }
}
