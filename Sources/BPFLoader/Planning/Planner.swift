import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// Planning: a pure function from an object (and the kernel's BTF and facts) to a `LoadPlan`.
/// Everything that can be wrong with an object is found here, before any system call.
package enum Planner {
    /// Plans loading `object` on a kernel with `kernel` types and `facts`.
    package static func plan(_ object: BPFObjectFile, kernel: KernelTypes, facts: KernelFacts,
                            options: PlanOptions = PlanOptions()) throws(LoadError) -> LoadPlan {
        try plan(object, prepared: prepare(object), kernel: kernel, facts: facts, options: options)
    }

    /// The same, with the object already prepared (`prepare`); its failure is reported in turn.
    ///
    /// The steps, in order: choose the programs to load (the iterator asked for, and the programs
    /// its object puts in program arrays), plan every map, find what code those programs reach,
    /// resolve the externs that code uses, relocate it for the kernel (CO-RE), link each program,
    /// and rewrite the object's BTF for the kernel. Programs that are not loaded (other
    /// iterators, other program types) are named in the notes and never relocated.
    static func plan(_ object: BPFObjectFile, prepared: Result<PreparedObject, LoadError>, kernel: KernelTypes,
                     facts: KernelFacts, options: PlanOptions) throws(LoadError) -> LoadPlan {
        var notes: [String] = []
        // This planning's own copy of the kernel's types: it remembers the large vmlinux types it
        // decodes and gains a cache of name lookups below (results unchanged; see KernelNames).
        var kernel = KernelTypes(vmlinux: kernel.vmlinux.withTypeCache(), modules: kernel.modules)
        let selected = try selectProgram(object, options: options)

        let ready: PreparedObject
        switch prepared {
        case let .success(value): ready = value
        case let .failure(error): throw error
        }
        let btf = ready.btf
        let externs = ready.externs

        var maps = try planMaps(object, btf: btf, facts: facts, notes: &notes)
        try options.variables.apply(to: &maps.planned, notes: &notes)
        let loaded = programsToLoad(object, selected: selected, slots: maps.slots)
        maps.resolveSlots(loaded: loaded, object: object, notes: &notes)
        noteUnloaded(object, loaded: loaded, notes: &notes)

        // What the loaded programs reach: linked once on the code as compiled (CO-RE changes no
        // call or relocation), so only that code is relocated and only its externs resolved.
        let reach = try Reach(object: object, programs: loaded.programs, linker: Linker(object: object, code: object.code, maps: maps.index))

        let kconfigMap = try planKconfig(object, btf: btf, externs: externs, facts: facts, kernel: kernel,
                                         maps: &maps.planned, notes: &notes)
        let resolutions = try resolveKsyms(externs, used: reach.externSymbols, btf: btf, kernel: kernel,
                                           facts: facts, notes: &notes)

        // Every vmlinux name planning looks up from here on (attach targets, CO-RE root types of
        // the loaded code), found in one pass over its strings and one walk over its types.
        if let names = KernelNames.make(for: kernel.vmlinux) {
            var essential: [String] = []
            if let btf, let ext = btf.ext {
                for group in ext.coreRelocations {
                    guard let section = reach.section(named: btf.sectionName(group.sectionNameOffset)) else { continue }
                    let records = group.records.filter { reach.contains(section: section, byteOffset: $0.instructionOffset) }
                    essential += CORECandidateIndex.rootNames(local: btf.original, records: records)
                }
            }
            names.resolve(exact: loaded.programs.map { "bpf_iter_" + object.programs[$0].kind.target }, essential: essential)
            kernel.names = names
        }

        let relocated = try relocateCORE(object, btf: btf, reach: reach, kernel: kernel, notes: &notes)

        let linker = Linker(object: object, code: relocated.code, maps: maps.index)
        let lineInfoIndex = FuncLineInfo.Index()
        let externPositions = Externs.positions(externs)
        var programs: [PlannedProgram] = []
        for i in loaded.programs {
            let program = object.programs[i]
            let linked = try linker.link(program)
            let attachID = try attachTarget(program, kernel: kernel)
            notes.append("program '\(program.name)' (\(program.sectionName)): \(linked.instructions.count) instructions, "
                         + "target bpf_iter_\(program.kind.target) = BTF id \(attachID)"
                         + (i == selected ? "" : ", loaded for a program array"))
            var planned = PlannedProgram(
                name: program.name, sectionName: program.sectionName, target: program.kind.target,
                attachBTFID: attachID, sleepable: program.kind.sleepable,
                instructions: linked.instructions, mapReferences: linked.mapReferences)
            try ExternPatcher.patch(linked.externReferences, into: &planned, externs: externs, positions: externPositions,
                                    resolutions: resolutions, kconfigMap: kconfigMap)
            // Each placed function's own instructions are looked up (not every poisoned instruction
            // of its section tested per function: functions × relocations in a large .text).
            for placement in linked.placements {
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
            if i == selected && options.mainThreadOnly {
                try MainThreadFilter.apply(to: &planned, kernel: kernel.vmlinux)
                notes.append("program '\(program.name)': main_thread_only filter prepended (\(MainThreadFilter.length) instructions)")
            }
            programs.append(planned)
        }

        let blob = planBTF(btf, facts: facts, notes: &notes)
        return LoadPlan(objectName: object.name, license: object.license, btf: blob, maps: maps.planned,
                        programs: programs, selected: loaded.selected, notes: notes)
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
                             notes: inout [String]) throws(LoadError) -> (code: [Int: [BPFInstruction]], poisoned: [Int: [Int: COREPoisonNote]]) {
        var code = object.code
        var poisoned: [Int: [Int: COREPoisonNote]] = [:]
        guard let btf, let ext = btf.ext else { return (code, poisoned) }
        var programBySection: [Int: String] = [:]
        for program in object.programs where programBySection[program.function.section] == nil {
            programBySection[program.function.section] = program.name
        }
        for group in ext.coreRelocations {
            let name = btf.sectionName(group.sectionNameOffset)
            guard let index = reach.section(named: name), var instructions = code[index] else {
                throw .core(program: name, reason: "CO-RE relocations for section '\(name)', which holds no code")
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
            do {
                let fixups = try CORERelocator.relocate(local: btf.original, kernel: kernel, records: group.records,
                                                        instructions: instructions, section: name, program: owner,
                                                        including: included)
                try CORERelocator.apply(fixups, to: &instructions)
                notes += fixups.map { $0.description }
                poisoned[index] = CORERelocator.poisonNotes(fixups)
            } catch {
                throw .core(program: error.program, reason: error.reason)
            }
            code[index] = instructions
        }
        return (code, poisoned)
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

    /// What the object needs from the system (kernel config, kallsyms, probes) so the caller reads
    /// only that. Problems with the object are left for `plan` to report.
    package static func needs(of object: BPFObjectFile) -> ObjectNeeds {
        guard let btf = (try? ObjectBTF.load(object)) ?? nil else { return ObjectNeeds() }
        var optional: ObjectBTF? = btf
        let externs = (try? Externs.collect(object, btf: &optional)) ?? []
        return needs(kinds: btf.kinds, externs: externs)
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
