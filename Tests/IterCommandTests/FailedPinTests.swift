import Foundation
@testable import IterCommand
import SyscallBPF
import Testing

/// What a pin that fails must undo, in-process: the mount is real (in a scratch tmpfs this test
/// mounted itself); only BPF_OBJ_PIN is replaced by one that fails.
@Suite("a failed pin leaves nothing behind", .enabled(if: getuid() == 0, "needs root: mounts a scratch tmpfs and bpffs, loads BPF programs"))
struct FailedPinTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func mounts(at path: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            let fields = halves[0].split(separator: " ")
            guard halves.count == 2, fields.count > 4, fields[4] == path else { return nil }
            return halves[1].split(separator: " ").first.map(String.init)
        }
    }

    @Test("the bpffs it mounted is unmounted, and every fd it opened is closed")
    func unmountsAndCloses() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iter-failpin-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer {
            while !Self.mounts(at: scratch).isEmpty { _ = umount2(scratch, 0) }
            rmdir(scratch)
        }
        try #require(mount("tmpfs", scratch, "tmpfs", 0, nil) == 0)
        let before = OpenDescriptors.list(marker: "iter-failpin")
        var pinnedAfterMount = false
        let request = IteratorRequest(object: FilePath(Self.fixtures.appendingPathComponent("iter_counter.bpf.o").path))
        let command = PinCommand(iterator: request, path: FilePath(scratch + "/counter"))
        let context = CommandContext(options: GlobalOptions(), console: Console(), usageName: "iter", programName: "iter")
        #expect(throws: CommandFailure.self) {
            try command.pin(context) { (_: borrowing FileDescriptor, _: FilePath) throws(Errno) in
                pinnedAfterMount = FailedPinTests.mounts(at: scratch) == ["tmpfs", "bpf"]
                throw Errno.EPERM
            }
        }
        #expect(pinnedAfterMount, "the pin step ran with bpffs mounted")
        #expect(Self.mounts(at: scratch) == ["tmpfs"], "bpffs was unmounted")
        #expect(OpenDescriptors.leftOpen(since: before, marker: "iter-failpin") == [], "no fd left open")
    }
}
