@testable import BPFLoader
@testable import BTFParser
import Bytes
import ELFReader
import Foundation
import Testing
import TestSupport

/// CO-RE against a real kernel's BTF: the committed snapshot (Tests/Data, any machine), and this
/// machine's own kernel where it has one (untrimmed, another version: the same answers computed
/// independently of the relocator).
@Suite("CO-RE against kernel BTF")
struct COREKernelTests {
    static let noHostBTF: Comment = "this machine has no readable /sys/kernel/btf/vmlinux (kernel without CONFIG_DEBUG_INFO_BTF)"

    @Test("task_struct.pid and task_struct.comm resolve to the kernel's offsets (snapshot)")
    func taskStruct() throws { try Self.taskStruct(KernelSnapshot.vmlinux()) }

    @Test("task_struct.pid and task_struct.comm resolve to the kernel's offsets (this host's kernel)",
          .enabled(if: COREKernelBTF.available, noHostBTF))
    func taskStructHost() throws { try Self.taskStruct(COREKernelBTF.load()) }

    @Test("an enum value and a missing field (snapshot)")
    func enumAndMissing() throws { try Self.enumAndMissing(KernelSnapshot.vmlinux()) }

    @Test("an enum value and a missing field (this host's kernel)", .enabled(if: COREKernelBTF.available, noHostBTF))
    func enumAndMissingHost() throws { try Self.enumAndMissing(COREKernelBTF.load()) }

    @Test("the committed iter_task object relocates cleanly (snapshot)")
    func fixtureObject() throws { try Self.fixtureObject(KernelSnapshot.vmlinux()) }

    @Test("the committed iter_task object relocates cleanly (this host's kernel)", .enabled(if: COREKernelBTF.available, noHostBTF))
    func fixtureObjectHost() throws { try Self.fixtureObject(COREKernelBTF.load()) }

    /// task_struct's top-level member `name` in vmlinux, decoded here independently of the relocator.
    static func member(_ name: String, of structName: String, in btf: BTF) throws -> (bitOffset: UInt32, size: UInt64) {
        let ids = btf.typeIDs(named: structName, kind: .structure)
        #expect(ids.count == 1, "vmlinux has \(ids.count) struct \(structName)")
        let type = try btf.type(try #require(ids.first))
        let member = try #require(type.members.first { btf.string(at: $0.nameOffset)?.string == name })
        return (member.bitOffset, try btf.size(of: member.type))
    }

    static func taskStruct(_ vmlinux: BTF) throws {
        let pid = try Self.member("pid", of: "task_struct", in: vmlinux)
        let comm = try Self.member("comm", of: "task_struct", in: vmlinux)

        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let char = local.int("char", size: 1, signed: true)
        let index = local.int("__ARRAY_SIZE_TYPE__")
        let commType = local.array(char, count: 16, index: index)
        let task = local.structure("task_struct", size: 20, [("pid", int, 0, 0), ("comm", commType, 32, 0)])
        let pidAccess = local.string("0:0"), commAccess = local.string("0:1")

        var code = [COREInsn.load(0), COREInsn.add(4), COREInsn.move(4), COREInsn.move(16), COREInsn.exit]
        let fixups = try CORERelocationCase(local: local, target: vmlinux).relocate([
            .at(0, task, pidAccess, .fieldByteOffset), .at(1, task, commAccess, .fieldByteOffset),
            .at(2, task, pidAccess, .fieldByteSize), .at(3, task, commAccess, .fieldByteSize),
        ], code)
        #expect(fixups.allSatisfy { !$0.poisoned })
        #expect(fixups[0].newValue == UInt64(pid.bitOffset / 8))
        #expect(fixups[1].newValue == UInt64(comm.bitOffset / 8))
        #expect(fixups[2].newValue == pid.size)
        #expect(fixups[3].newValue == comm.size)
        #expect(fixups[0].targetSpec?.contains("struct task_struct.pid") == true)

        try CORERelocator.apply(fixups, to: &code)
        #expect(code[0].offset == Int16(pid.bitOffset / 8))
        #expect(code[1].immediate == Int32(comm.bitOffset / 8))
    }

    static func enumAndMissing(_ vmlinux: BTF) throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let task = local.structure("task_struct", size: 4, [("no_such_field_anywhere", int, 0, 0)])
        // BPF_MAP_TYPE_ARRAY is 2 in every kernel.
        let mapType = local.enumeration("bpf_map_type", [("BPF_MAP_TYPE_UNSPEC", 0), ("BPF_MAP_TYPE_ARRAY", 7)])
        let first = local.string("0:0"), array = local.string("1")
        let fixups = try CORERelocationCase(local: local, target: vmlinux).relocate([
            .at(0, task, first, .fieldByteOffset), .at(1, mapType, array, .enumValue),
        ], [COREInsn.load(0)] + COREInsn.wide(7))
        #expect(fixups[0].failure == "field 'task_struct.no_such_field_anywhere' not found in kernel")
        #expect(fixups[1].newValue == 2)
    }

