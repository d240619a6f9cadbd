import BTFParser
import Bytes

/// A kernel BTF candidates come from: vmlinux, or a module's split BTF on top of it.
struct CORETarget {
    /// "vmlinux" or the module's name.
    let name: String
    let btf: BTF
}

/// A kernel type that may correspond to a local type: same essential name, compatible kind.
struct CORECandidate: Equatable {
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
struct CORECandidateIndex {
    private(set) var targets: [CORETarget]
    /// Candidates per local root type id, in target then id order. Pruned as relocations resolve.
    private var candidates: [TypeID: [CORECandidate]] = [:]

    init(local: BTF, rootTypeIDs: [TypeID], kernel: KernelTypes) {
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
        let vmlinuxOffsets = vmlinux.ownStringOffsets(ofEssentialNames: names)
        let vmlinuxTypes = CORECandidateIndex.typesByName(vmlinux, offsets: vmlinuxOffsets)
        var missing: [(id: TypeID, kind: BTFKind, name: Int)] = []
        var missingNames: [Int] = []
        for root in roots {
            let found = vmlinuxTypes[root.name].filter { COREMatch.kindsCompatible(vmlinux.kind(of: $0) ?? .void, root.kind) }
            candidates[root.id] = found.map { CORECandidate(target: 0, id: $0) }
            guard found.isEmpty else { continue }
            missing.append(root)
            if !missingNames.contains(root.name) { missingNames.append(root.name) }
        }
        guard !missing.isEmpty, let modules = kernel.modules else { return }

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
                guard let position = missingNames.firstIndex(of: root.name) else { continue }
                let found = types[position].filter { COREMatch.kindsCompatible(btf.kind(of: $0) ?? .void, root.kind) }
                guard !found.isEmpty else { continue }
                candidates[root.id, default: []] += found.map { CORECandidate(target: target, id: $0) }
                used = true
            }
            if used { targets.append(CORETarget(name: moduleName, btf: btf)) }
        }
    }

    /// Own types of `btf` whose name offset is in `offsets[i]`, grouped the same way (one walk).
    private static func typesByName(_ btf: BTF, offsets: [[UInt32]]) -> [[TypeID]] {
        var result = [[TypeID]](repeating: [], count: offsets.count)
        var owner: [UInt32: Int] = [:]
        for (i, group) in offsets.enumerated() {
            for offset in group { owner[offset] = i }
        }
        guard !owner.isEmpty else { return result }
        for id in btf.ownTypeIDs(nameOffsets: Set(owner.keys)) {
            guard let offset = btf.nameOffset(of: id), let i = owner[offset] else { continue }
            result[i].append(id)
        }
        return result
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
