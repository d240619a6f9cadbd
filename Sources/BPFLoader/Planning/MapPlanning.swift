import ELFReader
import BTFParser
import SyscallBPF

/// The programs a plan loads: indices into `BPFObjectFile.programs`, in section order, and which
/// of them is attached.
struct LoadedPrograms {
    var programs: [Int]
    /// Index in `programs` of the program to attach.
    var selected: Int
}

/// The maps of a plan, with what linking and slot filling need to find them.
struct PlannedMaps {
    var planned: [PlannedMap]
    var index: MapIndex
    /// `.values` initialisers per declared map (declared maps come first: entry i is planned map i).
    var slots: [[DeclaredSlot]]

    /// Turns declared slots into plan slots once the loaded programs are known. A slot naming a
    /// program of another type (which iter does not load) stays empty, with a note.
    mutating func resolveSlots(loaded: LoadedPrograms, object: BPFObjectFile, notes: inout [String]) {
        var position: [ObjectFunction: Int] = [:]
        for (k, i) in loaded.programs.enumerated() { position[object.programs[i].function] = k }
        var others: [ObjectFunction: OtherProgram] = [:]
        for program in object.otherPrograms { others[program.function] = program }
        for (i, declared) in slots.enumerated() {
            for slot in declared {
                switch slot.target {
                case let .map(offset, name):
                    guard let map = index.declared[offset] else { continue }
                    planned[i].slots.append(MapSlot(index: slot.index, target: .map(map), targetName: name))
                case let .function(function):
                    if let program = position[function] {
                        planned[i].slots.append(MapSlot(index: slot.index, target: .program(program), targetName: function.name))
                    } else {
                        let type = others[function].map { "a \($0.kind.type) program" } ?? "not loaded"
                        notes.append("map '\(planned[i].name)': slot [\(slot.index)] left empty: '\(function.name)' is \(type), which iter does not load")
                    }
                }
            }
        }
    }
}

extension Planner {
    /// Maps, in libbpf's order: declared (`.maps`) first, then global data sections (the
    /// `.kconfig` map follows, from `planKconfig`).
    static func planMaps(_ object: BPFObjectFile, btf: ObjectBTF?, facts: KernelFacts,
                         notes: inout [String]) throws(LoadError) -> PlannedMaps {
        var maps: [PlannedMap] = []
        var index = MapIndex()
        var slots: [[DeclaredSlot]] = []
        if let btf {
            let declarations = try DeclaredMaps.parse(btf, object: object)
            slots = try MapSlots.collect(object, declarations: declarations)
            for declaration in declarations {
                index.declared[declaration.offset] = maps.count
                maps.append(try planDeclared(declaration, facts: facts, notes: &notes))
            }
            index.declaredSection = object.sections(where: { $0 == .maps }).first?.index
        } else if let section = object.sections(where: { $0 == .maps }).first {
            throw .badSection(section: section.name, reason: "BTF-defined maps need the object's BTF (compile with -g)")
        }
        let dataSections = btf?.dataSectionsByName() ?? [:]
        for section in object.elf.sections {
            guard case let .globalData(kind) = object.roles[section.index], kind != .kconfig else { continue }
            index.globalData[section.index] = maps.count
            var datasec = dataSections[section.name]
            var map = try GlobalData.plan(object: object, section: section, kind: kind)
            // A keyless array map's BTF value must be a DATASEC: where an empty one is rewritten
            // (see BTFSanitizer), the map is created without BTF.
            if let id = datasec, facts.btf.loads, !facts.btf.emptyDataSections, btf?.isEmptyDataSection(id) == true {
                notes.append("map '\(map.name)': \(section.name) has no variables in BTF, an empty DATASEC this kernel refuses: created without BTF")
                datasec = nil
            }
            if let datasec { map.attributes.btfValueTypeID = datasec }
            notes.append("map '\(map.name)': \(section.name), \(map.attributes.valueSize) bytes"
                         + (datasec.map { ", BTF DATASEC [\($0)]" } ?? ""))
            maps.append(map)
        }
        return PlannedMaps(planned: maps, index: index, slots: slots)
    }

