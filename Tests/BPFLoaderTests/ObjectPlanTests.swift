@testable import BPFLoader
import Bytes
import CLinuxBPF
import SyscallBPF
import Testing
import TestSupport

/// Planning real-world objects: only the chosen iterator (and the programs its program arrays
/// name) is planned; map-in-map and program arrays as libbpf creates them; unsized maps. Against
/// the committed kernel snapshot, with fixed facts.
@Suite("planning objects with other programs, map-in-map and program arrays")
struct ObjectPlanTests {
    static func plan(_ fixture: String, program: String? = nil) throws -> LoadPlan {
        let object = try BPFObjectFile(bytes: ByteView(try COREFixtureData.bytes(fixture + ".bpf.o")), name: fixture)
        return try Planner.plan(object, kernel: try KernelSnapshot.kernel(), facts: try KernelSnapshot.facts(),
                                options: PlanOptions(programName: program))
    }

    static func failure(_ fixture: String, program: String? = nil) throws -> String {
        do {
            _ = try plan(fixture, program: program)
        } catch let error as LoadError {
            return error.description
        }
        Issue.record("planning \(fixture) succeeded")
        return ""
    }

    @Test("an iterator among fentry, raw_tp, tp, kprobe, syscall and xdp programs: only it is planned")
    func mixedPrograms() throws {
        let plan = try Self.plan("iter_mixed_progs")
        #expect(plan.programs.map { $0.name } == ["dump_task"])
        #expect(plan.selectedProgram.target == "task")
        for (name, section) in [("on_nanosleep", "fentry/do_nanosleep"), ("on_sys_enter", "raw_tp/sys_enter"),
                                ("on_getpid", "tp/syscalls/sys_enter_getpid"), ("on_open", "kprobe/do_sys_open"),
                                ("reset", "syscall"), ("pass_all", "xdp")] {
            #expect(plan.notes.contains { $0.hasPrefix("program '\(name)' (\(section)): ") && $0.hasSuffix("not loaded (iter attaches iterators only)") },
                    "no note for \(name)")
        }
        #expect(plan.notes.contains("program 'dump_maps' (iter/bpf_map): not loaded (not chosen; `prog dump_maps` attaches it)"))
        // Every map of the object is still created.
        #expect(plan.maps.map { $0.name } == ["seen", "iter_mix.bss", "iter_mix.rodata"])
    }

    @Test("prog NAME picks the second iterator; naming another program type says what it is")
    func choosingByName() throws {
        #expect(try Self.plan("iter_mixed_progs", program: "dump_maps").programs.map { $0.name } == ["dump_maps"])
        #expect(try Self.failure("iter_mixed_progs", program: "on_nanosleep")
            == "program 'on_nanosleep' in section 'fentry/do_nanosleep' is a fentry program, not an iterator program (iterator programs: dump_task, dump_maps)")
        #expect(try Self.failure("iter_mixed_progs", program: "nope")
            == "no program named 'nope' in the object (programs: dump_task, dump_maps)")
    }

    @Test("the second iterator of an object plans without the first, whose target may be refused")
    func secondIteratorAlone() throws {
        let first = try Self.plan("iter_refused_first")
        #expect(first.programs.map { $0.name } == ["dump_elems"])
        let second = try Self.plan("iter_refused_first", program: "dump_files")
        #expect(second.programs.map { $0.name } == ["dump_files"])
        #expect(second.selectedProgram.target == "task_file")
    }

    @Test("array of maps and hash of maps: inner template, slots, no BTF for the outer maps")
    func mapInMap() throws {
        let plan = try Self.plan("iter_map_in_map")
        func map(_ name: String) -> PlannedMap? { plan.maps.first { $0.name == name } }
        func index(_ name: String) -> Int? { plan.maps.firstIndex { $0.name == name } }
        let inner = try #require(map("outer_arr")?.innerMap)
        #expect(inner.type == UInt32(2) && inner.maxEntries == 4 && inner.keySize == 4 && inner.valueSize == 8)
        #expect(inner.name == "outer_arr.inner")
        let outer = try #require(map("outer_arr"))
        #expect(outer.attributes.valueSize == 4 && outer.attributes.btfKeyTypeID == 0 && outer.attributes.btfValueTypeID == 0)
        let a = try #require(index("inner_a")), b = try #require(index("inner_b"))
        #expect(outer.slots == [MapSlot(index: 0, target: .map(a), targetName: "inner_a"),
                                MapSlot(index: 2, target: .map(b), targetName: "inner_b")])
        #expect(map("outer_hash")?.slots == [MapSlot(index: 1, target: .map(b), targetName: "inner_b")])
        #expect(map("outer_empty")?.slots == [])
        #expect(map("outer_empty")?.innerMap != nil)
    }

    @Test("a program array loads the programs its slots name, after the chosen one")
    func programArray() throws {
        let plan = try Self.plan("iter_prog_array")
        #expect(plan.programs.map { $0.name } == ["dump_task", "tail_a", "tail_b"])
        #expect(plan.selectedProgram.name == "dump_task")
        let table = try #require(plan.maps.first { !$0.slots.isEmpty })
        #expect(table.slots == [MapSlot(index: 0, target: .program(1), targetName: "tail_a"),
                                MapSlot(index: 1, target: .program(2), targetName: "tail_b")])
    }

    @Test("what the kernel would refuse is found while planning, naming the map and the slot")
    func refusedDeclarations() throws {
        #expect(try Self.failure("iter_unsized_map")
            == "map 'threads': max_entries is unset (0): the object leaves its size to its loader; declare __uint(max_entries, N)")
        #expect(try Self.failure("iter_mim_index_out_of_range") == "map 'outer_short': slot [3] ('inner_a') is beyond max_entries 2")
        #expect(try Self.failure("iter_mim_no_inner")
            == "map 'outer_bare': map-in-map without an inner map definition (declare it with __array(values, struct …))")
    }
}

@Suite("map sizes the loader fills in")
struct MapSizeTests {
    @Test("possible CPU lists", arguments: [("0", 1), ("0-1\n", 2), ("0-3,8-11", 12), ("0,2", 3)] as [(String, UInt32)])
    func possibleCPUs(list: String, count: UInt32) {
        #expect(PossibleCPUs.count(list) == count)
    }

    @Test("malformed CPU lists are unknown", arguments: ["", "x", "3-1", "0-", "1-2-3"])
    func malformedCPUs(list: String) {
        #expect(PossibleCPUs.count(list) == nil)
    }

    @Test("a perf event array left unsized gets one entry per possible CPU; other types are an error")
    func unsized() throws {
        var notes: [String] = []
        var perf = MapAttributes(type: MapType.perfEventArray, keySize: 4, valueSize: 4, maxEntries: 0, name: "events")
        try Planner.size(&perf, facts: KernelFacts(possibleCPUs: 6), notes: &notes)
        #expect(perf.maxEntries == 6)
        var unknown = perf
        unknown.maxEntries = 0
        #expect(throws: LoadError.self) { try Planner.size(&unknown, facts: KernelFacts(), notes: &notes) }
        var storage = MapAttributes(type: UInt32(BPF_MAP_TYPE_TASK_STORAGE.rawValue), keySize: 4, valueSize: 8, maxEntries: 0, name: "st")
        try Planner.size(&storage, facts: KernelFacts(), notes: &notes)
        #expect(storage.maxEntries == 0)
    }
}
