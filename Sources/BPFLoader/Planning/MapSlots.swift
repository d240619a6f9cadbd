import ELFReader
import SyscallBPF

/// One initialised slot of a map-in-map or program array: `.values = { [index] = &target }`.
package struct MapSlot: Sendable, Equatable {
    /// What a slot holds once the plan runs.
    package enum Target: Sendable, Equatable {
        /// A map, by index in `LoadPlan.maps`.
        case map(Int)
        /// A program, by index in `LoadPlan.programs`.
        case program(Int)
    }

    /// The slot: the array index, or the key of a hash of maps (libbpf uses the index as key).
    package var index: UInt32
    /// What goes in it.
    package var target: Target
    /// The target's name, for messages.
    package var targetName: String
}

/// A slot as the object declares it, before planning knows which programs it loads.
struct DeclaredSlot {
    enum Target {
        /// A map declared in `.maps`, by the offset of its variable.
        case map(offset: UInt64, name: String)
        /// A function in a program section.
        case function(ObjectFunction)
    }

    var index: UInt32
    var target: Target

    var targetName: String {
        switch target {
        case let .map(_, name): return name
        case let .function(function): return function.name
        }
    }
}

/// The `.values` initialisers of `.maps`, read as libbpf's bpf_object__collect_map_relos does:
/// each one is a relocation in `.rel.maps` at `values + 8 × slot` inside the outer map's variable,
/// against the inner map's symbol (in `.maps`) or the program's function.
enum MapSlots {
    /// Declared slots per declaration (indexed like `declarations`), checked against the outer
    /// map's type, size and inner definition.
    static func collect(_ object: BPFObjectFile, declarations: [MapDeclaration]) throws(LoadError) -> [[DeclaredSlot]] {
        var slots = [[DeclaredSlot]](repeating: [], count: declarations.count)
        guard let mapsSection = object.sections(where: { $0 == .maps }).first else { return slots }
        let relocationSections = object.elf.sections.filter {
            ($0.type == .rel || $0.type == .rela) && Int($0.info) == mapsSection.index
        }
        guard !relocationSections.isEmpty else { return slots }

        // Declarations by offset, for the binary search below and for inner map targets.
        let byOffset = declarations.indices.sorted { declarations[$0].offset < declarations[$1].offset }
        var atOffset: [UInt64: Int] = [:]
        for (i, declaration) in declarations.enumerated() { atOffset[declaration.offset] = i }

        for section in relocationSections {
            let entries: [ELFRelocation]
            do { entries = try object.elf.relocations(in: section) } catch { throw .elf(error) }
            for entry in entries {
                let symbol = object.elf.symbols[Int(entry.symbolIndex)]
                guard let owner = containing(entry.offset, byOffset, declarations) else {
                    throw .badSection(section: section.name, reason: "relocation at offset \(entry.offset) against '\(symbol.name)' is inside no map declared in '.maps'")
                }
                let map = declarations[owner]
                let slot = try slotIndex(entry.offset, in: map, symbol: symbol.name)
                let target: DeclaredSlot.Target
                switch map.values?.content {
                case .maps?:
                    guard symbol.sectionIndex == mapsSection.index, let inner = atOffset[symbol.value] else {
                        throw .map(name: map.name, reason: "slot [\(slot)] refers to '\(symbol.name)', which is not a map declared in '.maps'")
                    }
                    target = .map(offset: declarations[inner].offset, name: declarations[inner].name)
                case .programs?:
                    guard let sectionIndex = symbol.sectionIndex, symbol.value % 8 == 0,
                          let function = object.function(in: sectionIndex, startingAt: Int(clamping: symbol.value / 8)),
                          isProgramSection(object.roles[sectionIndex])
                    else {
                        throw .map(name: map.name, reason: "slot [\(slot)] refers to '\(symbol.name)', which is not a program of the object (only programs, not subprograms, go in a program array)")
                    }
                    target = .function(function)
                case nil:
                    throw .map(name: map.name, reason: "initialised with '\(symbol.name)', but only a map-in-map or program array declared with __array(values, …) has slots")
                }
                slots[owner].append(DeclaredSlot(index: slot, target: target))
            }
        }
        for (i, map) in declarations.enumerated() where !slots[i].isEmpty {
            try check(slots[i], of: map, declarations: declarations, atOffset: atOffset)
        }
        return slots
    }

