import BTFParser

/// What planning derives from the object alone: its BTF, fixed up, and its externs. The caller
/// that asks `Planner.needs` and then `Planner.plan` (IteratorObject) prepares the object once for
/// both, rather than parsing and validating its BTF and collecting its externs twice.
struct PreparedObject {
    var btf: ObjectBTF?
    var externs: [Extern]
    /// The kinds of the object's BTF as compiled (what `needs` reports), nil without BTF.
    var kinds: Set<BTFKind>?
}

extension Planner {
    /// Loads the object's BTF, fixes it up and collects the externs: the first steps of `plan`.
    static func prepare(_ object: BPFObjectFile) -> Result<PreparedObject, LoadError> {
        do {
            var btf = try ObjectBTF.load(object)
            let kinds = btf?.kinds
            if btf != nil {
                try btf?.fixUpDataSections(object)
                btf?.markHiddenFunctionsStatic(object)
            }
            let externs = try Externs.collect(object, btf: &btf)
            return .success(PreparedObject(btf: btf, externs: externs, kinds: kinds))
        } catch {
            return .failure(error)
        }
    }

    /// `needs(of:)` from a prepared object. When preparing failed, `plan` will report why; the
    /// object is then read again the way `needs(of:)` does, which tolerates what it can.
    static func needs(of object: BPFObjectFile, prepared: Result<PreparedObject, LoadError>) -> ObjectNeeds {
        guard case let .success(ready) = prepared else { return needs(of: object) }
        guard let kinds = ready.kinds else { return ObjectNeeds() }
        return needs(kinds: kinds, externs: ready.externs)
    }

    /// What the externs ask of the system.
    static func needs(kinds: Set<BTFKind>, externs: [Extern]) -> ObjectNeeds {
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
