@testable import BPFLoader
import BTFParser
import Bytes
import Testing
import TestSupport

/// Code put before a program (the main_thread_only filter) moves everything indexed by
/// instruction with it.
@Suite("code prepended to a program")
struct PrependTests {
    @Test("every instruction-indexed record moves; func_info 0 stays, line_info 0 is kept")
    func everythingMoves() {
        var program = PlannedProgram(
            name: "p", sectionName: "iter/task", target: "task", attachBTFID: 1, sleepable: false,
            instructions: [BPFInstruction](repeating: BPFInstruction(opcode: 0xb7), count: 10),
            mapReferences: [MapReference(instruction: 2, map: 0)])
        program.moduleReferences = [ModuleReference(instruction: 4, module: "m")]
        program.poisoned = [PoisonedInstruction(instruction: 6, note: COREPoisonNote(relocation: 0, reason: "r"))]
        program.sourceLines = [SourceLine(instruction: 8, file: "f.c", line: 1, column: 0, text: "x")]
        var funcs = ByteWriter(order: .host)
        for (offset, type) in [(0, 7), (5, 9)] as [(UInt32, UInt32)] { funcs.u32(offset); funcs.u32(type) }
        program.funcInfo = funcs.bytes
        program.funcInfoRecordSize = 8
        var lines = ByteWriter(order: .host)
        for offset in [0, 3] as [UInt32] { lines.u32(offset); lines.u32(1); lines.u32(2); lines.u32(3) }
        program.lineInfo = lines.bytes
        program.lineInfoRecordSize = 16

        program.prepend([BPFInstruction](repeating: BPFInstruction(opcode: BPFInstruction.exit), count: 7))

        #expect(program.instructions.count == 17)
        #expect(program.mapReferences.map { $0.instruction } == [9])
        #expect(program.moduleReferences.map { $0.instruction } == [11])
        #expect(program.poisoned.map { $0.instruction } == [13])
        #expect(program.sourceLines.map { $0.instruction } == [15])
        let funcView = ByteView(program.funcInfo)
        #expect([funcView.u32(at: 0, .host), funcView.u32(at: 8, .host)] == [0, 12])
        let lineView = ByteView(program.lineInfo)
        #expect([lineView.u32(at: 0, .host), lineView.u32(at: 16, .host), lineView.u32(at: 32, .host)] == [0, 7, 10])
    }

    @Test("main_thread_only with a __ksym found in a module's BTF patches the module's ld_imm64")
    func moduleKsymWithFilter() throws {
        let vmlinux = try KernelSnapshot.vmlinux()
        let int = try #require(vmlinux.typeIDs(named: "int", kind: .int).first)
        var module = CORETestBTF(splitOn: vmlinux)
        let variable = module.add("iter_test_module_counter", .variable(type: int, linkage: .global))
        let source = CORERecordingModules([("iter_test_mod", try module.btf(base: vmlinux))])
        let object = try BPFObjectFile(bytes: ByteView(try COREFixtureData.bytes("iter_module_ksym.bpf.o")), name: "iter_module_ksym")
        for mainThreadOnly in [false, true] {
            let plan = try Planner.plan(
                object, kernel: KernelTypes(vmlinux: vmlinux, modules: source.modules),
                facts: KernelFacts(), options: PlanOptions(mainThreadOnly: mainThreadOnly))
            let program = plan.selectedProgram
            let reference = try #require(program.moduleReferences.first)
            #expect(program.moduleReferences.count == 1 && reference.module == "iter_test_mod")
            let instruction = program.instructions[reference.instruction]
            #expect(instruction.isLoadImm64 && instruction.src == BPFInstruction.pseudoBTFID, "mainThreadOnly \(mainThreadOnly)")
            #expect(instruction.immediate == Int32(bitPattern: variable), "mainThreadOnly \(mainThreadOnly)")
        }
    }
}
