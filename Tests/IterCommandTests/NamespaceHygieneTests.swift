import Foundation
@testable import IterCommand
import Testing

/// Reads in other namespaces fork children: after each, succeeded or failed, no fd, child or
/// zombie of theirs remains. Run in-process, so this process's fds and children are what counts.
@Suite("namespace reads leave nothing behind", .enabled(if: getuid() == 0), .serialized)
struct NamespaceHygieneTests {
    static func fixture(_ name: String) -> String { FailedCommandHygieneTests.fixture(name) }

    /// Children of this process that are forks of it (same command name): what iter's namespace
    /// reads start. Children other tests start exec something else.
    static func forkedChildren() -> [String] {
        let pid = getpid()
        // A fork is named as the thread that made it: this one.
        let ownComm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == pid,
                (try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8)) == ownComm
            else { continue }
            found.append("\(entry) state \(fields[0])")
        }
        return found
    }

    /// This process's fds on SOCK_SEQPACKET unix sockets: the kind of socketpair a namespace read
    /// passes its descriptor over (other suites of this process keep sockets of other kinds).
    static func seqpacketSockets() -> Set<String> {
        let table = (try? String(contentsOfFile: "/proc/net/unix", encoding: .utf8)) ?? ""
        // Num RefCount Protocol Flags Type St Inode [Path]: Type 0005 is SOCK_SEQPACKET.
        let inodes = Set(
            table.split(separator: "\n").dropFirst().compactMap { line -> Substring? in
                let fields = line.split(separator: " ")
                return fields.count >= 7 && fields[4] == "0005" ? fields[6] : nil
            })
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(
            fds.compactMap { fd -> String? in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                    target.hasPrefix("socket:["), inodes.contains(target.dropFirst(8).dropLast())
                else { return nil }
                return fd + " " + target
            })
    }

    /// Waits up to two seconds for `forkedChildren` to be empty.
    static func childrenLeft() -> [String] {
        var left = forkedChildren()
        for _ in 0..<40 where !left.isEmpty {
            usleep(50_000)
            left = forkedChildren()
        }
        return left
    }

    @Test("netns PATH, netns all, cat netns, a pid namespace whose init has exited, a file that is no namespace")
    func noLeaks() throws {
        let name = "iter-reading-hygiene-\(getpid())"
        let scratch = "/tmp/iter-reading-hygiene-\(getpid())"
        let pinDirectory = "/sys/fs/bpf/iter-reading-hygiene-\(getpid())"
        let deadPIDNamespace = scratch + "/pidns"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: pinDirectory, withIntermediateDirectories: false)
        defer {
            _ = shell("umount '\(deadPIDNamespace)'; rm -rf '\(scratch)'; ip netns del \(name); rm -f '\(pinDirectory)'/*; rmdir '\(pinDirectory)'")
        }
        try #require(shell("ip netns add \(name)") == 0)
        // A pid namespace kept by a bind mount after its init (the sleep) was killed: fork(2)
        // into it fails with ENOMEM.
        try #require(
            shell(
                """
                unshare --pid --fork --kill-child sleep 60 & u=$!
                for i in $(seq 100); do s=$(cat /proc/$u/task/$u/children 2>/dev/null); [ -n "$s" ] && break; sleep 0.02; done
                touch '\(deadPIDNamespace)' && mount --bind /proc/${s% }/ns/pid '\(deadPIDNamespace)'
                kill -9 $u; wait $u 2>/dev/null; true
                """) == 0)
        try #require(IterTool.run(["pin", Self.fixture("iter_tcp4.bpf.o"), pinDirectory + "/tcp"]) == 0)

        let commands: [([String], Int32)] = [
            (["run", Self.fixture("iter_tcp4.bpf.o"), "netns", "/run/netns/\(name)"], 0),
            (["run", Self.fixture("iter_tcp4.bpf.o"), "netns", "all", "interval", "0", "count", "2"], 0),
            (["cat", pinDirectory + "/tcp", "netns", "/run/netns/\(name)"], 0),
            (["run", Self.fixture("iter_task.bpf.o"), "pidns", deadPIDNamespace], 256 - 12),
            (["cat", pinDirectory + "/tcp", "pidns", deadPIDNamespace], 256 - 12),
            (["run", Self.fixture("iter_task.bpf.o"), "netns", "/proc/version"], 256 - 25),
        ]
        let before = OpenDescriptors.list()
        let socketsBefore = Self.seqpacketSockets()
        for (command, status) in commands {
            #expect(IterTool.run(command) == status, "\(command)")
            #expect(OpenDescriptors.leftOpen(since: before) == [], "fds left open by \(command)")
            #expect(Self.seqpacketSockets().subtracting(socketsBefore) == [], "sockets left open by \(command)")
            #expect(Self.childrenLeft() == [], "children left by \(command)")
        }
    }

    func shell(_ script: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
