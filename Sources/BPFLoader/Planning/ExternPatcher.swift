import ELFReader
import BTFParser

/// Rewrites the instructions that refer to externs, as libbpf's bpf_object__relocate_data does:
///
/// - ld_imm64 of a kconfig extern: BPF_PSEUDO_MAP_VALUE into the `.kconfig` map at its offset;
/// - ld_imm64 of a kernel variable or function: BPF_PSEUDO_BTF_ID with its id (and the module's
///   BTF fd in the second half when it lives in a module);
/// - ld_imm64 of an untyped ksym: its address; of a missing weak extern: 0;
/// - call of a kfunc: BPF_PSEUDO_KFUNC_CALL with its id (offset: index of its module in fd_array);
///   a missing weak kfunc: a poisoned call the verifier only rejects if it is reachable, which a
///   `bpf_ksym_exists()` guard makes it not.
enum ExternPatcher {
    /// libbpf's POISON_CALL_KFUNC_BASE: `call 2002000000 + extern index` marks an unresolved kfunc.
    static let poisonedKfuncBase: Int32 = 2_002_000_000

    /// `positions`: `Externs.positions(externs)`, made once per object (not per program or
    /// reference: that would cost references × externs).
    static func patch(_ references: [ExternReference], into program: inout PlannedProgram, externs: [Extern],
                      positions: [Int: Int], resolutions: [ExternResolution], kconfigMap: Int?) throws(LoadError) {
        for reference in references {
            guard let index = positions[reference.symbol.index] else {
                throw .relocation(program: program.name, instruction: reference.instruction,
                                  reason: "reference to undefined symbol '\(reference.symbol.name)', which is no extern")
            }
            let e = externs[index]
            let at = reference.instruction
            if program.instructions[at].isCall {
                guard case .kfunc = e.kind else {
                    throw .extern(name: e.name, reason: "is called, but is not declared as a function")
                }
                switch resolutions[index] {
                case let .btf(id, module):
                    let slot = module.map { fdArrayIndex(of: $0, in: &program) } ?? 0
                    guard let offset = Int16(exactly: slot) else {
                        throw .extern(name: e.name, reason: "its module would be entry \(slot) of the program's fd_array, beyond what a call's 16-bit offset can name")
                    }
                    program.instructions[at].src = BPFInstruction.pseudoKfuncCall
                    program.instructions[at].immediate = Int32(bitPattern: id)
                    program.instructions[at].offset = offset
                default:
                    // The extern's position goes into the immediate (libbpf's encoding), so it must fit.
                    guard let position = Int32(exactly: index), position <= Int32.max - poisonedKfuncBase else {
                        throw .extern(name: e.name, reason: "is extern \(index) of the object: too many to mark its unresolved calls (\(poisonedKfuncBase) + index must fit in 32 bits)")
                    }
                    program.instructions[at] = BPFInstruction(opcode: BPFInstruction.call,
                                                              immediate: poisonedKfuncBase + position)
                    program.poisoned.append(PoisonedInstruction(instruction: at, note: COREPoisonNote(
                        relocation: index, reason: "weak kfunc '\(e.name)' is not in this kernel; guard its calls with bpf_ksym_exists()")))
                }
                continue
            }
            guard program.instructions[at].isLoadImm64, at + 1 < program.instructions.count else {
                throw .relocation(program: program.name, instruction: at, reason: "extern '\(e.name)' used by an instruction that is not ld_imm64")
            }
            switch (e.kind, resolutions[index]) {
            case let (.kconfig, .kconfig(offset)):
                guard let map = kconfigMap else { continue }
                // Within Externs.kconfigLimit, so this fits; checked because it comes from the object.
                guard let immediate = Int32(exactly: offset) else {
                    throw .extern(name: e.name, reason: "offset \(offset) in .kconfig does not fit an instruction's 32-bit immediate")
                }
                program.instructions[at].src = BPFInstruction.pseudoMapValue
                program.instructions[at + 1].immediate = immediate
                program.mapReferences.append(MapReference(instruction: at, map: map))
            case let (_, .btf(id, module)):
                program.instructions[at].src = BPFInstruction.pseudoBTFID
                program.instructions[at].immediate = Int32(bitPattern: id)
                program.instructions[at + 1].immediate = 0
                if let module { program.moduleReferences.append(ModuleReference(instruction: at, module: module)) }
            case let (_, .address(address)):
                program.instructions[at].src = 0
                program.instructions[at].immediate = Int32(truncatingIfNeeded: address)
                program.instructions[at + 1].immediate = Int32(truncatingIfNeeded: address >> 32)
            default:
                program.instructions[at].src = 0
                program.instructions[at].immediate = 0
                program.instructions[at + 1].immediate = 0
            }
        }
    }

    /// fd_array index of a module's BTF (index 0 stands for vmlinux).
    static func fdArrayIndex(of module: String, in program: inout PlannedProgram) -> Int {
        if let i = program.fdArrayModules.firstIndex(of: module) { return i + 1 }
        program.fdArrayModules.append(module)
        return program.fdArrayModules.count
    }
}
