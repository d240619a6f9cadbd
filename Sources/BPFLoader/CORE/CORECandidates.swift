import BTFParser
import Bytes

/// A kernel BTF candidates come from: vmlinux, or a module's split BTF on top of it.
package struct CORETarget {
    /// "vmlinux" or the module's name.
    let name: String
    let btf: BTF
}

/// A kernel type that may correspond to a local type: same essential name, compatible kind.
package struct CORECandidate: Equatable {
    /// Index in `CORECandidateIndex.targets`.
    let target: Int
    let id: TypeID
}

/// The kernel types each local root type may stand for (libbpf's `bpf_core_find_cands` plus its
/// per-type cache), found for all relocations at once.
///
/// The vmlinux BTF has ~150k types and megabytes of strings, so names are not compared type by type:
/// one pass over the string section finds the offsets of every wanted name (flavors included), and
/// one walk over the type headers finds the types with those name offsets. Only the types found are
/// decoded, later, by matching. Modules are read only for names vmlinux does not have at all, as
/// libbpf does (a module type never shadows a vmlinux one).
package struct CORECandidateIndex {
    private(set) var targets: [CORETarget]
    /// Candidates per local root type id, in target then id order. Pruned as relocations resolve.
    private var candidates: [TypeID: [CORECandidate]] = [:]

    package init(local: BTF, rootTypeIDs: [TypeID], kernel: KernelTypes) {
        targets = [CORETarget(name: "vmlinux", btf: kernel.vmlinux)]

        // The local roots worth looking up: named types (anonymous ones are an error later).
        var roots: [(id: TypeID, kind: BTFKind, name: Int)] = []
        var names: [String] = []
        var nameIndex: [String: Int] = [:]
        var seen = Set<TypeID>()
        for id in rootTypeIDs where seen.insert(id).inserted {
            guard let kind = local.kind(of: id), id != 0 else { continue }
            let essential = CORENames.essential(local.name(of: id))
            guard !essential.isEmpty else { continue }
            let index: Int
            if let known = nameIndex[essential] {
                index = known
            } else {
                index = names.count
                nameIndex[essential] = index
                names.append(essential)
            }
            roots.append((id, kind, index))
        }
        guard !roots.isEmpty else { return }

        let vmlinux = kernel.vmlinux
        // The vmlinux types of each name, found in one walk over its type headers (planning has
        // usually looked them all up already: kernel.names).
        let vmlinuxTypes = CORECandidateIndex.lastNameWins(
            kernel.names?.essentialTypeIDs(names) ?? vmlinux.ownTypeIDs(exact: [], essential: names).essential)
        var missing: [(id: TypeID, kind: BTFKind, name: Int)] = []
        var missingNames: [Int] = []
        var positions: [Int: Int] = [:]  // name index -> position in missingNames
        for root in roots {
            let found = vmlinuxTypes[root.name].filter { COREMatch.kindsCompatible(vmlinux.kind(of: $0) ?? .void, root.kind) }
            candidates[root.id] = found.map { CORECandidate(target: 0, id: $0) }
            guard found.isEmpty else { continue }
            missing.append(root)
            if positions[root.name] == nil {
                positions[root.name] = missingNames.count
                missingNames.append(root.name)
            }
        }
        guard !missing.isEmpty, let modules = kernel.modules else { return }
        let vmlinuxOffsets = kernel.names?.essentialStringOffsets(names) ?? vmlinux.ownStringOffsets(ofEssentialNames: names)

        // Names with no vmlinux candidate of a fitting kind: look in every module, in one pass each.
        let wanted = missingNames.map { names[$0] }
        for moduleName in modules.moduleNames() {
            guard let btf = modules.btf(of: moduleName) else { continue }
            let own = btf.ownStringOffsets(ofEssentialNames: wanted)
            // A module type's name may live in vmlinux's strings (split BTF shares them).
            var offsets = own
            for (i, name) in missingNames.enumerated() { offsets[i] += vmlinuxOffsets[name] }
            let types = CORECandidateIndex.typesByName(btf, offsets: offsets)
            let target = targets.count
            var used = false
            for root in missing {
                guard let position = positions[root.name] else { continue }
                let found = types[position].filter { COREMatch.kindsCompatible(btf.kind(of: $0) ?? .void, root.kind) }
                guard !found.isEmpty else { continue }
                candidates[root.id, default: []] += found.map { CORECandidate(target: target, id: $0) }
                used = true
            }
            if used { targets.append(CORETarget(name: moduleName, btf: btf)) }
        }
    }

    /// Own types of `btf` whose name offset is in `offsets[i]`, grouped the same way (one walk).
    /// A string that two names find (`a___b` is both the name `a___b` and a flavor of `a`) counts
    /// for the later name only.
    private static func typesByName(_ btf: BTF, offsets: [[UInt32]]) -> [[TypeID]] {
        var owner: [UInt32: Int] = [:]
        for (i, group) in offsets.enumerated() {
            for offset in group { owner[offset] = i }
        }
        guard !owner.isEmpty else { return [[TypeID]](repeating: [], count: offsets.count) }
        var regrouped = [[UInt32]](repeating: [], count: offsets.count)
        for (i, group) in offsets.enumerated() {
            for offset in group where owner[offset] == i { regrouped[i].append(offset) }
        }
        return btf.ownTypeIDs(groupedBy: regrouped)
    }

    /// The same rule for types found by name: a type in several groups stays in the last only.
    private static func lastNameWins(_ groups: [[TypeID]]) -> [[TypeID]] {
        var total = 0
        var group: [TypeID: Int] = [:]
        for (i, ids) in groups.enumerated() {
            total += ids.count
            for id in ids { group[id] = i }
        }
        guard group.count != total else { return groups }
        return groups.enumerated().map { i, ids in ids.filter { group[$0] == i } }
    }

    /// The essential names of the local root types a section's records look up (what `init`
    /// searches the kernel for), so planning can resolve every section's at once.
    static func rootNames(local: BTF, records: [CORERelocationRecord]) -> [String] {
        var names: [String] = []
        for record in records where record.kind != .typeIDLocal {
            let id = record.typeID
            guard id != 0, local.kind(of: id) != nil else { continue }
            let essential = CORENames.essential(local.name(of: id))
            if !essential.isEmpty { names.append(essential) }
        }
        return names
    }

    /// The current candidates for a local root type.
    func candidates(for localID: TypeID) -> [CORECandidate] {
        candidates[localID] ?? []
    }

    /// Keeps only the candidates that matched a relocation: later relocations on the same local
    /// type then see only these (libbpf shares and prunes its candidate list the same way, which
    /// lets one relocation disambiguate duplicates for the next ones).
    mutating func prune(_ localID: TypeID, to kept: [CORECandidate]) {
        guard !kept.isEmpty else { return }
        candidates[localID] = kept
    }
}
