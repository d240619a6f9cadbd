import Foundation
import Testing

/// OBJ that is not a BPF object file: refused by what it is, at once, with one line, before
/// anything is read past its ELF header (a FIFO used to block in open() forever, /dev/zero to grow
/// until the OOM killer came, a sparse 1 TiB file to ask for 1 TiB at once).
@Suite("OBJ is checked before it is read", .enabled(if: Repo.isRoot, Repo.needsRoot), .serialized)
struct ObjectFileTests {
    /// A scratch directory for odd files, removed afterwards.
    final class Scratch {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("iter-objfile-\(getpid())").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        func file(_ name: String) -> String { path + "/" + name }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Makes the file in the scratch directory; returns its path.
        let make: @Sendable (Scratch) throws -> String
        /// The message after "Error: can't open objfile PATH: ".
        let reason: String
        var testDescription: String { name }
    }

    static let libc =
        ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"]
        .first { FileManager.default.fileExists(atPath: $0) } ?? "/usr/lib/x86_64-linux-gnu/libc.so.6"

    static let cases: [Case] = [
        Case(
            name: "a FIFO",
            make: { s in
                let path = s.file("fifo")
                try #require(mkfifo(path, 0o600) == 0)
                return path
            }, reason: "it is a FIFO, not a regular file"),
        Case(name: "/dev/zero", make: { _ in "/dev/zero" }, reason: "it is a character device, not a regular file"),
        Case(
            name: "a socket",
            make: { s in
                let path = s.file("socket")
                try #require(try sh("python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind(\"\(path)\")'").status == 0)
                return path
            }, reason: "it is a socket, not a regular file"),
        Case(
            name: "a sparse 1 TiB file of zeros",
            make: { s in
                let path = s.file("zeros")
                try #require(try truncate(path: path, size: 1 << 40))
                return path
            }, reason: "not an ELF file (no \\x7fELF magic)"),
        Case(
            name: "a BPF object made 1 TiB long",
            make: { s in
                let path = s.file("huge.o")
                try FileManager.default.copyItem(atPath: Repo.fixture("iter_counter.bpf.o"), toPath: path)
                try #require(try truncate(path: path, size: 1 << 40))
                return path
            }, reason: "it is 1099511627776 bytes, more than the 256 MiB iter reads (BPF objects are kilobytes to a few megabytes)"),
        Case(
            name: "a BPF object made 300 MiB long",
            make: { s in
                let path = s.file("big.o")
                try FileManager.default.copyItem(atPath: Repo.fixture("iter_counter.bpf.o"), toPath: path)
                try #require(try truncate(path: path, size: 300 << 20))
                return path
            }, reason: "it is 314572800 bytes, more than the 256 MiB iter reads (BPF objects are kilobytes to a few megabytes)"),
        Case(
            name: "an x86-64 executable", make: { _ in "/bin/true" },
            reason: "not a BPF object: ELF machine is x86-64 (a shared object), expected BPF (compile with clang -target bpf -c)"),
        Case(
            name: "an x86-64 shared library", make: { _ in libc },
            reason: "not a BPF object: ELF machine is x86-64 (a shared object), expected BPF (compile with clang -target bpf -c)"),
        Case(
            name: "a text file",
            make: { s in
                let path = s.file("text.o")
                try Data("#!/bin/sh\necho not an object\n".utf8).write(to: URL(fileURLWithPath: path))
                return path
            }, reason: "not an ELF file (no \\x7fELF magic)"),
    ]

    static func truncate(path: String, size: Int) throws -> Bool {
        try sh("truncate -s \(size) '\(path)'").status == 0
    }

    @Test("run and pin refuse it with one line, at once, and leave nothing", arguments: Repo.binaries, cases)
    func refused(binary: String, badCase: Case) throws {
        let scratch = try Scratch()
        let object = try badCase.make(scratch)
        let dir = try BPFFSDirectory("objfile")
        for arguments in [["run", object], ["pin", object, dir.file("it")]] {
            let started = Date()
            let outcome = try run(binary, arguments, timeout: 20)
            #expect(!outcome.timedOut && outcome.signal == nil, "\(arguments): \(outcome)")
            #expect(Date().timeIntervalSince(started) < 5, "at once: \(arguments)")
            #expect(outcome.status == 255, "\(arguments): \(outcome)")
            #expect(outcome.stderr == "Error: can't open objfile \(object): \(badCase.reason)\n", "\(arguments): \(outcome)")
            #expect(outcome.stdout.isEmpty)
        }
        #expect(dir.entries.isEmpty, "nothing pinned")
    }

    @Test("a pinned iterator given as OBJ is refused unread: its program does not run", arguments: Repo.binaries)
    func pinnedIterator(binary: String) throws {
        let dir = try BPFFSDirectory("objpin")
        let pin = dir.file("counter")
        try #require(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), pin]).status == 0)
        let reason = "it is a pin on bpffs (a pinned program, map or link), not a BPF object file; reading a pinned iterator would run it"
        for arguments in [["info", pin], ["run", pin], ["pin", pin, dir.file("again")], ["update", pin, pin]] {
            let outcome = try run(binary, arguments, timeout: 20)
            #expect(outcome.status == 255, "\(arguments): \(outcome)")
            #expect(outcome.stderr == "Error: can't open objfile \(pin): \(reason)\n", "\(arguments): \(outcome)")
        }
        // iter_counter adds to `calls` on each run of its program: still 0.
        let shown = try run(binary, ["show", pin])
        #expect(shown.stdout.contains("set calls=0"), "\(shown)")
    }

    @Test("a BPF object behind a symbolic link is read", arguments: Repo.binaries)
    func symlink(binary: String) throws {
        let scratch = try Scratch()
        let link = scratch.file("link.o")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Repo.fixture("iter_counter.bpf.o"))
        let outcome = try sh("'\(binary)' run '\(link)' | head -1")
        #expect(outcome.stdout == "count 3\n", "\(outcome)")
    }
}