    private static func isProgramSection(_ role: SectionRole) -> Bool {
        switch role {
        case .program, .otherProgram: return true
        default: return false
        }
    }

    /// The declaration whose variable holds the 8 bytes at `offset`.
    private static func containing(_ offset: UInt64, _ byOffset: [Int], _ declarations: [MapDeclaration]) -> Int? {
        var low = 0
        var high = byOffset.count
        while low < high {
            let middle = (low + high) / 2
            if declarations[byOffset[middle]].offset <= offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let candidate = declarations[byOffset[low - 1]]
        let (end, overflow) = offset.addingReportingOverflow(8)
        guard !overflow, end <= candidate.offset &+ candidate.size else { return nil }
        return byOffset[low - 1]
    }

    private static func slotIndex(_ offset: UInt64, in map: MapDeclaration, symbol: String) throws(LoadError) -> UInt32 {
        guard let values = map.values else {
            throw .map(name: map.name, reason: "initialised with '\(symbol)', but only a map-in-map or program array declared with __array(values, …) has slots")
        }
        let within = offset - map.offset
        guard within >= values.offset, (within - values.offset) % 8 == 0 else {
            throw .map(name: map.name, reason: "initialiser '\(symbol)' at byte \(within) of the definition is not a slot of 'values' (which starts at byte \(values.offset))")
        }
        guard let slot = UInt32(exactly: (within - values.offset) / 8) else {
            throw .map(name: map.name, reason: "initialiser '\(symbol)' is beyond any slot a map can have")
        }
        return slot
    }

    /// What the kernel would refuse, found before any system call: a slot beyond `max_entries`,
    /// more slots than a hash of maps holds, a key size that is not the slot index's, and an inner
    /// map that does not match the outer map's inner definition (bpf_map_meta_equal).
    private static func check(_ slots: [DeclaredSlot], of map: MapDeclaration, declarations: [MapDeclaration],
                              atOffset: [UInt64: Int]) throws(LoadError) {
        let a = map.attributes
        if a.type == MapType.hashOfMaps {
            guard a.keySize == 4 else {
                throw .map(name: map.name, reason: "a hash of maps with initialised slots needs 4-byte keys (the slot index), not \(a.keySize)")
            }
            guard slots.count <= Int(a.maxEntries) else {
                throw .map(name: map.name, reason: "\(slots.count) initialised slots, more than its max_entries \(a.maxEntries)")
            }
        } else if let beyond = slots.first(where: { $0.index >= a.maxEntries }) {
            throw .map(name: map.name, reason: "slot [\(beyond.index)] ('\(beyond.targetName)') is beyond max_entries \(a.maxEntries)")
        }
        guard case let .maps(inner)? = map.values?.content else { return }
        for slot in slots {
            guard case let .map(offset, name) = slot.target, let target = atOffset[offset] else { continue }
            if let mismatch = innerMismatch(declarations[target].attributes, inner) {
                throw .map(name: map.name, reason: "slot [\(slot.index)]: map '\(name)' does not match the inner map definition: \(mismatch)")
            }
        }
    }

    /// How a map differs from an inner definition in what the kernel compares: type, key and
    /// value size, flags, and max_entries for arrays not created with BPF_F_INNER_MAP.
    static func innerMismatch(_ map: MapAttributes, _ inner: MapAttributes) -> String? {
        let sized = MapType.isArray(map.type) && inner.flags & MapType.innerMapFlag == 0
        guard let d = MapType.difference(type: map.type, keySize: map.keySize, valueSize: map.valueSize,
                                         maxEntries: sized ? map.maxEntries : nil, flags: map.flags, from: inner)
        else { return nil }
        let advice = d.what == "max entries" ? " (declare both with BPF_F_INNER_MAP to allow other sizes)" : ""
        return "its \(d.what) is \(d.actual), the definition says \(d.expected)\(advice)"
    }
}
