import Foundation
@testable import IterCommand
import SyscallBPF
import Testing
import TestSupport

/// What a pin that fails must undo, in-process: the mount is real (in a scratch tmpfs this test
/// mounted itself); only BPF_OBJ_PIN is replaced by one that fails.
@Suite(
    "a failed pin leaves nothing behind", .enabled(if: getuid() == 0, "needs root: mounts a scratch tmpfs and bpffs, loads BPF programs"),
    .serialized)
struct FailedPinTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    @Test("the bpffs it mounted is unmounted, and every fd it opened is closed")
    func unmountsAndCloses() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iter-failpin-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer {
            while !MountInfo.fileSystems(at: scratch).isEmpty { _ = umount2(scratch, 0) }
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
                pinnedAfterMount = MountInfo.fileSystems(at: scratch) == ["tmpfs", "bpf"]
                throw Errno.EPERM
            }
        }
        #expect(pinnedAfterMount, "the pin step ran with bpffs mounted")
        #expect(MountInfo.fileSystems(at: scratch) == ["tmpfs"], "bpffs was unmounted")
        #expect(OpenDescriptors.leftOpen(since: before, marker: "iter-failpin") == [], "no fd left open")
    }

    /// A scratch tmpfs at a fresh directory, unmounted (with everything under it) afterwards.
    final class Scratch {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iter-failpin-\(getpid())-\(UUID().uuidString)").path
        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try #require(mount("tmpfs", path, "tmpfs", 0, nil) == 0)
        }
        deinit {
            for _ in 0..<4 where !MountInfo.mountPoints(under: path).isEmpty {
                for point in MountInfo.mountPoints(under: path).reversed() { _ = umount2(point, 0) }
            }
            rmdir(path)
        }
    }

    static func pinCounter(at path: String, step: PinCommand.PinStep) throws(CommandFailure) {
        let request = IteratorRequest(object: FilePath(Self.fixtures.appendingPathComponent("iter_counter.bpf.o").path))
        let command = PinCommand(iterator: request, path: FilePath(path))
        let context = CommandContext(options: GlobalOptions(), console: Console(), usageName: "iter", programName: "iter")
        try command.pin(context, step: step)
    }

    @Test("a shared mount point made private for the pin is shared again when the pin fails")
    func propagationRestored() throws {
        let scratch = try Scratch()
        try #require(mount("", scratch.path, nil, UInt(MS_SHARED), nil) == 0)
        var privateDuringPin = false
        #expect(throws: CommandFailure.self) {
            try Self.pinCounter(at: scratch.path + "/it") { (_: borrowing FileDescriptor, _: FilePath) throws(Errno) in
                privateDuringPin = !MountInfo.isShared(scratch.path) && MountInfo.fileSystems(at: scratch.path) == ["tmpfs", "bpf"]
                throw Errno.EPERM
            }
        }
        #expect(privateDuringPin, "bpffs was mounted")
        #expect(MountInfo.fileSystems(at: scratch.path) == ["tmpfs"], "bpffs was unmounted")
        #expect(MountInfo.isShared(scratch.path), "the mount is shared again")
    }

    @Test("a directory in a shared mount: the bind of it on itself goes with the failed pin")
    func bindUndone() throws {
        let scratch = try Scratch()
        try #require(mount("", scratch.path, nil, UInt(MS_SHARED), nil) == 0)
        let sub = scratch.path + "/sub"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        var stacked: [String] = []
        #expect(throws: CommandFailure.self) {
            try Self.pinCounter(at: sub + "/it") { (_: borrowing FileDescriptor, _: FilePath) throws(Errno) in
                stacked = MountInfo.fileSystems(at: sub)
                throw Errno.EPERM
            }
        }
        #expect(stacked == ["tmpfs", "bpf"], "bound on itself, then bpffs")
        #expect(MountInfo.mountPoints(under: scratch.path) == [scratch.path], "both undone")
        #expect(MountInfo.isShared(scratch.path))
    }

    @Test("a bpffs that another process pinned into meanwhile is not unmounted: that pin survives, and the error says so")
    func otherPinSurvives() throws {
        let scratch = try Scratch()
        let other = scratch.path + "/other"
        var failure: CommandFailure? = nil
        do {
            try Self.pinCounter(at: scratch.path + "/it") { (link: borrowing FileDescriptor, _: FilePath) throws(Errno) in
                // Another process pins into the bpffs iter just mounted, then iter's own pin fails.
                try BPFObject.pin(link, at: FilePath(other))
                throw Errno.EPERM
            }
        } catch {
            failure = error
        }
        #expect(
            failure?.message.hasSuffix("; left behind: bpffs on \(scratch.path) (another process pinned 'other' into it)") == true,
            "\(failure?.message ?? "no failure")")
        #expect(MountInfo.fileSystems(at: scratch.path) == ["tmpfs", "bpf"], "bpffs stays")
        #expect(FileManager.default.fileExists(atPath: other), "the other pin survives")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/it"))
        // The mount is writable again: the read-only flag set while it was looked at is cleared.
        #expect(unlink(other) == 0)
    }
}
