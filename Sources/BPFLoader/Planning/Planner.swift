import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// Planning: a pure function from an object (and the kernel's BTF and facts) to a `LoadPlan`.
/// Everything that can be wrong with an object is found here, before any system call but the
/// probes the object's needs call for (through `probe`) and the module BTF read when vmlinux lacks
/// a type (through `KernelTypes.modules`).
package enum Planner {
    /// Plans loading `object` on a kernel with `kernel` types and the facts `probe` finds for what
    /// the object needs.
    ///
    /// The steps, in order: choose the program to attach; read the object's BTF and externs;
    /// probe the kernel for what they need; plan every map; choose the programs to load (the
    /// iterator, and the programs its object puts in program arrays); find what code those reach;
    /// resolve the externs that code uses; look up the kernel names planning needs; find CO-RE
    /// candidates and relocate the reached code; link each program; rewrite the object's BTF for
    /// the kernel. Programs that are not loaded (other iterators, other program types) are named
    /// in the notes and never relocated.
    ///
    /// `openKernel` is given every vmlinux name planning will look up (known from the object before
    /// the kernel's BTF is read), so it can find them while it indexes that BTF
    /// (`BTF.init(_:base:lookingUp:)`).
    package static func plan(_ object: BPFObjectFile, options: PlanOptions = PlanOptions(),
                            kernel openKernel: (BTFNameQuery) throws(LoadError) -> KernelTypes,
                            probe: (ObjectNeeds) -> KernelFacts) throws(LoadError) -> LoadPlan {
        var notes: [String] = []
        let selected = try selectProgram(object, options: options)
        let prepared = try prepare(object)
        let settings = try checkSettings(options.settings, object: object, prepared: prepared)
        let opened = try openKernel(kernelNameQuery(object, prepared: prepared, options: options))
        let facts = probe(prepared.needs)
        // This planning's own copy of the kernel's types: it remembers the large vmlinux types it
        // decodes and gains a cache of name lookups below (results unchanged; see KernelNames).
        var kernel = KernelTypes(vmlinux: opened.vmlinux.withTypeCache(), modules: opened.modules)
        kernel.names = KernelNames.make(for: kernel.vmlinux)
        let btf = prepared.btf

        var maps = try planMaps(object, btf: btf, facts: facts, notes: &notes)
        try settings.apply(to: &maps.planned, notes: &notes)
        let loaded = chooseLoaded(object, selected: selected, maps: &maps, notes: &notes)
        // What the loaded programs reach: linked once on the code as compiled (CO-RE changes no
        // call or relocation), so only that code is relocated and only its externs resolved.
        let reach = try Reach(object: object, programs: loaded.programs, linker: Linker(object: object, code: object.code, maps: maps.index))
        if let name = reach.externSymbols.sorted().lazy.compactMap({ prepared.undefinedFunctions[$0] }).first {
            throw .undefinedFunction(name: name)
        }
        lookUpKernelNames(object, btf: btf, reach: reach, loaded: loaded, names: kernel.names)
        let kconfigMap = try planKconfig(object, btf: btf, externs: prepared.externs, facts: facts, kernel: kernel,
                                         maps: &maps.planned, notes: &notes)
        let resolutions = try resolveKsyms(prepared.externs, used: reach.externSymbols, btf: btf, kernel: kernel,
                                           facts: facts, notes: &notes)
        let relocated = try relocateCORE(object, btf: btf, reach: reach, kernel: kernel, notes: &notes)
        let externs = ExternContext(externs: prepared.externs, positions: Externs.positions(prepared.externs),
                                    resolutions: resolutions, kconfigMap: kconfigMap)
        let programs = try linkPrograms(object, loaded: loaded, code: relocated, btf: btf, maps: maps.index, externs: externs,
                                        kernel: kernel, facts: facts, options: options, notes: &notes)
        if let names = kernel.names {
            notes.append("kernel BTF names: \(names.foundWhileIndexing) looked up while indexing, \(names.walks) more walks over its types")
        }
        var plan = LoadPlan(objectName: object.name, license: object.license, btf: planBTF(btf, facts: facts, notes: &notes),
                            maps: maps.planned, programs: programs.planned, selected: loaded.selected, notes: notes)
        plan.btfRequired = programs.needBTF
        return plan
    }

    /// The same, on a kernel whose types and facts are known (tests, fuzzing).
    package static func plan(_ object: BPFObjectFile, kernel: KernelTypes, facts: KernelFacts,
                            options: PlanOptions = PlanOptions()) throws(LoadError) -> LoadPlan {
        try plan(object, options: options, kernel: { (_: BTFNameQuery) throws(LoadError) in kernel }, probe: { _ in facts })
    }

    /// The names `plan` would look up in the kernel's BTF for `object` with `options`, for a caller
    /// that opens the kernel itself before planning (`iter update`) and so indexes it only once.
    static func kernelNameQuery(_ object: BPFObjectFile, options: PlanOptions) throws(LoadError) -> BTFNameQuery {
        try kernelNameQuery(object, prepared: prepare(object), options: options)
    }

    /// Every vmlinux name planning may look up, from the object alone: `bpf_iter_<target>` of each
    /// iterator program, the kernel names of its ksyms, the structs main_thread_only reads, and
    /// the essential names of the root types of every CO-RE record (those of code that is not
    /// loaded too: a few names more cost nothing in the walk).
    static func kernelNameQuery(_ object: BPFObjectFile, prepared: PreparedObject, options: PlanOptions) -> BTFNameQuery {
        var query = BTFNameQuery()
        for program in object.programs {
            query.exact.append("bpf_iter_" + program.kind.target)
            if options.mainThreadOnly { query.exact += MainThreadFilter.kernelNames(target: program.kind.target) }
        }
        for e in prepared.externs {
            switch e.kind {
            case .ksymVariable: query.exact.append(e.name)
            case .kfunc: query.exact.append(CORENames.essential(e.name))
            case .kconfig, .ksymAddress: break
            }
        }
        if let btf = prepared.btf, let ext = btf.ext {
            for group in ext.coreRelocations {
                query.essential += CORECandidateIndex.rootNames(local: btf.original, records: group.records)
            }
        }
        var seen = Set<String>()
        query.exact = query.exact.filter { seen.insert($0).inserted }
        seen = []
        query.essential = query.essential.filter { seen.insert($0).inserted }
        return query
    }

    /// `set NAME=VALUE` checked against the object's variables before anything else is read: the
    /// bytes each setting writes into its section.
    static func checkSettings(_ settings: [VariableAssignment], object: BPFObjectFile,
                              prepared: PreparedObject) throws(LoadError) -> VariableSettings {
        guard !settings.isEmpty else { return VariableSettings() }
        let table = try VariableTable.make(object, prepared: prepared)
        do { return try VariableSettings.resolve(settings, in: table) } catch { throw .variable(error) }
    }

    /// The programs to load, their program arrays' slots resolved, and `-d` notes for the others.
    static func chooseLoaded(_ object: BPFObjectFile, selected: Int, maps: inout PlannedMaps,
                             notes: inout [String]) -> LoadedPrograms {
        let loaded = programsToLoad(object, selected: selected, slots: maps.slots)
        maps.resolveSlots(loaded: loaded, object: object, notes: &notes)
        noteUnloaded(object, loaded: loaded, notes: &notes)
        return loaded
    }

    /// Every vmlinux name planning looks up from here on (attach targets, CO-RE root types of the
    /// loaded code): usually found already while the kernel's BTF was indexed; any other (a
    /// kernel opened without the query) in one more walk over its types, once.
    static func lookUpKernelNames(_ object: BPFObjectFile, btf: ObjectBTF?, reach: Reach, loaded: LoadedPrograms,
                                  names: KernelNames?) {
        guard let names else { return }
        var essential: [String] = []
        if let btf, let ext = btf.ext {
            for group in ext.coreRelocations {
                guard let section = reach.section(named: btf.sectionName(group.sectionNameOffset)) else { continue }
                let records = group.records.filter { reach.contains(section: section, byteOffset: $0.instructionOffset) }
                essential += CORECandidateIndex.rootNames(local: btf.original, records: records)
            }
        }
        names.resolve(exact: loaded.programs.map { "bpf_iter_" + object.programs[$0].kind.target }, essential: essential)
    }

    /// What linking needs of the externs: their declarations, where each symbol's extern is, how
    /// each resolved, and the `.kconfig` map.
    struct ExternContext {
        var externs: [Extern]
        var positions: [Int: Int]
        var resolutions: [ExternResolution]
        var kconfigMap: Int?
    }

    /// Each loaded program linked (its subprograms appended, calls and map references resolved),
    /// its externs patched, its poisoned instructions, func/line info and the main_thread_only
    /// filter added; and whether any of them cannot load without the object's BTF (a global
    /// subprogram is verified on its own, from its BTF signature).
    static func linkPrograms(_ object: BPFObjectFile, loaded: LoadedPrograms, code relocated: RelocatedCode, btf: ObjectBTF?,
                             maps: MapIndex, externs: ExternContext, kernel: KernelTypes, facts: KernelFacts,
                             options: PlanOptions, notes: inout [String]) throws(LoadError) -> (planned: [PlannedProgram], needBTF: Bool) {
        let linker = Linker(object: object, code: relocated.code, maps: maps)
        let lineInfoIndex = FuncLineInfo.Index()
        var programs: [PlannedProgram] = []
        var needBTF = false
        for (position, i) in loaded.programs.enumerated() {
            let program = object.programs[i]
            let linked = try linker.link(program)
            let attachID = try attachTarget(program, kernel: kernel)
            let isSelected = position == loaded.selected
            notes.append("program '\(program.name)' (\(program.sectionName)): \(linked.instructions.count) instructions, "
                         + "target bpf_iter_\(program.kind.target) = BTF id \(attachID)"
                         + (isSelected ? "" : ", loaded for a program array"))
            var planned = PlannedProgram(
                name: program.name, sectionName: program.sectionName, target: program.kind.target,
                attachBTFID: attachID, sleepable: program.kind.sleepable,
                instructions: linked.instructions, mapReferences: linked.mapReferences)
            try ExternPatcher.patch(linked.externReferences, into: &planned, externs: externs.externs, positions: externs.positions,
                                    resolutions: externs.resolutions, kconfigMap: externs.kconfigMap)
            // Each placed function's own instructions are looked up (not every poisoned instruction
            // of its section tested per function: functions × relocations in a large .text).
            for placement in linked.placements {
                if placement.start != 0 && placement.function.isGlobal { needBTF = true }
                guard let notes = relocated.poisoned[placement.function.section], !notes.isEmpty else { continue }
                for instruction in placement.function.range {
                    guard let note = notes[instruction] else { continue }
                    planned.poisoned.append(PoisonedInstruction(
                        instruction: placement.start + instruction - placement.function.start, note: note))
                }
            }
            if let btf, facts.btf.functions {
                let info = FuncLineInfo.build(btf, object: object, placements: linked.placements, index: lineInfoIndex)
                planned.funcInfo = info.funcInfo
                planned.lineInfo = info.lineInfo
                planned.funcInfoRecordSize = info.funcInfo.isEmpty ? 0 : FuncLineInfo.funcInfoRecordSize
                planned.lineInfoRecordSize = info.lineInfo.isEmpty ? 0 : FuncLineInfo.lineInfoRecordSize
                planned.sourceLines = info.sourceLines
            }
            if isSelected && options.mainThreadOnly {
                try MainThreadFilter.apply(to: &planned, kernel: kernel)
                notes.append("program '\(program.name)': main_thread_only filter prepended (\(MainThreadFilter.length) instructions)")
            }
            programs.append(planned)
        }
        return (programs, needBTF)
    }

    /// The programs to load, as indices into `object.programs` in section order: the selected
    /// one, and every iterator program a program array's `.values` names (a program array is
    /// filled after its programs load, as libbpf does).
    static func programsToLoad(_ object: BPFObjectFile, selected: Int, slots: [[DeclaredSlot]]) -> LoadedPrograms {
        var wanted: Set<Int> = [selected]
        var iteratorAt: [ObjectFunction: Int] = [:]
        for (i, program) in object.programs.enumerated() { iteratorAt[program.function] = i }
        for mapSlots in slots {
            for slot in mapSlots {
                if case let .function(function) = slot.target, let i = iteratorAt[function] { wanted.insert(i) }
            }
        }
        let programs = wanted.sorted()
        return LoadedPrograms(programs: programs, selected: programs.firstIndex(of: selected) ?? 0)
    }

    /// `-d` lines for the programs left alone: other iterators, and other program types.
    static func noteUnloaded(_ object: BPFObjectFile, loaded: LoadedPrograms, notes: inout [String]) {
        let chosen = Set(loaded.programs)
        for (i, program) in object.programs.enumerated() where !chosen.contains(i) {
            notes.append("program '\(program.name)' (\(program.sectionName)): not loaded (not chosen; `prog \(program.name)` attaches it)")
        }
        for program in object.otherPrograms {
            notes.append("program '\(program.name)' (\(program.sectionName)): \(program.kind.type) program, not loaded (iter attaches iterators only)")
        }
    }

    /// The `.kconfig` map, after global data as libbpf orders it; nil when there are no kconfig externs.
    static func planKconfig(_ object: BPFObjectFile, btf: ObjectBTF?, externs: [Extern], facts: KernelFacts,
                            kernel: KernelTypes, maps: inout [PlannedMap], notes: inout [String]) throws(LoadError) -> Int? {
        guard externs.contains(where: { $0.isKconfig }) else { return nil }
        var map = try GlobalData.planKconfig(object: object, size: Externs.kconfigSize(externs))
        map.initialValue = try KconfigValues.contents(externs, facts: facts, vmlinux: kernel.vmlinux, notes: &notes)
        if let datasec = btf?.dataSection(named: Externs.kconfigSection) { map.attributes.btfValueTypeID = datasec }
        notes.append("map '\(map.name)': .kconfig, \(map.attributes.valueSize) bytes")
        maps.append(map)
        return maps.count - 1
    }

    /// `__ksym` externs resolved against the kernel's BTF and kallsyms: only those the loaded code
    /// refers to (an extern only another program uses is the kernel's business only if that
    /// program loads). The result is indexed like `externs`; unused ones stay `.missing`.
    static func resolveKsyms(_ externs: [Extern], used: Set<Int>, btf: ObjectBTF?, kernel: KernelTypes, facts: KernelFacts,
                             notes: inout [String]) throws(LoadError) -> [ExternResolution] {
        let wanted = externs.indices.filter { externs[$0].isKconfig || used.contains(externs[$0].symbolIndex) }
        let found = try KsymResolution.resolve(wanted.map { externs[$0] }, local: btf?.original ?? kernel.vmlinux,
                                               kernel: kernel, facts: facts, notes: &notes)
        var resolutions = [ExternResolution](repeating: .missing, count: externs.count)
        for (k, i) in wanted.enumerated() { resolutions[i] = found[k] }
        return resolutions
    }

    /// CO-RE: each code section's records that lie in reached code, relocated for the running
    /// kernel before linking copies code around.
    static func relocateCORE(_ object: BPFObjectFile, btf: ObjectBTF?, reach: Reach, kernel: KernelTypes,
                             notes: inout [String]) throws(LoadError) -> RelocatedCode {
        var code = object.code
        var poisoned: [Int: [Int: COREPoisonNote]] = [:]
        guard let btf, let ext = btf.ext else { return RelocatedCode(code: code, poisoned: poisoned) }
        var programBySection: [Int: String] = [:]
        for program in object.programs where programBySection[program.function.section] == nil {
            programBySection[program.function.section] = program.name
        }
        for group in ext.coreRelocations {
            let name = btf.sectionName(group.sectionNameOffset)
            guard let index = reach.section(named: name), var instructions = code[index] else {
                throw .badSection(section: name, reason: "has CO-RE relocations but holds no code")
            }
            // Records of reached code, and any record that is malformed wherever it is (not on an
            // instruction of its section): that is a broken object, not code left alone.
            let count = instructions.count
            let included = { (record: CORERelocationRecord) -> Bool in
                record.instructionOffset % 8 != 0 || Int(record.instructionOffset / 8) >= count
                    || reach.contains(section: index, byteOffset: record.instructionOffset)
            }
            guard group.records.contains(where: included) else { continue }
            // Messages name the section's program (a program section holds one, as clang emits it).
            let owner = programBySection[index] ?? name
            // The kernel types each relocated local type may stand for: the one step of CO-RE that
            // reads kernel BTF beyond vmlinux (module BTF, for names vmlinux lacks).
            let roots = group.records.filter { $0.kind != .typeIDLocal && included($0) }.map { $0.typeID }
            let candidates = CORECandidateIndex(local: btf.original, rootTypeIDs: roots, kernel: kernel)
            do {
                let fixups = try CORERelocator.relocate(local: btf.original, candidates: candidates, records: group.records,
                                                        instructions: instructions, section: name, program: owner,
                                                        including: included)
                try CORERelocator.apply(fixups, to: &instructions)
                notes += fixups.map { $0.description }
                poisoned[index] = CORERelocator.poisonNotes(fixups)
            } catch {
                throw .core(error)
            }
            code[index] = instructions
        }
        return RelocatedCode(code: code, poisoned: poisoned)
    }

    /// The object's code after CO-RE: each code section's instructions, and the instructions a
    /// relocation poisoned, with why.
    struct RelocatedCode {
        var code: [Int: [BPFInstruction]]
        var poisoned: [Int: [Int: COREPoisonNote]]
    }

    /// The BTF to load: fixed up, then rewritten into what this kernel accepts; nil without BTF.
    static func planBTF(_ btf: ObjectBTF?, facts: KernelFacts, notes: inout [String]) -> [UInt8]? {
        guard let btf else { return nil }
        guard facts.btf.loads else {
            notes.append("kernel cannot load BTF: loading without it")
            return nil
        }
        let sanitized = BTFSanitizer.sanitize(btf.fixed, for: facts.btf)
        if facts.btf != .all { notes.append("BTF rewritten for this kernel: \(facts.btf.missingDescription)") }
        return sanitized.encoded()
    }

    /// The program to attach: the one named, or the first iterator program not marked `?`, in
    /// section order (the first `?` one when all are).
    static func selectProgram(_ object: BPFObjectFile, options: PlanOptions) throws(LoadError) -> Int {
        let iterators = object.programs.map { $0.name }
        guard let wanted = options.programName else {
            guard let first = object.programs.firstIndex(where: { !$0.kind.optional }) ?? (object.programs.isEmpty ? nil : 0) else {
                throw .noIteratorProgram(others: object.otherPrograms.map { "\($0.name) (\($0.sectionName))" })
            }
            return first
        }
        if let found = object.programs.firstIndex(where: { $0.name == wanted }) { return found }
        if let other = object.otherPrograms.first(where: { $0.name == wanted }) {
            throw .notAnIterator(name: wanted, section: other.sectionName, kind: .program(type: other.kind.type), iterators: iterators)
        }
        if let function = object.functions.first(where: { $0.name == wanted }) {
            throw .notAnIterator(name: wanted, section: object.elf.sections[function.section].name, kind: .subprogram,
                                 iterators: iterators)
        }
        throw .noSuchProgram(name: wanted, available: iterators)
    }

    /// BTF id of `bpf_iter_<target>` in vmlinux: the attach point of an iterator program.
    static func attachTarget(_ program: ObjectProgram, kernel: KernelTypes) throws(LoadError) -> TypeID {
        let name = "bpf_iter_" + program.kind.target
        guard let id = kernel.names.map({ $0.function(named: name) }) ?? kernel.vmlinux.function(named: name) else {
            throw .unknownTarget(program: program.name, target: program.kind.target)
        }
        return id
    }
}
