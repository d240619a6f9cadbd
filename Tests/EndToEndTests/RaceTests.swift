import Foundation
import Testing

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
