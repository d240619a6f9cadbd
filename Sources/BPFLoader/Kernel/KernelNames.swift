import BTFParser

/// The vmlinux names one planning looks up, resolved together and remembered.
///
/// Each lookup in vmlinux BTF is a walk over its ~127k type headers; a planning asks for
/// `bpf_iter_<target>` once per program, for the CO-RE root types of every code section, for its
/// ksyms. `Planner.plan` knows them from the object before the kernel's BTF is opened
/// (`Planner.kernelNameQuery`), so they are found in the walk that indexes that BTF
/// (`BTF.nameMatches`) and a run walks it once; a name asked for later costs one more walk, once. Results are exactly what `BTF.typeIDs(named:kind:)` and
/// `BTF.ownStringOffsets(ofEssentialNames:)` return; this only avoids computing them again.
///
/// Made by `plan` for its own use (never shared between threads).
final class KernelNames {
    let btf: BTF
    /// Own type ids per name, any kind, in id order.
    private var exact: [String: [TypeID]] = [:]
    private var essential: [String: [TypeID]] = [:]
    /// String offsets per essential name (only CO-RE's module fallback needs them).
    private var essentialOffsets: [String: [UInt32]] = [:]
    /// Walks over the type headers made after indexing (for `-d` and the tests: 0 when the
    /// planner asked for every name up front).
    private(set) var walks = 0
    /// Names found while the BTF was indexed.
    private(set) var foundWhileIndexing = 0

    /// Lookups through this cache are equivalent to direct ones only for BTF without a base
    /// (vmlinux); `make` returns nil otherwise.
    private init(_ btf: BTF) { self.btf = btf }

    static func make(for btf: BTF) -> KernelNames? {
        guard btf.base == nil else { return nil }
        let names = KernelNames(btf)
        if let found = btf.nameMatches {
            for (i, name) in found.query.exact.enumerated() { names.exact[name] = found.exact[i] }
            for (i, name) in found.query.essential.enumerated() { names.essential[name] = found.essential[i] }
            names.foundWhileIndexing = found.query.exact.count + found.query.essential.count
        }
        return names
    }

    /// Own type ids of `btf` for each name (any kind), resolving those not known in one walk.
    func typeIDsByName(_ names: [String]) -> [String: [TypeID]] {
        resolve(exact: names, essential: [])
        var result: [String: [TypeID]] = [:]
        for name in names { result[name] = exact[name] ?? [] }
        return result
    }

    /// Resolves every name not resolved before, all in one walk over the type headers.
    func resolve(exact exactNames: [String], essential essentialNames: [String]) {
        let newExact = KernelNames.unique(exactNames) { exact[$0] == nil }
        let newEssential = KernelNames.unique(essentialNames) { essential[$0] == nil }
        guard !newExact.isEmpty || !newEssential.isEmpty else { return }
        walks += 1
        let ids = btf.ownTypeIDs(exact: newExact, essential: newEssential)
        for (i, name) in newExact.enumerated() { exact[name] = ids.exact[i] }
        for (i, name) in newEssential.enumerated() { essential[name] = ids.essential[i] }
    }

    /// `btf.typeIDs(named: name, kind: kind)`.
    func typeIDs(named name: String, kind: BTFKind? = nil) -> [TypeID] {
        if exact[name] == nil { resolve(exact: [name], essential: []) }
        let ids = exact[name] ?? []
        guard let kind else { return ids }
        return ids.filter { btf.kind(of: $0) == kind }
    }

    /// `btf.function(named: name)`.
    func function(named name: String) -> TypeID? {
        typeIDs(named: name, kind: .function).first
    }

    /// For each essential name, the own types whose name has it as essential name (what
    /// `btf.ownStringOffsets(ofEssentialNames:)` finds, then the types named by those strings).
    func essentialTypeIDs(_ names: [String]) -> [[TypeID]] {
        resolve(exact: [], essential: names)
        return names.map { essential[$0] ?? [] }
    }

    /// `btf.ownStringOffsets(ofEssentialNames: names)`: one pass over the strings for the names
    /// not asked for before.
    func essentialStringOffsets(_ names: [String]) -> [[UInt32]] {
        let new = KernelNames.unique(names) { essentialOffsets[$0] == nil }
        if !new.isEmpty {
            let found = btf.ownStringOffsets(exact: [], essential: new).essential
            for (i, name) in new.enumerated() { essentialOffsets[name] = found[i] }
        }
        return names.map { essentialOffsets[$0] ?? [] }
    }

    /// `names` without repeats, keeping those `wanted` accepts, in first-seen order.
    private static func unique(_ names: [String], _ wanted: (String) -> Bool) -> [String] {
        var seen = Set<String>()
        var kept: [String] = []
        for name in names where wanted(name) && seen.insert(name).inserted { kept.append(name) }
        return kept
    }
}