    /// One `.maps` declaration as BPF_MAP_CREATE will see it: sized, its BTF dropped where the
    /// kernel takes none, its inner template attached, its pin path set.
    static func planDeclared(_ declaration: MapDeclaration, facts: KernelFacts,
                             notes: inout [String]) throws(LoadError) -> PlannedMap {
        var a = declaration.attributes
        try size(&a, facts: facts, notes: &notes)
        if MapType.takesNoBTF(a.type) {
            a.btfKeyTypeID = 0
            a.btfValueTypeID = 0
        }
        var map = PlannedMap(name: declaration.name, origin: .declared(symbol: declaration.name),
                             attributes: a, initialValue: nil, freeze: false)
        switch declaration.pinning {
        case 0: break
        case 1: map.pinPath = FilePath(DeclaredMaps.pinRoot + "/" + declaration.name)
        default:
            throw .map(name: declaration.name, reason: "pinning \(declaration.pinning) is not supported (LIBBPF_PIN_NONE = 0 or LIBBPF_PIN_BY_NAME = 1)")
        }
        if case var .maps(inner)? = declaration.values?.content {
            try size(&inner, facts: facts, notes: &notes)
            inner.btfKeyTypeID = 0
            inner.btfValueTypeID = 0
            map.innerMap = inner
        }
        notes.append("map '\(declaration.name)': declared in .maps, type \(a.type), key \(a.keySize) bytes, "
                     + "value \(a.valueSize) bytes, \(a.maxEntries) entries"
                     + (map.innerMap.map { ", inner map type \($0.type) (\($0.maxEntries) entries)" } ?? "")
                     + (map.pinPath.map { ", pinned by name at \($0)" } ?? ""))
        return map
    }

    /// `max_entries` as the kernel needs it: a perf event array left unsized gets one entry per
    /// possible CPU (libbpf's map_set_def_max_entries); any other type left unsized is an error
    /// here rather than EINVAL from the kernel, except local storage, which must be 0.
    static func size(_ a: inout MapAttributes, facts: KernelFacts, notes: inout [String]) throws(LoadError) {
        if a.type == MapType.ringbuf || a.type == MapType.userRingbuf {
            let size = ringBufferSize(a.maxEntries, pageSize: facts.pageSize)
            if size != a.maxEntries {
                notes.append("map '\(a.name)': ring buffer of \(a.maxEntries) bytes rounded up to \(size) (a power-of-2 number of \(facts.pageSize)-byte pages)")
                a.maxEntries = size
            }
        }
        guard a.maxEntries == 0, !MapType.takesNoSize(a.type) else { return }
        if a.type == MapType.perfEventArray {
            guard let cpus = facts.possibleCPUs else {
                throw .mapUnsized(name: a.name, reason: "max_entries is unset and the number of possible CPUs (\(PossibleCPUs.path)) is unknown")
            }
            a.maxEntries = cpus
            notes.append("map '\(a.name)': perf event array sized to \(cpus) possible CPUs")
            return
        }
        throw .mapUnsized(name: a.name, reason: "max_entries is unset (0): the object leaves its size to its loader; declare __uint(max_entries, N)")
    }

    /// libbpf's adjust_ringbuf_sz: the kernel wants a ring buffer's max_entries to be a power-of-2
    /// multiple of the page size, so a size that is not becomes the next one that is; 0 stays 0
    /// (an unsized map is an error) and a size no such multiple can exceed is left for the
    /// kernel to refuse.
    static func ringBufferSize(_ size: UInt32, pageSize: UInt32) -> UInt32 {
        guard size != 0, pageSize != 0 else { return size }
        if size % pageSize == 0, (size / pageSize).nonzeroBitCount == 1 { return size }
        var multiple: UInt32 = 1
        while multiple <= UInt32.max / pageSize {
            if multiple * pageSize > size { return multiple * pageSize }
            guard multiple <= UInt32.max / 2 else { break }
            multiple <<= 1
        }
        return size
    }
}
