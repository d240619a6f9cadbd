import Foundation
import Testing

/// The release binary: fully static, and working in a root that holds nothing else.
@Suite("the static binary", .enabled(if: Repo.isRoot, Repo.needsRoot),
       .enabled(if: Repo.binaries.count > 1, Repo.needsStaticBinary))
struct StaticBinaryTests {
    static var binary: String { Repo.binaries.last ?? "" }

    @Test("file(1) says statically linked")
    func isStatic() throws {
        let outcome = try run("/usr/bin/file", ["-b", Self.binary])
        #expect(outcome.stdout.contains("statically linked"), "\(outcome)")
        #expect(try run(Self.binary, ["version"]).stdout.contains("features: embedded, static"))
    }

    @Test("pins a fixture in an empty root: only the binary, the object and a bpffs mount")
    func chroot() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("iter-chroot-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root + "/bpf", withIntermediateDirectories: true)
        defer {
            _ = try? sh("umount '\(root)/bpf'")
            try? FileManager.default.removeItem(atPath: root)
        }
        try FileManager.default.copyItem(atPath: Self.binary, toPath: root + "/iter")
        try FileManager.default.copyItem(atPath: Repo.fixture("iter_counter.bpf.o"), toPath: root + "/counter.o")
        // Our own scratch mount on a directory we made, inside our own scratch root.
        try #require(try sh("mount -t bpf bpf '\(root)/bpf'").status == 0)
        let listing = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(listing == ["bpf", "counter.o", "iter"])

        let outcome = try run("/usr/sbin/chroot", [root, "/iter", "-d", "pin", "/counter.o", "/bpf/counter"])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.contains("no sysfs"), "kernel BTF came from the kernel object: \(outcome)")
        let text = try readPinned(root + "/bpf/counter")
        #expect(text.hasPrefix("count 3\ncount 6\n"))
        #expect(unlink(root + "/bpf/counter") == 0)
    }
}
