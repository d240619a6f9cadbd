import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// Planning: a pure function from an object (and the kernel's BTF and facts) to a `LoadPlan`.
/// Everything that can be wrong with an object is found here, before any system call.
public enum Planner {
    /// Plans loading `object` on a kernel with `kernel` types and `facts`.
    public static func plan(_ object: BPFObjectFile, kernel: KernelTypes, facts: KernelFacts,
                            options: PlanOptions = PlanOptions()) throws(LoadError) -> LoadPlan {
        try plan(object, prepared: prepare(object), kernel: kernel, facts: facts, options: options)
    }

    /// The same, with the object already prepared (`prepare`); its failure is reported in turn.
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

        // Maps, in libbpf's order: declared (.maps) first, then global data sections.
        var maps: [PlannedMap] = []
        var index = MapIndex()
        if let btf {
            for declaration in try DeclaredMaps.parse(btf, object: object) {
                index.declared[declaration.offset] = maps.count
                let a = declaration.attributes
                var map = PlannedMap(name: declaration.name, origin: .declared(symbol: declaration.name),
                                     attributes: a, initialValue: nil, freeze: false)
                switch declaration.pinning {
                case 0: break
                case 1: map.pinPath = DeclaredMaps.pinRoot + "/" + declaration.name
                default:
                    throw .map(name: declaration.name, reason: "pinning \(declaration.pinning) is not supported (LIBBPF_PIN_NONE = 0 or LIBBPF_PIN_BY_NAME = 1)")
                }
                notes.append("map '\(declaration.name)': declared in .maps, type \(a.type), key \(a.keySize) bytes, "
                             + "value \(a.valueSize) bytes, \(a.maxEntries) entries"
                             + (map.pinPath.map { ", pinned by name at \($0)" } ?? ""))
                maps.append(map)
            }
            index.declaredSection = object.sections(where: { $0 == .maps }).first?.index
        } else if let section = object.sections(where: { $0 == .maps }).first {
            throw .badSection(section: section.name, reason: "BTF-defined maps need the object's BTF (compile with -g)")
        }
        let dataSections = btf?.dataSectionsByName() ?? [:]
        for section in object.elf.sections {
            guard case let .globalData(kind) = object.roles[section.index], kind != .kconfig else { continue }
            index.globalData[section.index] = maps.count
            let datasec = dataSections[section.name]
            var map = try GlobalData.plan(object: object, section: section, kind: kind)
            if let datasec { map.attributes.btfValueTypeID = datasec }
            notes.append("map '\(map.name)': \(section.name), \(map.attributes.valueSize) bytes"
                         + (datasec.map { ", BTF DATASEC [\($0)]" } ?? ""))
            maps.append(map)
        }

        // Externs: kconfig values in their own frozen map (after global data, as libbpf orders it);
        // ksyms resolved against the kernel's BTF and kallsyms.
        var kconfigMap: Int? = nil
        if externs.contains(where: { $0.isKconfig }) {
            var map = try GlobalData.planKconfig(object: object, size: Externs.kconfigSize(externs))
            map.initialValue = try KconfigValues.contents(externs, facts: facts, vmlinux: kernel.vmlinux, notes: &notes)
            if let datasec = btf?.dataSection(named: Externs.kconfigSection) { map.attributes.btfValueTypeID = datasec }
            kconfigMap = maps.count
            notes.append("map '\(map.name)': .kconfig, \(map.attributes.valueSize) bytes")
            maps.append(map)
        }
        let resolutions = try KsymResolution.resolve(externs, local: btf?.original ?? kernel.vmlinux, kernel: kernel,
                                                     facts: facts, notes: &notes)

        // Every vmlinux name planning looks up from here on (attach targets, CO-RE root types of
        // all sections), found in one pass over its strings and one walk over its types.
        if let names = KernelNames.make(for: kernel.vmlinux) {
            var essential: [String] = []
            if let btf, let ext = btf.ext {
                for group in ext.coreRelocations {
                    essential += CORECandidateIndex.rootNames(local: btf.original, records: group.records)
                }
            }
            names.resolve(exact: object.programs.map { "bpf_iter_" + $0.kind.target }, essential: essential)
            kernel.names = names
        }

