import Foundation
import Testing
import TestSupport

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
        var mounts: [String] { MountInfo.fileSystems(at: path) }

        /// Makes the tmpfs shared: mounts made under it propagate to its peers (it has none, but
        /// iter cannot know that), as under systemd, where / is shared.
        func makeShared() throws {
            try #require(try sh("mount --make-shared '\(path)'").status == 0)
        }

        deinit {
            // Unmount everything here and under it (bpffs over tmpfs, binds), then the directory.
            for _ in 0..<4 where !MountInfo.mountPoints(under: path).isEmpty { _ = try? sh("umount -R '\(path)'") }
            rmdir(path)
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

    @Test(
        "a relative PATH pins into the working directory, resolved once: no bind mount is left behind",
        arguments: Repo.binaries)
    func relativePath(binary: String) throws {
        for shared in [false, true] {
            let scratch = try ScratchTmpfs()
            if shared { try scratch.makeShared() }
            let directory = scratch.path + "/work"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let outcome = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), "it"], directory: directory)
            #expect(outcome.status == 0, "shared \(shared): \(outcome)")
            // bpffs on the working directory (over a bind of it on itself when its mount is shared),
            // and nothing else: the old code left a bind mount on every attempt and failed.
            #expect(MountInfo.fileSystems(at: directory) == (shared ? ["tmpfs", "bpf"] : ["bpf"]), "shared \(shared)")
            #expect(MountInfo.mountPoints(under: scratch.path) == [scratch.path] + Array(repeating: directory, count: shared ? 2 : 1))
            #expect(try readPinned(directory + "/it").hasPrefix("count 3\n"))
            #expect(MountInfo.isShared(scratch.path) == shared, "the scratch mount's propagation is unchanged")
            unlink(directory + "/it")
        }
    }

    @Test(
        "a shared mount point is made private for bpffs; a directory in a shared mount is bound on itself first",
        arguments: Repo.binaries)
    func sharedMount(binary: String) throws {
        let scratch = try ScratchTmpfs()
        try scratch.makeShared()
        let atRoot = try run(binary, ["-d", "pin", Repo.fixture("iter_counter.bpf.o"), scratch.path + "/it"])
        #expect(atRoot.status == 0 && atRoot.stderr.contains("made the shared mount at \(scratch.path) private"), "\(atRoot)")
        #expect(scratch.mounts == ["tmpfs", "bpf"])
        #expect(!MountInfo.isShared(scratch.path), "bpffs does not propagate")

        let other = try ScratchTmpfs()
        try other.makeShared()
        let sub = other.path + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        let inside = try run(binary, ["-d", "pin", Repo.fixture("iter_counter.bpf.o"), sub + "/it"])
        #expect(inside.status == 0 && inside.stderr.contains("bind-mounted \(sub) on itself"), "\(inside)")
        #expect(MountInfo.fileSystems(at: sub) == ["tmpfs", "bpf"])
        #expect(MountInfo.isShared(other.path), "the mount holding the directory stays shared")
        #expect(try readPinned(sub + "/it").hasPrefix("count 3\n"))
        unlink(scratch.path + "/it")
        unlink(sub + "/it")
    }
}
