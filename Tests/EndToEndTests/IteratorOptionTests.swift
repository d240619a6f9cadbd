import Foundation
import Testing

/// Iterator options on this kernel (6.1+ options; map elements are tested in the kernel matrix,
/// since this machine refuses map-element iterators even to bpftool).
@Suite("iterator options", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct IteratorOptionTests {
    /// A process with three threads, so tid, pid and main_thread_only differ.
    static func threadedProcess() throws -> Process {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        child.arguments = ["-c", "import threading, time\n[threading.Thread(target=time.sleep, args=(30,), daemon=True).start() for _ in range(2)]\ntime.sleep(30)"]
        try child.run()
        for _ in 0..<50 where ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.processIdentifier)/task"))?.count ?? 0) < 3 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        return child
    }

    func tasks(_ outcome: Outcome) -> [(pid: Int, tgid: Int)] {
        outcome.lines.dropFirst().compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 2, let pid = Int(f[0]), let tgid = Int(f[1]) else { return nil }
            return (pid, tgid)
        }
    }

    @Test("task tid N: that thread only; task pid N: the threads of that process", arguments: Repo.binaries)
    func tidAndPid(binary: String) throws {
        let child = try Self.threadedProcess()
        defer { child.terminate() }
        let pid = Int(child.processIdentifier)
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap { Int($0) }.sorted()
        try #require(threads.count == 3)
        let other = try #require(threads.first { $0 != pid })
        let one = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "task", "tid", "\(other)"])
        #expect(one.status == 0, "\(one)")
        #expect(tasks(one).map { $0.pid } == [other])
        let process = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "task", "pid", "\(pid)"])
        #expect(tasks(process).map { $0.pid }.sorted() == threads)
        #expect(tasks(process).allSatisfy { $0.tgid == pid })
        // The kernel reports the option in the link's info: iter show prints it.
        let dir = try BPFFSDirectory("tid")
        try #require(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t"), "task", "tid", "\(other)"]).status == 0)
        #expect(try run(binary, ["show", dir.file("t")]).stdout.contains("target task  tid \(other)\n"))
    }

    @Test("task tid/pid of no task: run refuses it, pin warns (its reader may be in another pid namespace)", arguments: Repo.binaries)
    func absentTask(binary: String) throws {
        // Past PID_MAX_LIMIT (4194304): no task anywhere has this id.
        let id = "4194305"
        for (word, what) in [("tid", "thread"), ("pid", "process")] {
            let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "task", word, id])
            #expect(outcome.status == 255, "\(outcome)")
            #expect(outcome.stderr == "Error: task \(word) \(id): no \(what) has this id in this pid namespace (the iterator would show nothing)\n")
            #expect(outcome.stdout.isEmpty)
        }
        let dir = try BPFFSDirectory("absent")
        let pinned = try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t"), "task", "tid", id])
        #expect(pinned.status == 0, "\(pinned)")
        #expect(
            pinned.stderr
                == "Warning: task tid \(id): no thread has this id in this pid namespace now: reading \(dir.file("t")) shows nothing unless its reader's pid namespace has one\n")
    }

    @Test("task pid_fd: the process behind a pidfd", arguments: Repo.binaries)
    func pidFD(binary: String) throws {
        let child = try Self.threadedProcess()
        defer { child.terminate() }
        let pid = child.processIdentifier
        // A shell opens the pidfd (python's os.pidfd_open) and passes it to iter as fd 3.
        let script = "import os, sys; fd = os.pidfd_open(\(pid)); os.set_inheritable(fd, True); os.dup2(fd, 3); os.execv(sys.argv[1], sys.argv[1:])"
        let outcome = try run("/usr/bin/python3", ["-c", script, binary, "run", Repo.fixture("iter_task.bpf.o"), "task", "pid_fd", "3"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(tasks(outcome).count == 3 && tasks(outcome).allSatisfy { $0.tgid == Int(pid) })
        let bad = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "task", "pid_fd", "77"])
        #expect(bad.status == 256 - 9)
        #expect(bad.stderr == "Error: task pid_fd 77: Bad file descriptor (EBADF)\n")
    }

    @Test("main_thread_only: exactly one line per process", arguments: Repo.binaries)
    func mainThreadOnly(binary: String) throws {
        let child = try Self.threadedProcess()
        defer { child.terminate() }
        let before = ProcSnapshot.take()
        let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "task", "main_thread_only"])
        let after = ProcSnapshot.take()
        #expect(outcome.status == 0, "\(outcome)")
        let seen = tasks(outcome)
        #expect(seen.allSatisfy { $0.pid == $0.tgid }, "only group leaders")
        #expect(Set(seen.map { $0.pid }).count == seen.count, "one line each")
        #expect(seen.contains { $0.pid == Int(child.processIdentifier) })
        // Every process alive before and after is there (but those the kernel's walk hides, as for
        // the plain task iterator: a sandbox's pid 1 here).
        let stable = before.processes.intersection(after.processes).subtracting([1])
        let printed = Set(seen.map { $0.pid })
        #expect(stable.subtracting(printed).isEmpty, "missing: \(stable.subtracting(printed).sorted())")
        // Only task targets: a clear error for others.
        let wrong = try run(binary, ["run", Repo.fixture("iter_two_progs.bpf.o"), "prog", "dump_maps", "task", "main_thread_only"])
        #expect(wrong.stderr.contains("main_thread_only applies to task, task_file and task_vma iterators, not 'bpf_map'"), "\(wrong)")
    }

    @Test("cgroup iterators walk a tree in each order", arguments: Repo.binaries)
    func cgroupOrders(binary: String) throws {
        let root = "/sys/fs/cgroup/unified/iter-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for dir in [root, root + "/a", root + "/a/b", root + "/c"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        }
        defer { for dir in [root + "/a/b", root + "/a", root + "/c", root] { rmdir(dir) } }
        func id(_ path: String) throws -> String {
            String(try #require(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64))
        }
        let (r, a, b, c) = (try id(root), try id(root + "/a"), try id(root + "/a/b"), try id(root + "/c"))
        func walk(_ args: [String]) throws -> [String] {
            let outcome = try run(binary, ["run", Repo.fixture("iter_cgroup.bpf.o"), "cgroup"] + args)
            #expect(outcome.status == 0, "\(outcome)")
            return outcome.lines.map { String($0.split(separator: " ")[0]) }
        }
        let pre = try walk(["path", root, "order", "descendants_pre"])
        #expect(pre.first == r && Set(pre) == [r, a, b, c])
        #expect(pre.firstIndex(of: a)! < pre.firstIndex(of: b)!)
        let post = try walk(["path", root, "order", "descendants_post"])
        #expect(post.last == r && Set(post) == [r, a, b, c])
        #expect(post.firstIndex(of: b)! < post.firstIndex(of: a)!)
        #expect(try walk(["id", b, "order", "ancestors_up"]).prefix(3) == [b, a, r])
        #expect(try walk(["path", root + "/a", "order", "self_only"]) == [a])
        // Without an order, descendants_pre (the kernel would refuse a cgroup iterator without one).
        #expect(try walk(["path", root]) == pre)
        let missing = try run(binary, ["run", Repo.fixture("iter_cgroup.bpf.o"), "cgroup", "path", root + "/nope"])
        #expect(missing.stderr == "Error: can't open cgroup \(root)/nope: No such file or directory (ENOENT)\n")
        // A directory that is not a cgroup: said before the kernel's bare EBADF, nothing left behind.
        let notCgroup = try run(binary, ["run", Repo.fixture("iter_cgroup.bpf.o"), "cgroup", "path", "/sys/fs/bpf"])
        #expect(notCgroup.status == 255)
        #expect(notCgroup.stderr.hasPrefix("Error: can't use cgroup /sys/fs/bpf: not a directory of a cgroup file system"))
    }

    /// This kernel's BTF lists BPF_CGROUP_ITER_CHILDREN (Linux 7.0 and later).
    static var kernelHasChildrenOrder: Bool {
        (try? sh("bpftool btf dump file /sys/kernel/btf/vmlinux format c | grep -qw BPF_CGROUP_ITER_CHILDREN"))?.status == 0
    }

    @Test(
        "order children: on a kernel without it, one error naming the order and 7.0, before loading; nothing pinned",
        arguments: Repo.binaries)
    func childrenOrder(binary: String) throws {
        let root = "/sys/fs/cgroup/unified/iter-pins-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for dir in [root, root + "/a", root + "/a/b", root + "/c"] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        }
        defer { for dir in [root + "/a/b", root + "/a", root + "/c", root] { rmdir(dir) } }
        let dir = try BPFFSDirectory("children")
        let outcome = try run(binary, ["-d", "pin", Repo.fixture("iter_cgroup.bpf.o"), dir.file("c"), "cgroup", "path", root, "order", "children"])
        if Self.kernelHasChildrenOrder {
            #expect(outcome.status == 0, "\(outcome)")
            let walked = try readPinned(dir.file("c")).split(separator: "\n").map { String($0.split(separator: " ")[0]) }
            let ids = try [root + "/a", root + "/c"].map { String(try #require(try FileManager.default.attributesOfItem(atPath: $0)[.systemFileNumber] as? UInt64)) }
            #expect(Set(walked) == Set(ids), "the direct children, not the cgroup itself nor its grandchildren")
            #expect(try run(binary, ["show", dir.file("c")]).stdout.contains("order children"))
            return
        }
        #expect(outcome.status == 255)
        let errors = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(
            errors == [
                "Error: cgroup order children: not supported by this kernel (its enum bpf_cgroup_iter_order has no"
                    + " BPF_CGROUP_ITER_CHILDREN); it needs Linux 7.0 or later"
            ])
        #expect(!outcome.stderr.contains("loaded") && !outcome.stderr.contains("link created"), "refused before loading")
        #expect(dir.entries.isEmpty)
        // Without -d, that one line is all.
        let plain = try run(binary, ["run", Repo.fixture("iter_cgroup.bpf.o"), "cgroup", "id", "1", "order", "ch"])
        #expect(plain.status == 255 && plain.stdout.isEmpty && plain.stderr.split(separator: "\n").count == 1)
    }
}
