import Foundation
import Testing

/// `set NAME=VALUE` on the command line and `iter info`, through the binaries.
@Suite("set and info")
struct SetAndInfoTests {
    static let object = Repo.fixture("iter_params.bpf.o")

    @Test(
        "each kind of setting changes what the program prints", .enabled(if: Repo.isRoot, "needs root: loads BPF programs"),
        arguments: Repo.binaries)
    func settings(binary: String) throws {
        let me = getpid()
        let outcome = try run(
            binary,
            [
                "run", Self.object, "set", "targ_tgid=\(me)", "set", "show_threads=true", "set", "mode=MODE_LIST",
                "set", "target_comm=", "set", "ports=443,0x1f90", "set", "limits.level=7", "set", "limits.delta=-8",
                "set", "snapshot_id=0o17", "set", "title=cli", "set", "visited=0b101",
            ])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(
            Array(outcome.lines.prefix(3)) == [
                "config tgid=\(me) threads=1 mode=0 comm= id=f", "ports=443,8080,0,0",
                "limits max_tasks=0 min_pid=0 verbose=0 level=7 delta=-8",
            ])
        #expect(outcome.lines.dropFirst(3).first?.hasPrefix("title=cli kernel=") == true)
        let tasks = outcome.lines.filter { $0.hasPrefix("task ") }.map { $0.split(separator: " ") }
        #expect(!tasks.isEmpty && tasks.allSatisfy { $0[2] == "\(me)" }, "\(outcome)")
        // .bss started at 5: every task visited counts on top of it.
        let visited = Int(outcome.lines.last?.split(separator: " ").first?.dropFirst("visited=".count) ?? "") ?? 0
        #expect(visited >= 5 + tasks.count, "\(outcome)")
    }

