import Foundation
import Testing

/// Objects as real projects write them: iterators next to other program types, two iterators of
/// which the kernel refuses one, map-in-map and program arrays, with what bpftool does beside.
@Suite("real-world objects", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct RealWorldObjectTests {
    @Test("an iterator next to fentry, raw_tp, tp, kprobe, syscall and xdp programs pins and reads", arguments: Repo.binaries)
    func mixedPrograms(binary: String) throws {
        let dir = try BPFFSDirectory("mixed")
        let path = dir.file("tasks")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_mixed_progs.bpf.o"), path])
        #expect(outcome.status == 0, "\(outcome)")
        let lines = try readPinned(path).split(separator: "\n")
        #expect(lines.count > 10 && lines.allSatisfy { $0.hasPrefix("pid ") }, "\(lines.prefix(3))")
        // Only the iterator was loaded: none of the other programs exists in the kernel.
        let programs = try sh("bpftool prog list -j").stdout
        for name in ["on_nanosleep", "on_sys_enter", "on_getpid", "on_open", "pass_all"] {
            #expect(!programs.contains("\"\(name)\""), "\(name) was loaded")
        }
    }

    @Test("-d lists the programs left alone", arguments: Repo.binaries)
    func debugListsOthers(binary: String) throws {
        let outcome = try run(binary, ["-d", "run", Repo.fixture("iter_mixed_progs.bpf.o")])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("program 'on_nanosleep' (fentry/do_nanosleep): fentry program, not loaded (iter attaches iterators only)"))
        #expect(outcome.stderr.contains("program 'dump_maps' (iter/bpf_map): not loaded (not chosen; `prog dump_maps` attaches it)"))
    }

    @Test("prog NAME of a non-iterator program says what it is and lists the iterators", arguments: Repo.binaries)
    func notAnIterator(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_mixed_progs.bpf.o"), "prog", "on_open"])
        #expect(outcome.status == 255)
        #expect(outcome.stderr == "Error: can't load objfile \(Repo.fixture("iter_mixed_progs.bpf.o")): program 'on_open' in section 'kprobe/do_sys_open' is a kprobe program, not an iterator program (iterator programs: dump_task, dump_maps)\n")
    }

    @Test("the second iterator pins although the kernel refuses the first", arguments: Repo.binaries)
    func secondIterator(binary: String) throws {
        let dir = try BPFFSDirectory("second")
        let path = dir.file("files")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_refused_first.bpf.o"), path, "prog", "dump_files"])
        #expect(outcome.status == 0, "\(outcome)")
        let lines = try readPinned(path).split(separator: "\n")
        #expect(lines.count > 3 && lines.allSatisfy { $0.hasPrefix("pid ") && $0.contains(" fd ") })
    }

    @Test("a refusal before the verifier runs is not called a verifier rejection", arguments: Repo.binaries)
    func refusedBeforeVerifying(binary: String) throws {
        // On this host the kernel refuses map-element iterators with EPERM and an empty log.
        let plain = try run(binary, ["run", Repo.fixture("iter_refused_first.bpf.o")])
        #expect(plain.status != 0)
        if plain.stderr.contains("EPERM") {
            #expect(plain.stderr.contains("the kernel refused to load a program for target 'bpf_map_elem' before verifying it"))
            #expect(!plain.stderr.contains("verifier rejected"))
            #expect(!plain.stderr.contains("verifier log"))
        }
    }

    @Test("array of maps and hash of maps, with and without initialisers, read as bpftool reads them", arguments: Repo.binaries)
    func mapInMap(binary: String) throws {
        let expected = """
            outer_arr[0] present
            outer_arr[1] empty
            outer_arr[2] present
            outer_arr[3] empty
            outer_hash[1] present
            outer_empty[0] empty

            """
        let dir = try BPFFSDirectory("mim")
        let ours = dir.file("ours")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_map_in_map.bpf.o"), ours])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(try readPinned(ours) == expected)
        let theirs = dir.file("theirs")
        let bpftool = try run("/usr/sbin/bpftool", ["iter", "pin", Repo.fixture("iter_map_in_map.bpf.o"), theirs])
        #expect(bpftool.status == 0, "\(bpftool)")
        #expect(try readPinned(theirs) == expected)
    }

    @Test("a program array's programs are loaded and its slots filled: tail calls run", arguments: Repo.binaries)
    func programArray(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_prog_array.bpf.o")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.count == 3)
        #expect(outcome.lines.first == "main" && outcome.lines.last == "tail_b")
        #expect(outcome.lines.dropFirst().first?.hasPrefix("tail_a pid ") == true)
    }

    @Test("pinning an iterator whose program array nothing pins warns that its tail calls will fail", arguments: Repo.binaries)
    func programArrayPinWarning(binary: String) throws {
        let dir = try BPFFSDirectory("progarray")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_prog_array.bpf.o"), dir.file("p")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stderr.hasPrefix("Warning: program array 'jmp_table' is not pinned: the kernel empties it when iter exits"), "\(outcome)")
        // What the warning says: the kernel empties the array once iter's descriptor closed (from a
        // work queue, so shortly after iter exits).
        var read = ""
        for _ in 0..<50 {
            read = try String(contentsOfFile: dir.file("p"), encoding: .utf8)
            if read.contains("tail call 0 failed") { break }
            usleep(100_000)
        }
        #expect(read.contains("tail call 0 failed"), "\(read)")
        let json = try run(binary, ["-j", "pin", Repo.fixture("iter_prog_array.bpf.o"), dir.file("q")])
        #expect(json.status == 0 && json.stderr.isEmpty && json.stdout.contains("\"warnings\":[\"program array 'jmp_table'"), "\(json)")
    }

    @Test("a map left for the loader to size, or a slot beyond max_entries, is one error at planning", arguments: Repo.binaries)
    func refusedMaps(binary: String) throws {
        // bpftool's words and exit codes: an unsized map fails when libbpf creates it (EINVAL).
        for (fixture, words, status, reason) in [
            ("iter_unsized_map.bpf.o", "can't load objfile", Int32(256 - 22),
             "map 'threads': max_entries is unset (0): the object leaves its size to its loader; declare __uint(max_entries, N)"),
            ("iter_mim_index_out_of_range.bpf.o", "can't open objfile", Int32(255), "map 'outer_short': slot [3] ('inner_a') is beyond max_entries 2"),
        ] {
            let outcome = try run(binary, ["run", Repo.fixture(fixture)])
            #expect(outcome.status == status)
            #expect(outcome.stderr == "Error: \(words) \(Repo.fixture(fixture)): \(reason)\n")
        }
    }

    @Test("an option for a target that takes none is refused before anything loads", arguments: Repo.binaries)
    func misplacedOption(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_task.bpf.o"), "cgroup", "path", "/sys/fs/cgroup/unified"])
        #expect(outcome.status == 255, "\(outcome)")
        #expect(outcome.stderr.contains("target 'task' takes a 'task' option, not 'cgroup'"), "\(outcome.stderr)")
    }
}
