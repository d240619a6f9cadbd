@testable import BPFLoader
import BTFParser
import Bytes
import SyscallBPF
import Testing
import TestSupport

/// The settable globals of an object, checking settings against them, and planning with them:
/// all from the object's bytes, nothing loaded.
@Suite("global variables and their settings")
struct VariableTests {
    static func object(_ fixture: String = "iter_params") throws -> IteratorObject {
        try IteratorObject(bytes: try COREFixtureData.bytes(fixture + ".bpf.o"), name: fixture)
    }

    static func assignments(_ settings: [String]) throws -> [VariableAssignment] {
        var assignments: [VariableAssignment] = []
        for text in settings { assignments.append(try VariableAssignment(parsing: text)) }
        return assignments
    }

    /// The settings checked against `fixture`'s variables (as planning checks them).
    static func resolve(_ settings: [String], fixture: String = "iter_params") throws -> VariableSettings {
        let object = try object(fixture)
        return try Planner.checkSettings(try assignments(settings), object: object.file, prepared: Planner.prepare(object.file))
    }

    /// The message of the error resolving `settings` throws.
    static func failure(_ settings: [String], fixture: String = "iter_params") -> String? {
        do {
            _ = try resolve(settings, fixture: fixture)
            return nil
        } catch let error as IteratorError {
            guard case .variable = error else { return "not a variable error: \(error)" }
            return error.description
        } catch let error as LoadError {
            guard case .variable = error else { return "not a variable error: \(error)" }
            return error.description
        } catch {
            return "\(error)"
        }
    }

