import ELFReader

/// Where a function's code landed in a linked program.
package struct Placement: Sendable, Equatable {
    /// The function placed: the program itself or a subprogram from `.text` or its own section.
    package var function: ObjectFunction
    /// Index of its first instruction in the linked program.
    package var start: Int
}

/// A program with its subprograms appended and every relocation resolved to something `execute`
/// can finish (map fds) or the kernel understands (relative calls).
struct LinkedProgram {
    var instructions: [BPFInstruction]
    var mapReferences: [MapReference]
    var placements: [Placement]
    /// ld_imm64 / call instructions that refer to externs, for the extern resolver.
    var externReferences: [ExternReference]
    /// Where each placed function starts: each call looks its callee up here, not in `placements`.
    var starts: [ObjectFunction: Int] = [:]
}

/// An instruction that refers to an extern symbol (`.kconfig` / `.ksyms`).
struct ExternReference {
    var instruction: Int
    var symbol: ELFSymbol
}

/// How relocations against data symbols resolve to maps.
struct MapIndex {
    /// Global data section index → planned map index.
    var globalData: [Int: Int] = [:]
    /// `.maps` symbol offset → planned map index.
    var declared: [UInt64: Int] = [:]
    /// The `.maps` section index, if any.
    var declaredSection: Int?
}

/// Static linking of one program, as libbpf's bpf_object__reloc_code does it: the program's own
/// code first, then each called function (from `.text` or any other code section) appended once,
/// in the order calls are found; call immediates become offsets within the linked program.
struct Linker {
    let object: BPFObjectFile
    /// Code of each section after CO-RE fixups (keyed like `object.code`).
    let code: [Int: [BPFInstruction]]
    let maps: MapIndex

    func link(_ program: ObjectProgram) throws(LoadError) -> LinkedProgram {
        var linked = LinkedProgram(instructions: [], mapReferences: [], placements: [], externReferences: [])
        append(program.function, to: &linked)
        var placementIndex = 0
        // Placements grow while we walk them: each appended callee is relocated in turn.
        while placementIndex < linked.placements.count {
            let placement = linked.placements[placementIndex]
            for offset in 0..<placement.function.count {
                try relocate(at: placement.start + offset, sectionInstruction: placement.function.start + offset,
                             of: placement.function, program: program.name, in: &linked)
            }
            placementIndex += 1
        }
        return linked
    }

    private func append(_ function: ObjectFunction, to linked: inout LinkedProgram) {
        let start = linked.instructions.count
        if let section = code[function.section] {
            linked.instructions.append(contentsOf: section[function.range])
        }
        linked.placements.append(Placement(function: function, start: start))
        if linked.starts[function] == nil { linked.starts[function] = start }
    }

