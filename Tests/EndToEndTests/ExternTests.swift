import Foundation
import Testing

/// `__kconfig` and `__ksym` externs against this machine's kernel.
@Suite("externs", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct ExternTests {
    /// The running kernel's config (this machine has /proc/config.gz; /boot/config-* otherwise).
    static func config(_ name: String) throws -> String? {
        let release = try sh("uname -r").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = try sh("cat /boot/config-\(release) 2>/dev/null || zcat /proc/config.gz").stdout
        return text.split(separator: "\n").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    @Test("kconfig values equal the kernel's config and uname -r", arguments: Repo.binaries)
    func kconfig(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_kconfig.bpf.o")])
        #expect(outcome.status == 0, "\(outcome)")
        let release = try sh("uname -r").stdout
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(3).map { min(Int($0) ?? 0, 255) }
        let hz = try #require(try Self.config("CONFIG_HZ"))
        #expect(outcome.lines.first == "hz \(hz) version \(numbers.map(String.init).joined(separator: "."))")
        let jit = try Self.config("CONFIG_BPF_JIT")
        let tristate = jit == "y" ? 1 : jit == "m" ? 2 : 0
        let hostname = (try Self.config("CONFIG_DEFAULT_HOSTNAME") ?? "\"\"").trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        // A char extern, printed as its code (bpf_seq_printf had no %c before 5.13): y, m, n or 0.
        let events = (try Self.config("CONFIG_BPF_EVENTS")?.utf8.first).map { String($0) } ?? "0"
        #expect(outcome.lines.dropFirst().first == "bpf_syscall 1 bpf_jit \(tristate) bpf_events \(events) hostname \(hostname)")
        #expect(outcome.lines.last == "missing 0 wrapper 1 cookie 1")
    }

    @Test("kfuncs: bpf_task_from_pid finds each process again; weak ones guarded by bpf_ksym_exists", arguments: Repo.binaries)
    func kfunc(binary: String) throws {
        let strong = try run(binary, ["run", Repo.fixture("iter_kfunc.bpf.o")])
        #expect(strong.status == 0, "\(strong)")
        #expect(strong.lines.count > 10)
        #expect(strong.lines.allSatisfy { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == parts[1]
        })
        let weak = try run(binary, ["-d", "run", Repo.fixture("iter_kfunc_weak.bpf.o")])
        #expect(weak.status == 0, "\(weak)")
        #expect(weak.lines.first?.hasPrefix("bpf_task_from_pid ") == true)
        #expect(weak.stderr.contains("extern (ksym) 'bpf_iter_no_such_kfunc': no kernel function 'bpf_iter_no_such_kfunc', weak: missing"))
    }

    @Test("typed ksyms need kernel data symbols: values where kallsyms has them, a clear reason where not",
          arguments: Repo.binaries)
    func ksyms(binary: String) throws {
        let outcome = try run(binary, ["run", Repo.fixture("iter_ksyms.bpf.o")])
        let kallsyms = try String(contentsOfFile: "/proc/kallsyms", encoding: .utf8)
        if kallsyms.contains(" runqueues\n") {
            #expect(outcome.status == 0, "\(outcome)")
            let address = try #require(kallsyms.split(separator: "\n").first { $0.hasSuffix(" bpf_iter_run_prog") })
            let hex = String(address.prefix { $0 != " " }.drop { $0 == "0" })
            #expect(outcome.lines.contains("bpf_iter_run_prog \(hex)"))
        } else {
            // This kernel is built without CONFIG_KALLSYMS_ALL: no data symbols for the kernel to place.
            #expect(outcome.status != 0)
            #expect(outcome.stderr.contains("CONFIG_KALLSYMS_ALL is off"), "\(outcome)")
        }
    }

    @Test("a .kconfig over 1 MiB is refused, naming the extern that does not fit", arguments: Repo.binaries)
    func kconfigTooBig(binary: String) throws {
        let object = Repo.fixture("iter_kconfig_too_big.bpf.o")
        let outcome = try run(binary, ["run", object])
        #expect(outcome.status == 255, "\(outcome)")
        #expect(outcome.stdout.isEmpty, "\(outcome)")
        #expect(outcome.stderr == "Error: can't open objfile \(object): extern 'CONFIG_ITER_BIG_16': "
                + ".kconfig would be 1114112 bytes, more than the 1048576 iter accepts\n", "\(outcome)")
    }

    @Test("an extern with no kernel counterpart names itself", arguments: Repo.binaries)
    func missingExtern(binary: String) throws {
        // iter_kfunc's kfuncs exist here; a kernel without them is covered by the matrix (5.10, 6.1).
        let outcome = try run(binary, ["run", Repo.fixture("iter_kfunc_weak.bpf.o")])
        #expect(outcome.status == 0)
    }

    @Test("a ksym no kernel has is a load failure in bpftool's words and exit code (ESRCH)", arguments: Repo.binaries)
    func strongMissingKsym(binary: String) throws {
        let object = Repo.fixture("iter_module_ksym.bpf.o")
        let outcome = try run(binary, ["run", object])
        #expect(outcome.status == 256 - 3, "\(outcome)")
        #expect(outcome.stderr == "Error: can't load objfile \(object): extern 'iter_test_module_counter': "
                + "no kernel variable 'iter_test_module_counter' in vmlinux or module BTF\n", "\(outcome)")
    }

    @Test("a function defined in another object stops only the program that calls it", arguments: Repo.binaries)
    func undefinedFunction(binary: String) throws {
        let object = Repo.fixture("iter_undefined_func.bpf.o")
        let first = try run(binary, ["run", object])
        #expect(first.status == 255, "\(first)")
        #expect(first.stderr == "Error: can't open objfile \(object): function 'lib_task_weight' is called but not defined in this "
                + "object (and not declared __ksym): link the object with the one that defines it (bpftool gen object), "
                + "or declare a kfunc __ksym\n", "\(first)")
        let other = try run(binary, ["run", object, "prog", "dump_pids"])
        #expect(other.status == 0, "\(other)")
        #expect(other.lines.count > 10 && other.lines.allSatisfy { Int($0) != nil }, "\(other)")
    }

    @Test("the object's .rodata is bound to the program, as libbpf binds it", .enabled(if: Repo.hasBpftool, "needs bpftool"),
          arguments: Repo.binaries)
    func rodataBound(binary: String) throws {
        let dir = try BPFFSDirectory("rodata")
        let pin = try run(binary, ["-j", "pin", Repo.fixture("iter_task.bpf.o"), dir.file("t")])
        #expect(pin.status == 0, "\(pin)")
        let id = try #require(pin.stdout.split(separator: ",").first { $0.hasPrefix("\"prog_id\":") }?.split(separator: ":").last)
        let shown = try run("/usr/sbin/bpftool", ["-j", "prog", "show", "id", String(id)])
        let maps = try run("/usr/sbin/bpftool", ["-j", "map", "show"])
        // The program's map_ids include the map named iter_tas.rodata.
        let programMaps = try #require(shown.stdout.split(separator: "[").dropFirst().first?.split(separator: "]").first)
        for mapID in programMaps.split(separator: ",") {
            if maps.stdout.contains("{\"id\":\(mapID),\"type\":\"array\",\"name\":\"iter_tas.rodata\"") { return }
        }
        Issue.record("no .rodata among the program's maps: \(shown.stdout)")
    }
}
