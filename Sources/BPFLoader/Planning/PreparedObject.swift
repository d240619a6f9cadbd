import BTFParser

/// What planning derives from the object alone, first: its BTF, fixed up, and its externs, and
/// from them what the kernel must be probed for.
struct PreparedObject {
    var btf: ObjectBTF?
    var externs: [Extern]
    /// Functions declared but not defined, by symbol index (`Externs.collect`).
    var undefinedFunctions: [Int: String]
    /// What the object needs from the system before it can be planned.
    var needs: ObjectNeeds
}

extension Planner {
    /// Loads the object's BTF, fixes it up and collects the externs: the first steps of `plan`.
    static func prepare(_ object: BPFObjectFile) throws(LoadError) -> PreparedObject {
        var btf = try ObjectBTF.load(object)
        let kinds = btf?.kinds
        if btf != nil {
            try btf?.fixUpDataSections(object)
            btf?.markHiddenFunctionsStatic(object)
        }
        let (externs, undefinedFunctions) = try Externs.collect(object, btf: &btf)
        var needs = needs(kinds: kinds, externs: externs)
        needs.emptyDataSection = btf?.hasEmptyDataSection ?? false
        return PreparedObject(btf: btf, externs: externs, undefinedFunctions: undefinedFunctions, needs: needs)
    }

    /// What the externs ask of the system, and the BTF kinds to probe (none without BTF).
    static func needs(kinds: Set<BTFKind>?, externs: [Extern]) -> ObjectNeeds {
        guard let kinds else { return ObjectNeeds() }
        var needs = ObjectNeeds()
        needs.btfKinds = kinds
        for e in externs {
            switch e.kind {
            case .kconfig:
                if e.name.hasPrefix("CONFIG_") { needs.kernelConfig = true }
                if e.name == "LINUX_HAS_BPF_COOKIE" { needs.bpfCookie = true }
            case .ksymAddress: needs.kallsyms.append(e.name)
            case .ksymVariable, .kfunc: break
            }
        }
        return needs
    }
}