    static func fixtureObject(_ vmlinux: BTF) throws {
        let pid = try Self.member("pid", of: "task_struct", in: vmlinux)
        let elf = try ELFFile(ByteView(try COREFixtureData.bytes("iter_task.bpf.o")))
        let btfSection = try #require(elf.section(named: ".BTF"))
        let extSection = try #require(elf.section(named: ".BTF.ext"))
        let btf = try BTF(elf.data(of: btfSection))
        let ext = try BTFExt(elf.data(of: extSection))
        #expect(!ext.coreRelocations.isEmpty)
        var pidSeen = false
        for group in ext.coreRelocations {
            let sectionName = try #require(btf.string(at: group.sectionNameOffset)?.string)
            let section = try #require(elf.section(named: sectionName))
            var code = BPFInstruction.decodeAll(elf.data(of: section), elf.order)
            let candidates = CORECandidateIndex(local: btf, rootTypeIDs: group.records.map { $0.typeID }, kernel: KernelTypes(vmlinux: vmlinux))
            let fixups = try CORERelocator.relocate(local: btf, candidates: candidates, records: group.records,
                                                    instructions: code, section: sectionName, program: "dump_task")
            #expect(fixups.count == group.records.count)
            for fixup in fixups {
                #expect(!fixup.poisoned, "\(fixup.description)")
                if fixup.localSpec.contains("task_struct.pid (") {
                    #expect(fixup.newValue == UInt64(pid.bitOffset / 8))
                    pidSeen = true
                }
            }
            try CORERelocator.apply(fixups, to: &code)
        }
        #expect(pidSeen)
    }
}

@Suite("verifier logs of poisoned CO-RE instructions")
struct COREVerifierLogTests {
    static let log = """
        func#0 @0
        0: R1=ctx() R10=fp0
        ; struct task_struct *task = ctx->task; @ iter_task.bpf.c:11
        0: (79) r6 = *(u64 *)(r1 +8)          ; R1=ctx() R6_w=ptr_or_null_task_struct(id=1)
        ; if (task == NULL) @ iter_task.bpf.c:13
        1: (15) if r6 == 0x0 goto pc+3        ; R6_w=ptr_task_struct()
        2: (85) call unknown#195896080
        invalid func unknown#195896080
        processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

        """

    @Test("the poisoned call the verifier stopped at names its relocation")
    func explain() {
        let notes = [2: COREPoisonNote(relocation: 3, reason: "field 'task_struct.foo' not found in kernel"),
                     9: COREPoisonNote(relocation: 4, reason: "field 'task_struct.bar' not found in kernel")]
        #expect(COREVerifierLog.failedInstruction(in: Self.log) == 2)
        #expect(COREVerifierLog.explain(Self.log, poisoned: notes)?.description == "relo #3: field 'task_struct.foo' not found in kernel")
    }

    @Test("other failures and unknown instructions are left alone")
    func unrelated() {
        let notes = [7: COREPoisonNote(relocation: 1, reason: "x"), 9: COREPoisonNote(relocation: 2, reason: "y")]
        #expect(COREVerifierLog.explain("0: (95) exit\nR0 !read_ok\n", poisoned: notes) == nil)
        #expect(COREVerifierLog.failedInstruction(in: "0: (95) exit\nR0 !read_ok\n") == nil)
        #expect(COREVerifierLog.explain(Self.log, poisoned: notes) == nil)
        #expect(COREVerifierLog.explain(Self.log, poisoned: [:]) == nil)
    }

    @Test("a log cut before the instruction line still names the only poisoned relocation")
    func truncated() {
        let log = "invalid func unknown#195896080\nprocessed 3 insns\n"
        #expect(COREVerifierLog.failedInstruction(in: log) == nil)
        #expect(COREVerifierLog.explain(log, poisoned: [5: COREPoisonNote(relocation: 0, reason: "gone")])?.description == "relo #0: gone")
        #expect(COREVerifierLog.explain(log, poisoned: [5: COREPoisonNote(relocation: 0, reason: "a"),
                                                        6: COREPoisonNote(relocation: 1, reason: "b")]) == nil)
    }

    @Test("poison notes come from fixups, by section instruction index")
    func notesFromFixups() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let s = local.structure("gone", size: 4, [("x", int, 0, 0)])
        let x = local.string("0:0")
        let fixups = try CORERelocationCase(local: local, target: try local.btf())
            .relocate([.at(1, s, x, .fieldByteOffset)], [COREInsn.move(0), COREInsn.load(0)])
        #expect(fixups[0].newValue == 0 && !fixups[0].poisoned)  // found in itself
        var empty = CORETestBTF()
        _ = empty.int("int", signed: true)
        let missing = try CORERelocationCase(local: local, target: try empty.btf())
            .relocate([.at(1, s, x, .fieldByteOffset)], [COREInsn.move(0), COREInsn.load(0)])
        #expect(CORERelocator.poisonNotes(missing) == [1: COREPoisonNote(relocation: 0, reason: "field 'gone.x' not found in kernel (no struct 'gone' in kernel BTF)")])
    }
}
