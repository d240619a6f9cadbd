import Foundation
import Testing

/// bpffs mounting before a pin, as bpftool does it: only ever inside a scratch tmpfs this test
/// mounted itself, never over a system directory.
@Suite("bpffs mounting", .enabled(if: Repo.isRoot, "needs root: mounts bpffs and loads BPF programs"), .serialized)
struct MountTests {
    /// A tmpfs on a fresh directory under /tmp, unmounted (with anything mounted over it) afterwards.
    final class ScratchTmpfs {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("iter-mnt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            try #require(try sh("mount -t tmpfs tmpfs '\(path)'").status == 0)
        }

        /// File system types mounted exactly at `path`, bottom to top.
        var mounts: [String] { MountTests.mounts(at: path) }

        deinit {
            // Unmount everything stacked here (bpffs over tmpfs), then the directory.
            for _ in 0..<4 where !MountTests.mounts(at: path).isEmpty { _ = try? sh("umount '\(path)'") }
            rmdir(path)
        }
    }

    static func mounts(at path: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count > 4, fields[4] == path else { return nil }
            return halves[1].split(separator: " ").first.map(String.init)
        }
    }

    @Test("pin into a directory that is not bpffs mounts bpffs there, once, private and 0700", arguments: Repo.binaries)
    func automount(binary: String) throws {
        let scratch = try ScratchTmpfs()
        #expect(scratch.mounts == ["tmpfs"])
        let path = scratch.path + "/counter"
        let outcome = try run(binary, ["-d", "pin", Repo.fixture("iter_counter.bpf.o"), path])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("mounted bpffs on \(scratch.path)"), "-d says so: \(outcome)")
        #expect(scratch.mounts == ["tmpfs", "bpf"])
        #expect(try readPinned(path).hasPrefix("count 3\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o700)  // bpffs adds the sticky bit to its root
        // A second pin in the same directory finds bpffs there and mounts nothing more.
        let second = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), scratch.path + "/again"])
        #expect(second.status == 0, "\(second)")
        #expect(scratch.mounts == ["tmpfs", "bpf"])
        unlink(path)
        unlink(scratch.path + "/again")
    }

    @Test("-n refuses with bpftool's words and mounts nothing", arguments: Repo.binaries)
    func noMount(binary: String) throws {
        let scratch = try ScratchTmpfs()
        let outcome = try run(binary, ["-n", "pin", Repo.fixture("iter_counter.bpf.o"), scratch.path + "/counter"])
        #expect(outcome.status == 255)
        #expect(outcome.stderr == "Error: no BPF file system found, not mounting it due to --nomount option\n")
        #expect(scratch.mounts == ["tmpfs"])
        #expect((try FileManager.default.contentsOfDirectory(atPath: scratch.path)).isEmpty)
    }

    @Test("a load that fails mounts nothing (the mount comes after loading, as in bpftool)", arguments: Repo.binaries)
    func failedLoadMountsNothing(binary: String) throws {
        let scratch = try ScratchTmpfs()
        let outcome = try run(binary, ["pin", Repo.fixture("iter_verifier_reject.bpf.o"), scratch.path + "/it"])
        #expect(outcome.status != 0)
        #expect(scratch.mounts == ["tmpfs"])
    }
}
