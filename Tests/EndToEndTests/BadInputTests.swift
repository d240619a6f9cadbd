import Foundation
import Testing

/// Bad input of every kind: one `Error: …` line naming what is wrong, a non-zero exit code, and
/// nothing left behind in the pin directory.
@Suite("bad input gives one clear error and leaves nothing", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct BadInputTests {
    /// A scratch file under /tmp with these bytes.
    static func scratch(_ name: String, _ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iter-bad-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let object: @Sendable () throws -> String
        let status: Int32
        let message: String
        var extraLines = false
        var testDescription: String { name }
    }

    static let object = { () -> [UInt8] in
        [UInt8]((try? Data(contentsOf: Repo.fixtures.appendingPathComponent("iter_task.bpf.o"))) ?? Data())
    }()

    static let cases: [Case] = [
        Case(name: "empty file", object: { try scratch("empty.o", []) }, status: 255,
             message: "can't open objfile PATH: file is 0 bytes, too short for an ELF64 header (64 bytes)"),
        Case(name: "truncated object", object: { try scratch("truncated.o", Array(object.prefix(object.count / 2))) },
             status: 255, message: "can't open objfile PATH: section"),
        Case(name: "x86 object", object: { Repo.fixture("x86_program.o") }, status: 255,
             message: "can't open objfile PATH: not a BPF object: ELF machine is x86-64, expected BPF"),
        Case(name: "big-endian object on a little-endian machine", object: { Repo.fixture("iter_task.bpfeb.o") }, status: 255,
             message: "can't open objfile PATH: object is big-endian but this machine is little-endian"),
        Case(name: "a directory", object: { Repo.fixtures.path }, status: 256 - 21,
             message: "can't open objfile PATH: Is a directory (EISDIR)"),
        Case(name: "a missing file", object: { "/nonexistent/iter.bpf.o" }, status: 256 - 2,
             message: "can't open objfile PATH: No such file or directory (ENOENT)"),
        Case(name: "no iterator program", object: { Repo.fixture("iter_no_program.bpf.o") }, status: 255,
             message: "can't find bpf program in objfile PATH: no iterator program"),
        Case(name: "iter/no_such_target", object: { Repo.fixture("iter_bad_target.bpf.o") }, status: 255,
             message: "can't load objfile PATH: program 'dump_nothing': iterator target 'no_such_target' not found in kernel BTF"),
        Case(name: "a program the verifier rejects", object: { Repo.fixture("iter_verifier_reject.bpf.o") }, status: 256 - 13,
             message: "can't load objfile PATH: program 'unchecked_task': verifier rejected it: Permission denied (EACCES)",
             extraLines: true),
    ]

    @Test("bad objects", arguments: Repo.binaries, cases)
    func badObject(binary: String, badCase: Case) throws {
        let dir = try BPFFSDirectory("bad")
        let object = try badCase.object()
        let outcome = try run(binary, ["pin", object, dir.file("it")])
        #expect(outcome.status == badCase.status, "\(outcome)")
        let lines = outcome.stderr.split(separator: "\n").map(String.init)
        let expected = "Error: " + badCase.message.replacingOccurrences(of: "PATH", with: object)
        #expect(lines.first?.hasPrefix(expected) == true, "\(outcome)")
        if !badCase.extraLines { #expect(lines.count == 1, "one line: \(outcome)") }
        #expect(outcome.stdout.isEmpty)
        #expect(dir.entries.isEmpty, "nothing pinned")
    }

    @Test("the verifier's complaint is shown, with the source line from line_info", arguments: Repo.binaries)
    func verifierLog(binary: String) throws {
        let dir = try BPFFSDirectory("verifier")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_verifier_reject.bpf.o"), dir.file("it")])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("verifier log"))
        #expect(outcome.stderr.contains("; int pid = ctx->task->pid; /* no NULL check */"), "\(outcome)")
        #expect(outcome.stderr.contains("invalid mem access"), "\(outcome)")
        #expect(dir.entries.isEmpty)
    }

    @Test("an existing PATH", arguments: Repo.binaries)
    func existingPath(binary: String) throws {
        let dir = try BPFFSDirectory("exists")
        let path = dir.file("it")
        try #require(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), path]).status == 0)
        let outcome = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), path])
        #expect(outcome.status == 256 - 17)
        #expect(outcome.stderr == "Error: pin path \(path): File exists (EEXIST)\n")
        #expect(dir.entries == ["it"])
        #expect(try readPinned(path).hasSuffix("step 3\n"), "the first pin still works")
    }

    @Test("a PATH whose name has a dot", arguments: Repo.binaries)
    func dotInName(binary: String) throws {
        let dir = try BPFFSDirectory("dot")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), dir.file("my.iter")])
        #expect(outcome.status == 255)
        #expect(outcome.stderr == "Error: pin path '\(dir.file("my.iter"))': file name 'my.iter' contains a dot, which bpffs reserves\n")
        #expect(dir.entries.isEmpty)
    }

    @Test("a PATH in a directory that does not exist", arguments: Repo.binaries)
    func missingDirectory(binary: String) throws {
        let outcome = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), "/sys/fs/bpf/no/such/dir/it"])
        #expect(outcome.status == 256 - 2)
        #expect(outcome.stderr == "Error: pin directory '/sys/fs/bpf/no/such/dir' does not exist: No such file or directory (ENOENT)\n")
    }

    @Test("usage errors", arguments: Repo.binaries)
    func usage(binary: String) throws {
        let missing = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o")])
        #expect(missing.status == 255)
        #expect(missing.stderr.hasPrefix("Error: 'pin' needs at least 2 arguments, 1 found\n"))
        #expect(missing.stderr.contains("Usage:"))
        let option = try run(binary, ["--frobnicate", "help"])
        #expect(option.status == 255)
        #expect(option.stderr.hasPrefix("Error: unrecognized option '--frobnicate'\n"))
        let command = try run(binary, ["frob"])
        #expect(command.status == 255)
        #expect(command.stderr.hasPrefix("Error: unknown command 'frob'"))
        let map = try run(binary, ["pin", "a.o", "/sys/fs/bpf/x", "map", "idd", "3"])
        #expect(map.stderr == "Error: expected 'id', 'name' or 'pinned', got: 'idd'?\n")
        let id = try run(binary, ["pin", "a.o", "/sys/fs/bpf/x", "map", "id", "3x"])
        #expect(id.stderr == "Error: can't parse 3x as ID\n")
    }
}
