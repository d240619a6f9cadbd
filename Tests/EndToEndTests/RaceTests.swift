import Foundation
import Testing
import TestSupport

/// Concurrent and interrupted pins.
@Suite("races and signals", .enabled(if: Repo.isRoot, Repo.needsRoot), .serialized)
struct RaceTests {
    /// Starts `iter pin` without waiting.
    func start(_ binary: String, _ path: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["pin", Repo.fixture("iter_counter.bpf.o"), path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, err)
    }

    func finish(_ started: (Process, Pipe)) -> (Int32, String) {
        let text = String(decoding: started.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        started.0.waitUntilExit()
        return (started.0.terminationStatus, text)
    }

    @Test("two pins to the same path at once: one wins, the other reports the existing path", arguments: Repo.binaries)
    func samePath(binary: String) throws {
        for _ in 0..<5 {
            let dir = try BPFFSDirectory("race")
            let path = dir.file("it")
            let a = try start(binary, path), b = try start(binary, path)
            let results = [finish(a), finish(b)]
            let winners = results.filter { $0.0 == 0 }
            #expect(winners.count == 1, "\(results)")
            let loser = try #require(results.first { $0.0 != 0 })
            #expect(loser.0 == 256 - 17 && loser.1.contains("File exists (EEXIST)") && loser.1.contains(path), "\(loser)")
            #expect(try readPinned(path).hasSuffix("step 3\n"), "the pinned iterator works")
        }
    }

    @Test("two pins into a directory without bpffs: one mount, one pin", arguments: Repo.binaries)
    func sameDirectoryMount(binary: String) throws {
        let scratch = try MountTests.ScratchTmpfs()
        let path = scratch.path + "/it"
        let a = try start(binary, path), b = try start(binary, path)
        let results = [finish(a), finish(b)]
        #expect(results.filter { $0.0 == 0 }.count == 1, "\(results)")
        #expect(scratch.mounts == ["tmpfs", "bpf"], "exactly one bpffs mounted")
        #expect(try readPinned(path).hasPrefix("count 3\n"))
        unlink(path)
    }

    @Test("SIGTERM at any moment leaves nothing, or a complete pin", arguments: Repo.binaries)
    func interrupted(binary: String) throws {
        var outcomes: [String: Int] = [:]
        for round in 0..<16 {
            let scratch = try MountTests.ScratchTmpfs()
            let path = scratch.path + "/it"
            let started = try start(binary, path)
            usleep(UInt32(round * 4000))  // 0 to 60 ms: before, during and after the kernel work
            kill(started.0.processIdentifier, SIGTERM)
            _ = finish(started)
            let pinned = FileManager.default.fileExists(atPath: path)
            if pinned {
                #expect(scratch.mounts == ["tmpfs", "bpf"])
                #expect(try readPinned(path).hasPrefix("count 3\n"), "a complete pin")
                unlink(path)
                outcomes["pinned", default: 0] += 1
            } else {
                #expect(scratch.mounts == ["tmpfs"], "round \(round): a mount without a pin")
                outcomes["nothing", default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 16)
    }

    /// strace, to hold a process at a chosen system call or bring a signal there.
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "two spellings of one directory (a symlink from elsewhere) take one lock: one bpffs, both pins visible",
        .enabled(if: strace != nil, "needs strace"), arguments: Repo.binaries)
    func symlinkSpelling(binary: String) throws {
        let scratch = try MountTests.ScratchTmpfs()
        let real = scratch.path + "/a/d"
        let link = scratch.path + "/l"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        // The first pin is held for 300 ms in its mount(2), after it looked and found no bpffs; the
        // second starts meanwhile through the other spelling. With a lock per spelling both mounted,
        // and the second bpffs hid the first pin.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: Self.strace ?? "")
        first.arguments = [
            "-qq", "-o", "/dev/null", "-e", "trace=mount", "-e", "inject=mount:delay_enter=300000:when=1",
            binary, "pin", Repo.fixture("iter_counter.bpf.o"), real + "/first",
        ]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        usleep(150_000)
        let second = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), link + "/second"], timeout: 30)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.status == 0, "\(second)")
        #expect(MountInfo.fileSystems(at: real) == ["bpf"], "one bpffs")
        let entries = try FileManager.default.contentsOfDirectory(atPath: real).filter { !$0.contains(".") }.sorted()
        #expect(entries == ["first", "second"], "both pins in the one bpffs")
        for name in entries { unlink(real + "/" + name) }
    }

    /// Every signal whose default action ends a process, by number (real-time ones too), but
    /// SIGPIPE and SIGXFSZ, which iter ignores (a write fails with EPIPE or EFBIG instead).
    static let fatalSignals: [Int32] = [
        SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGXCPU,
        SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS, SIGSTKFLT, 34, 40, 64,
    ]

    @Test(
        "any fatal signal right after bpffs is mounted ends iter with nothing left behind, or with a complete pin",
        .enabled(if: strace != nil, "needs strace"), arguments: Repo.binaries)
    func signalAfterMount(binary: String) throws {
        for signal in Self.fatalSignals {
            // A shared mount point: made private (mount #1), then bpffs mounted on it (mount #2).
            let scratch = try MountTests.ScratchTmpfs()
            try scratch.makeShared()
            let path = scratch.path + "/it"
            // strace brings the signal as bpffs's mount(2) is entered: the mount happens, the signal
            // is pending. (The Swift runtime of the debug build would catch some signals to print a
            // backtrace: not here.)
            // Signals at their default action: a test runner may start us with some ignored.
            let outcome = try run(
                "/usr/bin/env",
                [
                    "--default-signal", Self.strace ?? "", "-qq", "-o", "/dev/null",
                    "-e", "trace=mount", "-e", "inject=mount:signal=\(signal):when=2",
                    binary, "pin", Repo.fixture("iter_counter.bpf.o"), path,
                ],
                environment: ["SWIFT_BACKTRACE": "enable=no"], timeout: 30)
            // strace ends itself by the signal that ended iter, or exits with 128 + it.
            #expect(outcome.signal == signal || outcome.status == 128 + signal, "ended by signal \(signal): \(outcome)")
            let pinned = FileManager.default.fileExists(atPath: path)
            #expect(
                scratch.mounts == (pinned ? ["tmpfs", "bpf"] : ["tmpfs"]),
                "signal \(signal): nothing left or a complete pin, not a bpffs without one")
            if pinned {
                #expect(try readPinned(path).hasPrefix("count 3\n"))
                unlink(path)
            } else {
                #expect(MountInfo.isShared(scratch.path), "signal \(signal): shared again")
            }
        }
    }

    @Test(
        "a signal between pinning a map by name and pinning the iterator leaves both pins or neither",
        .enabled(if: strace != nil, "needs strace"), arguments: Repo.binaries)
    func signalAfterMapPin(binary: String) throws {
        // In a mount namespace of its own with its own bpffs on /sys/fs/bpf: the object pins its
        // map at /sys/fs/bpf/fill_pinned, which other tests may use at the same time.
        let script = """
            set -e
            mount -t bpf bpf /sys/fs/bpf
            mkdir /sys/fs/bpf/d
            strace -qq -o /tmp/iter-race-count-$$ -e trace=bpf "$1" pin "$2" /sys/fs/bpf/d/dry
            # The bpf(2) call right after the map's BPF_OBJ_PIN (the first one) brings SIGTERM.
            n=$(grep -n 'BPF_OBJ_PIN' /tmp/iter-race-count-$$ | head -1 | cut -d: -f1)
            rm -f /tmp/iter-race-count-$$ /sys/fs/bpf/d/dry /sys/fs/bpf/fill_pinned
            set +e
            (env --default-signal strace -qq -o /dev/null -e trace=bpf -e inject=bpf:signal=TERM:when=$((n + 1)) \\
                "$1" pin "$2" /sys/fs/bpf/d/it) 2>/dev/null
            echo "status $?"
            ls /sys/fs/bpf/d /sys/fs/bpf | grep -E '^(it|fill_pinned)$' | sort | tr '\n' ' '
            """
        let outcome = try run(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", binary,
                Repo.fixture("iter_map_fill.bpf.o"),
            ],
            environment: ["SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 60)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "status \(128 + SIGTERM)", "ended by SIGTERM: \(outcome)")
        #expect(lines.last == "fill_pinned it " || lines.count == 1, "both pins or neither: \(outcome)")
    }
}

/// Started with standard streams closed (as from some initramfs scripts): nothing iter creates
/// may take fd 0, 1 or 2, where a later write meant for a stream would land in a BPF object.
@Suite("closed standard streams", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct ClosedStreamTests {
    @Test("pin works with stdin, stdout and stderr closed", arguments: Repo.binaries)
    func closedStreams(binary: String) throws {
        let dir = try BPFFSDirectory("closed")
        let path = dir.file("it")
        // The exit status goes to a file under /tmp: the streams are closed, and bpffs holds no files.
        // One file per case: the cases (one per binary) run at once in this process, and each
        // removes its file when done.
        let statusFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("iter-closed-\(getpid())-\(UUID().uuidString)").path
        defer { unlink(statusFile) }
        _ = try sh("(exec 0<&- 1>&- 2>&-; '\(binary)' -d pin '\(Repo.fixture("iter_counter.bpf.o"))' '\(path)'; echo $? > '\(statusFile)')")
        let status = try String(contentsOfFile: statusFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == "0")
        #expect(try readPinned(path).hasPrefix("count 3\n"))
    }
}