    @Test("every non-static global of .rodata, .rodata.cfg, .data and .bss, placed, typed as C, with its default")
    func listing() throws {
        let variables = try Self.object().variables
        let rows = variables.map { v in
            "\(v.section) \(v.offset) \(v.size) \(v.type) \(v.name) = " + ((try? v.defaultValue.get())?.description ?? "?")
        }
        #expect(
            rows == [
                ".rodata 0 4 const volatile pid_t targ_tgid = 0",
                ".rodata 4 1 const volatile bool show_threads = false",
                ".rodata 8 4 const volatile enum mode mode = MODE_LIST",
                ".rodata 12 16 const volatile char[16] target_comm = \"\"",
                ".rodata 28 16 const volatile __u32[4] ports = {22,80,0,0}",
                ".rodata 44 8 const volatile struct limits limits = {max_tasks=0 min_pid=0 verbose=0 level=1 delta=-2}",
                ".rodata.cfg 0 8 const volatile __u64 snapshot_id = 65261",
                ".data 0 16 char[16] title = \"tasks\"",
                ".bss 0 4 __u32 shown = 0",
                ".bss 8 8 __u64 visited = 0",
            ])
        // Static format strings, the kconfig extern and the license are not settable.
        #expect(!variables.contains { $0.name.hasPrefix("snapshot.") || $0.name == "LINUX_KERNEL_VERSION" || $0.name == "LICENSE" })
        #expect(try Self.object("iter_task").variables.isEmpty)  // only static format strings
    }

    @Test("settings become bytes at their offsets in their sections, bitfields under a mask")
    func resolving() throws {
        let settings = try Self.resolve([
            "targ_tgid=1234", "mode=MODE_COUNT", "target_comm=bash", "ports[2]=443",
            "limits.level=7", "snapshot_id=0xabc", "visited=5",
        ])
        let writes = settings.writes.map { "\($0.section) \($0.patch.offset) \($0.patch.bytes) \($0.patch.mask.contains { $0 != 0xff })" }
        #expect(
            writes == [
                ".rodata 0 [210, 4, 0, 0] false",
                ".rodata 8 [1, 0, 0, 0] false",
                ".rodata 12 \(Array("bash".utf8) + [UInt8](repeating: 0, count: 12)) false",
                ".rodata 36 [187, 1, 0, 0] false",
                ".rodata 50 [14] true",
                ".rodata.cfg 0 [188, 10, 0, 0, 0, 0, 0, 0] false",
                ".bss 8 [5, 0, 0, 0, 0, 0, 0, 0] false",
            ])
    }

    @Test("refusals name the variable and what was expected")
    func refusals() {
        #expect(Self.failure(["targ_pid=1"]) == "no variable 'targ_pid' to set in the object (did you mean targ_tgid?)")
        #expect(Self.failure(["comm=x"]) == "no variable 'comm' to set in the object (did you mean target_comm?)")
        #expect(
            Self.failure(["zzz=1"]) == "no variable 'zzz' to set in the object (settable: targ_tgid, show_threads, mode, "
                + "target_comm, ports, limits, snapshot_id, title, shown, visited)")
        #expect(Self.failure(["x=1"], fixture: "iter_task") == "no variable 'x' to set in the object (it has none that can be set)")
        #expect(
            Self.failure(["LINUX_KERNEL_VERSION=1"])
                == "'LINUX_KERNEL_VERSION' is a __kconfig extern: the loader fills it in from the running kernel, it cannot be set")
        #expect(
            Self.failure(["bpf_task_from_pid=1"], fixture: "iter_kfunc")
                == "'bpf_task_from_pid' is a __ksym extern: the loader resolves it in the running kernel, it cannot be set")
        #expect(Self.failure(["targ_tgid"]) == "'targ_tgid' is not NAME=VALUE: no '='")
        #expect(Self.failure(["targ_tgid=1", "targ_tgid=2"]) == "targ_tgid is set twice")
        #expect(Self.failure(["ports=1,2", "ports[1]=5"]) == "ports[1] is set twice (ports sets it too)")
        #expect(Self.failure(["limits.level=1", "limits.verbose=1", "limits.delta=-1"]) == nil)  // neighbouring bits
        #expect(
            Self.failure(["targ_tgid=abc"])
                == "targ_tgid: 'abc' is not a value of type 'const volatile pid_t': expected an integer from -2147483648 to 2147483647 (decimal, 0x hex, 0o octal or 0b binary)")
        #expect(
            Self.failure(["target_comm=0123456789abcdef"])
                == "target_comm: '0123456789abcdef' is 16 bytes, but 'const volatile char[16]' holds at most 15 and a NUL")
        #expect(
            Self.failure(["limits.nope=1"])
                == "limits (const volatile struct limits) has no member 'nope' (its members: max_tasks, min_pid, verbose, level, delta)")
        #expect(Self.failure(["ports[4]=1"]) == "index 4 is out of range for ports (const volatile __u32[4]): 0 to 3")
        #expect(
            Self.failure(["limits=1"])
                == "limits: type 'const volatile struct limits' cannot be set from text: set each member of the struct on its own, NAME.member=VALUE (members: max_tasks, min_pid, verbose, level, delta)"
        )
        #expect(Self.failure(["limits..x=1"]) == "'limits..x' is not a variable path (NAME, NAME.member, NAME[index]): '.' at 7 cannot start a name")
        #expect(
            Self.failure(["show_threads=yes"])
                == "show_threads: 'yes' is not a value of type 'const volatile bool': expected true, false, 1 or 0")
    }

    @Test("planning writes the settings into the maps: .rodata still frozen, .bss given a value")
    func planning() throws {
        let object = try Self.object()
        let settings = try Self.assignments(["targ_tgid=1", "show_threads=true", "title=snap", "shown=3", "snapshot_id=7"])
        let kernel = try KernelSnapshot.kernel()
        let plain = try Planner.plan(object.file, kernel: kernel, facts: KernelFacts())
        let plan = try Planner.plan(object.file, kernel: kernel, facts: KernelFacts(), options: PlanOptions(settings: settings))
        func map(_ plan: LoadPlan, _ section: String) throws -> PlannedMap {
            try #require(plan.maps.first { $0.origin == .globalData(section == ".bss" ? .bss : section == ".data" ? .data : .rodata, section: section) })
        }
        let rodata = try map(plan, ".rodata"), before = try map(plain, ".rodata")
        #expect(rodata.freeze && rodata.attributes.flags == before.attributes.flags)
        var expected = try #require(before.initialValue)
        expected.replaceSubrange(0..<5, with: [1, 0, 0, 0, 1])
        #expect(rodata.initialValue == expected)
        #expect(try map(plan, ".data").initialValue == Array("snap".utf8) + [UInt8](repeating: 0, count: 12))
        #expect(try map(plain, ".bss").initialValue == nil)
        #expect(try map(plan, ".bss").initialValue == [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try map(plan, ".rodata.cfg").initialValue == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(plan.notes.contains("map 'iter_par.rodata': set targ_tgid=1 (4 bytes at offset 0)"))
        #expect(plan.notes.contains("map 'iter_par.bss': set shown=3 (4 bytes at offset 0)"))
        #expect(plan.notes.contains("map 'iter_par.rodata': set show_threads=true (1 byte at offset 4)"))
    }

    @Test("applying refuses a section with no map and a write past a map's value")
    func applying() {
        var maps = [
            PlannedMap(
                name: "x.bss", origin: .globalData(.bss, section: ".bss"),
                attributes: MapAttributes(type: MapType.array, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0),
                initialValue: nil, freeze: false)
        ]
        var notes: [String] = []
        func apply(_ section: String, _ patch: BTFPatch) -> String? {
            var settings = VariableSettings()
            settings.writes = [.init(section: section, patch: patch, assignment: VariableAssignment(path: BTFPath(root: "v"), value: "1"))]
            do {
                try settings.apply(to: &maps, notes: &notes)
                return nil
            } catch {
                return error.description
            }
        }
        #expect(apply(".data", BTFPatch(offset: 0, bytes: [1])) == "section '.data': its variables are set, but it has no map")
        #expect(apply(".bss", BTFPatch(offset: 2, bytes: [1, 2, 3])) == "section '.bss': setting v=1 lies outside its 4 bytes")
        #expect(apply(".bss", BTFPatch(offset: 2, bytes: [1, 2])) == nil)
        #expect(maps[0].initialValue == [0, 0, 1, 2])
    }
}