    private func relocate(at index: Int, sectionInstruction: Int, of function: ObjectFunction, program: String,
                          in linked: inout LinkedProgram) throws(LoadError) {
        var insn = linked.instructions[index]
        let relocation = object.relocations[function.section]?[sectionInstruction]

        // clang leaves a callback's address (bpf_loop, bpf_for_each_map_elem) as a plain ld_imm64
        // relocated against code; like libbpf, mark it BPF_PSEUDO_FUNC so it links as a call does.
        if insn.isLoadImm64, let relocation,
           let section = object.elf.symbols[Int(relocation.symbolIndex)].sectionIndex, code[section] != nil {
            insn.src = BPFInstruction.pseudoFunc
            linked.instructions[index].src = BPFInstruction.pseudoFunc
        }

        // Externs first (libbpf does the same): clang marks a kfunc call BPF_PSEUDO_CALL, relocated
        // against the undefined symbol.
        if let relocation, object.elf.symbols[Int(relocation.symbolIndex)].section == .undefined {
            linked.externReferences.append(ExternReference(instruction: index, symbol: object.elf.symbols[Int(relocation.symbolIndex)]))
            return
        }

        if insn.isSubprogramCall || insn.isSubprogramAddress {
            let (targetSection, targetInstruction) = try callTarget(insn, relocation: relocation, sectionInstruction: sectionInstruction,
                                                                    section: function.section, program: program, index: index)
            guard let callee = object.function(in: targetSection, startingAt: targetInstruction) else {
                throw .relocation(program: program, instruction: index,
                                  reason: "call to instruction \(targetInstruction) of section '\(sectionName(targetSection))', which does not start a function")
            }
            let start: Int
            if let placed = linked.starts[callee] {
                start = placed
            } else {
                start = linked.instructions.count
                append(callee, to: &linked)
            }
            linked.instructions[index].immediate = Int32(start - index - 1)
            return
        }
        guard let relocation else { return }
        let symbol = object.elf.symbols[Int(relocation.symbolIndex)]
        guard insn.isLoadImm64 else {
            throw .relocation(program: program, instruction: index,
                              reason: "relocation against \(describe(symbol)) on an instruction that is neither ld_imm64 nor a call (opcode \(insn.opcode))")
        }
        guard index + 1 < linked.instructions.count else {
            throw .relocation(program: program, instruction: index, reason: "ld_imm64 is missing its second half")
        }
        switch symbol.section {
        case .undefined:
            break  // handled above
        case let .index(section):
            if let map = maps.globalData[section] {
                // BPF_PSEUDO_MAP_VALUE: imm = map fd (filled at execute), second imm = offset in the value.
                linked.instructions[index].src = BPFInstruction.pseudoMapValue
                linked.instructions[index + 1].immediate = insn.immediate &+ Int32(truncatingIfNeeded: symbol.value)
                linked.mapReferences.append(MapReference(instruction: index, map: map))
            } else if section == maps.declaredSection {
                guard let map = maps.declared[symbol.value] else {
                    throw .relocation(program: program, instruction: index,
                                      reason: "reference to '\(symbol.name)' at offset \(symbol.value) of '.maps', where no map is declared")
                }
                linked.instructions[index].src = BPFInstruction.pseudoMapFD
                linked.mapReferences.append(MapReference(instruction: index, map: map))
            } else {
                throw .relocation(program: program, instruction: index,
                                  reason: "reference to \(describe(symbol)) in section '\(sectionName(section))', which is neither global data nor '.maps'")
            }
        case .absolute, .common:
            throw .relocation(program: program, instruction: index,
                              reason: "reference to '\(symbol.name)', which has no section (uninitialised global? initialise it or make it static)")
        }
    }

    /// The section and instruction a call or a callback address refers to (libbpf's rules: a call's
    /// imm is relative to the symbol, -1 for a global function; a callback's imm is a byte offset).
    private func callTarget(_ insn: BPFInstruction, relocation: ELFRelocation?, sectionInstruction: Int, section: Int,
                            program: String, index: Int) throws(LoadError) -> (Int, Int) {
        guard let relocation else {
            guard insn.isSubprogramCall else {
                throw .relocation(program: program, instruction: index, reason: "callback address without a relocation")
            }
            return (section, sectionInstruction + Int(insn.immediate) + 1)
        }
        let symbol = object.elf.symbols[Int(relocation.symbolIndex)]
        guard let targetSection = symbol.sectionIndex, code[targetSection] != nil else {
            throw .relocation(program: program, instruction: index,
                              reason: "call to '\(symbol.name)', which is not code in this object")
        }
        // Bound the symbol's value by its section before any arithmetic: nothing else checks the
        // value of a non-function symbol, and an absurd one would overflow the sums below.
        let sectionBytes = (code[targetSection]?.count ?? 0) * 8
        guard symbol.value <= UInt64(sectionBytes) else {
            throw .relocation(program: program, instruction: index,
                              reason: "\(insn.isSubprogramCall ? "call target" : "callback address") \(describe(symbol)) at offset \(symbol.value) is outside section '\(sectionName(targetSection))' (\(sectionBytes) bytes)")
        }
        let base = Int(symbol.value)
        guard base % 8 == 0 else {
            throw .relocation(program: program, instruction: index, reason: "call target offset \(base) is not a multiple of 8")
        }
        if insn.isSubprogramCall {
            return (targetSection, base / 8 + Int(insn.immediate) + 1)
        }
        // A callback's immediate is a byte offset from the symbol.
        let offset = base + Int(insn.immediate)
        guard offset >= 0, offset % 8 == 0 else {
            throw .relocation(program: program, instruction: index,
                              reason: "callback address \(describe(symbol)) + \(insn.immediate) is not an instruction of section '\(sectionName(targetSection))'")
        }
        return (targetSection, offset / 8)
    }

    /// A symbol as a message names it: section symbols (which clang uses for static data and
    /// static functions) have no name of their own, so they are named by their section.
    private func describe(_ symbol: ELFSymbol) -> String {
        if symbol.type == .section || symbol.name.isEmpty, let section = symbol.sectionIndex {
            return "section '\(sectionName(section))'"
        }
        return "'\(symbol.name)'"
    }

    private func sectionName(_ index: Int) -> String {
        index < object.elf.sections.count ? object.elf.sections[index].name : "#\(index)"
    }
}