    @Test("every bad setting is one error line and exit 255, before anything loads", arguments: Repo.binaries)
    func refused(binary: String) throws {
        for (setting, message) in [
            ("nope=1", "no variable 'nope' to set in the object"),
            ("targ_tgi=1", "(did you mean targ_tgid?)"),
            ("limits.nope=1", "limits (const volatile struct limits) has no member 'nope'"),
            ("ports[4]=1", "index 4 is out of range for ports (const volatile __u32[4]): 0 to 3"),
            ("targ_tgid=x", "targ_tgid: 'x' is not a value of type 'const volatile pid_t': expected an integer from -2147483648 to 2147483647"),
            ("show_threads=2", "show_threads: '2' is not a value of type 'const volatile bool'"),
            ("mode=MODE_NONE", "mode: 'MODE_NONE' is not a value of type 'const volatile enum mode'"),
            ("shown=-1", "shown: -1 is out of range for type '__u32': expected an integer from 0 to 4294967295"),
            ("target_comm=0123456789abcdef", "target_comm: '0123456789abcdef' is 16 bytes, but 'const volatile char[16]' holds at most 15 and a NUL"),
            ("LINUX_KERNEL_VERSION=1", "'LINUX_KERNEL_VERSION' is a __kconfig extern"),
            ("title", "set title: 'title' is not NAME=VALUE: no '='"),
        ] {
            let outcome = try run(binary, ["-d", "run", Self.object, "set", setting])
            let errors = outcome.stderr.split(separator: "\n").filter { !$0.hasPrefix("iter: ") }
            #expect(outcome.status == 255, "\(setting): \(outcome)")
            #expect(
                errors.count == 1 && errors.first?.hasPrefix("Error: ") == true && errors.first?.contains(message) == true,
                "\(setting): \(outcome)")
            #expect(!outcome.stderr.contains("loaded:") && outcome.stdout.isEmpty, "\(setting) loaded something: \(outcome)")
        }
        let twice = try run(binary, ["run", Self.object, "set", "ports=1,2", "set", "ports[3]=9"])
        #expect(twice.status == 255 && twice.stderr.hasPrefix("Error: ports[3] "), "\(twice)")
    }

    @Test(
        "show reads back the values a pin was set with, as set clauses and as JSON",
        .enabled(if: Repo.isRoot, "needs root: pins BPF programs"), arguments: Repo.binaries)
    func showReadBack(binary: String) throws {
        let dir = try BPFFSDirectory("setshow")
        let pin = try run(binary, ["pin", Self.object, dir.file("p"), "set", "targ_tgid=4321", "set", "limits.level=5", "set", "title=shown"])
        #expect(pin.status == 0, "\(pin)")
        let shown = try run(binary, ["show", dir.file("p")])
        let line = try #require(shown.lines.first { $0.hasPrefix("\tset ") }, "\(shown)")
        for clause in ["set targ_tgid=4321", "set limits.level=5", "set title=\"shown\"", "set ports=22,80,0,0", "set mode=MODE_LIST"] {
            #expect(line.contains(clause), "\(clause) not in \(line)")
        }
        // The line is set clauses a pin takes back: the same values again.
        let clauses = line.dropFirst().split(separator: " ").map(String.init).filter { $0 != "set" }
            .map { $0.replacingOccurrences(of: "\"", with: "") }
        let again = try run(binary, ["pin", Self.object, dir.file("q")] + clauses.flatMap { ["set", $0] })
        #expect(again.status == 0, "\(again)")
        #expect(try run(binary, ["show", dir.file("q")]).lines.contains(line))
        let json = try run(binary, ["-j", "show", dir.file("p")])
        let links = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let variables = try #require(links.first?["variables"] as? [String: Any])
        #expect(variables["targ_tgid"] as? Int == 4321 && variables["title"] as? String == "shown")
        #expect((variables["limits"] as? [String: Any])?["level"] as? Int == 5)
        // An object whose globals are all static (format strings) shows no set line.
        try #require(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t")]).status == 0)
        #expect(!(try run(binary, ["show", dir.file("t")]).stdout.contains("\tset ")))
    }

    @Test("info lists programs, maps and every settable variable with its type and default", arguments: Repo.binaries)
    func info(binary: String) throws {
        let outcome = try run(binary, ["info", Self.object])
        #expect(outcome.status == 0, "\(outcome)")
        for line in [
            "  snapshot: iter/task, target task, option task",
            "  iter_par.rodata: array, key 4, value 253, max_entries 1 (.rodata)",
            "  targ_tgid = 0  (const volatile pid_t, .rodata+0, 4 bytes)",
            "  show_threads = false  (const volatile bool, .rodata+4, 1 byte)",
            "  mode = MODE_LIST  (const volatile enum mode, .rodata+8, 4 bytes)",
            "  target_comm = \"\"  (const volatile char[16], .rodata+12, 16 bytes)",
            "  ports = {22,80,0,0}  (const volatile __u32[4], .rodata+28, 16 bytes)",
            "  snapshot_id = 65261  (const volatile __u64, .rodata.cfg+0, 8 bytes)",
            "  title = \"tasks\"  (char[16], .data+0, 16 bytes)",
            "  visited = 0  (__u64, .bss+8, 8 bytes)",
        ] {
            #expect(outcome.lines.contains(line), "missing \(line) in \(outcome)")
        }
        let mixed = try run(binary, ["info", Repo.fixture("iter_mixed_progs.bpf.o")])
        #expect(mixed.lines.contains("  on_open: kprobe/do_sys_open, kprobe program (not attached by iter)"), "\(mixed)")
        let nested = try run(binary, ["info", Repo.fixture("iter_map_in_map.bpf.o")])
        #expect(
            nested.lines.contains("  outer_hash: hash_of_maps, key 4, value 4, max_entries 4, inner array (key 4, value 8, max_entries 4)"),
            "\(nested)")
    }

    @Test("info -j is JSON with the same facts", arguments: Repo.binaries)
    func infoJSON(binary: String) throws {
        let outcome = try run(binary, ["-j", "info", Self.object])
        #expect(outcome.status == 0, "\(outcome)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let variables = try #require(document["variables"] as? [[String: Any]])
        let ports = try #require(variables.first { $0["name"] as? String == "ports" })
        #expect(ports["default"] as? [Int] == [22, 80, 0, 0] && ports["type"] as? String == "const volatile __u32[4]")
        let comm = try #require(variables.first { $0["name"] as? String == "target_comm" })
        #expect(comm["default"] as? String == "" && comm["size"] as? Int == 16)
        let programs = try #require(document["programs"] as? [[String: Any]])
        #expect(programs.first?["option"] as? String == "task")
    }

    @Test("a bad object or no object is one error", arguments: Repo.binaries)
    func infoErrors(binary: String) throws {
        let missing = try run(binary, ["info", "/nonexistent.o"])
        #expect(missing.status == 254 && missing.stderr == "Error: can't open objfile /nonexistent.o: No such file or directory (ENOENT)\n")
        let none = try run(binary, ["info"])
        #expect(none.status == 255 && none.stderr.hasPrefix("Error: 'info' needs an object file\n"))
    }
}