        // CO-RE: fix each code section for the running kernel before linking copies code around.
        var code = object.code
        var poisoned: [Int: [Int: COREPoisonNote]] = [:]
        if let btf, let ext = btf.ext {
            // Looked up through dictionaries built once: an object may have thousands of sections.
            var sectionByName: [String: Int] = [:]
            for section in object.elf.sections where sectionByName[section.name] == nil { sectionByName[section.name] = section.index }
            var programBySection: [Int: String] = [:]
            for program in object.programs where programBySection[program.function.section] == nil {
                programBySection[program.function.section] = program.name
            }
            for group in ext.coreRelocations {
                let name = btf.sectionName(group.sectionNameOffset)
                guard let index = sectionByName[name], var instructions = code[index] else {
                    throw .core(program: name, reason: "CO-RE relocations for section '\(name)', which holds no code")
                }
                let section = object.elf.sections[index]
                // Messages name the section's program (a program section holds one, as clang emits it).
                let owner = programBySection[index] ?? name
                do {
                    let fixups = try CORERelocator.relocate(local: btf.original, kernel: kernel, records: group.records,
                                                            instructions: instructions, section: name, program: owner)
                    try CORERelocator.apply(fixups, to: &instructions)
                    notes += fixups.map { $0.description }
                    poisoned[section.index] = CORERelocator.poisonNotes(fixups)
                } catch {
                    throw .core(program: error.program, reason: error.reason)
                }
                code[section.index] = instructions
            }
        }

        // Programs: link each one; `?` programs not chosen are planned but not loaded.
        let linker = Linker(object: object, code: code, maps: index)
        let lineInfoIndex = FuncLineInfo.Index()
        let externPositions = Externs.positions(externs)
        var programs: [PlannedProgram] = []
        for (i, program) in object.programs.enumerated() {
            let linked = try linker.link(program)
            let attachID = try attachTarget(program, kernel: kernel)
            let autoload = i == selected || !program.kind.optional
            notes.append("program '\(program.name)' (\(program.sectionName)): \(linked.instructions.count) instructions, "
                         + "target bpf_iter_\(program.kind.target) = BTF id \(attachID)"
                         + (autoload ? "" : ", not loaded ('?' section)"))
            var planned = PlannedProgram(
                name: program.name, sectionName: program.sectionName, target: program.kind.target,
                attachBTFID: attachID, sleepable: program.kind.sleepable, autoload: autoload,
                instructions: linked.instructions, mapReferences: linked.mapReferences)
            try ExternPatcher.patch(linked.externReferences, into: &planned, externs: externs, positions: externPositions,
                                    resolutions: resolutions, kconfigMap: kconfigMap)
            // Each placed function's own instructions are looked up (not every poisoned instruction
            // of its section tested per function: functions × relocations in a large .text).
            for placement in linked.placements {
                guard let notes = poisoned[placement.function.section], !notes.isEmpty else { continue }
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

        // The BTF to load: fixed up, then rewritten into what this kernel accepts.
        var blob: [UInt8]? = nil
        if let btf {
            if facts.btf.loads {
                let sanitized = BTFSanitizer.sanitize(btf.fixed, for: facts.btf)
                if facts.btf != .all { notes.append("BTF rewritten for this kernel: \(facts.btf.missingDescription)") }
                blob = sanitized.encoded()
            } else {
                notes.append("kernel cannot load BTF: loading without it")
            }
        }
        return LoadPlan(objectName: object.name, license: object.license, btf: blob, maps: maps,
                        programs: programs, selected: selected, notes: notes)
    }

    /// What the object needs from the system (kernel config, kallsyms, probes) so the caller reads
    /// only that. Problems with the object are left for `plan` to report.
    public static func needs(of object: BPFObjectFile) -> ObjectNeeds {
        guard let btf = (try? ObjectBTF.load(object)) ?? nil else { return ObjectNeeds() }
        var optional: ObjectBTF? = btf
        let externs = (try? Externs.collect(object, btf: &optional)) ?? []
        return needs(kinds: btf.kinds, externs: externs)
    }

    /// The program to attach: the one named, or the first iterator program in section order.
    static func selectProgram(_ object: BPFObjectFile, options: PlanOptions) throws(LoadError) -> Int {
        guard let wanted = options.programName else {
            guard let first = object.programs.firstIndex(where: { !$0.kind.optional }) ?? (object.programs.isEmpty ? nil : 0) else {
                throw .noIteratorProgram
            }
            return first
        }
        if let found = object.programs.firstIndex(where: { $0.name == wanted }) { return found }
        if let function = object.functions.first(where: { $0.name == wanted }) {
            throw .notAnIterator(name: wanted, section: object.elf.sections[function.section].name)
        }
        throw .noSuchProgram(name: wanted, available: object.programs.map { $0.name })
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
