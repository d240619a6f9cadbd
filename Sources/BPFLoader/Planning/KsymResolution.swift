import BTFParser

/// How one extern is satisfied.
enum ExternResolution: Equatable {
    /// A value in the `.kconfig` map at this offset.
    case kconfig(offset: Int)
    /// A kernel VAR or FUNC by BTF id, in vmlinux (`module` nil) or a module's BTF.
    case btf(id: TypeID, module: String?)
    /// An address (untyped ksym from /proc/kallsyms).
    case address(UInt64)
    /// A weak extern the kernel does not have: zero, or a poisoned kfunc call.
    case missing
}

/// Resolves `__ksym` externs as libbpf does: typed variables and kfuncs by name in vmlinux BTF
/// (then module BTF), their types checked compatible with the object's declaration; untyped
/// ones by address. A weak extern the kernel lacks resolves to `.missing`; a strong one is an
/// error that names it.
enum KsymResolution {
    static func resolve(_ externs: [Extern], local: BTF, kernel: KernelTypes, facts: KernelFacts,
                        notes: inout [String]) throws(LoadError) -> [ExternResolution] {
        // One pass over the vmlinux strings and types for every name at once.
        var wanted: [String] = []
        for e in externs {
            switch e.kind {
            case .ksymVariable: wanted.append(e.name)
            case .kfunc: wanted.append(CORENames.essential(e.name))
            default: break
            }
        }
        let found = lookUp(wanted, in: kernel.vmlinux)
        var resolutions: [ExternResolution] = []
        for e in externs {
            switch e.kind {
            case .kconfig:
                resolutions.append(.kconfig(offset: e.dataOffset))
            case .ksymAddress:
                if facts.kallsyms[e.name] == Kallsyms.ambiguous {
                    throw .extern(name: e.name, reason: "several different addresses in /proc/kallsyms: resolution is ambiguous")
                }
                if let address = facts.kallsyms[e.name] {
                    notes.append("extern (ksym) '\(e.name)': address \(hexAddress(address)) from /proc/kallsyms")
                    resolutions.append(.address(address))
                } else if e.weak {
                    notes.append("extern (ksym) '\(e.name)': not in /proc/kallsyms, weak: 0")
                    resolutions.append(.address(0))
                } else {
                    throw .extern(name: e.name, reason: "not found in /proc/kallsyms")
                }
            case let .ksymVariable(localType):
                resolutions.append(try resolveBTF(e, name: e.name, kind: .variable, localType: localType,
                                                  local: local, kernel: kernel, vmlinuxHits: found, notes: &notes))
            case let .kfunc(proto):
                resolutions.append(try resolveBTF(e, name: CORENames.essential(e.name), kind: .function, localType: proto,
                                                  local: local, kernel: kernel, vmlinuxHits: found, notes: &notes))
            }
        }
        return resolutions
    }

    private static func resolveBTF(_ e: Extern, name: String, kind: BTFKind, localType: TypeID, local: BTF, kernel: KernelTypes,
                                   vmlinuxHits: [String: [TypeID]], notes: inout [String]) throws(LoadError) -> ExternResolution {
        let what = kind == .function ? "function" : "variable"
        var candidates: [(BTF, TypeID, String?)] = (vmlinuxHits[name] ?? []).compactMap { id in
            kernel.vmlinux.kind(of: id) == kind ? (kernel.vmlinux, id, nil) : nil
        }
        if candidates.isEmpty, let modules = kernel.modules {
            for module in modules.moduleNames() {
                guard let btf = modules.btf(of: module) else { continue }
                let ids = btf.ownTypeIDs(nameOffsets: Set(btf.ownStringOffsets(of: [name])[0]), kind: kind)
                if let id = ids.first {
                    candidates.append((btf, id, module))
                    break
                }
            }
        }
        guard let (btf, id, module) = candidates.first else {
            if e.weak {
                notes.append("extern (ksym) '\(e.name)': no kernel \(what) '\(name)', weak: missing")
                return .missing
            }
            throw .extern(name: e.name, reason: "no kernel \(what) '\(name)' in vmlinux or module BTF")
        }
        // The kernel's declaration: a VAR's type, a FUNC's prototype.
        let targetType: TypeID
        do {
            guard let referenced = try btf.type(id).referencedType else { return .missing }
            targetType = kind == .variable ? try btf.skipModsAndTypedefs(referenced).id : referenced
        } catch {
            throw .kernelBTF(error)
        }
        let compatible = (try? COREMatch.typesAreCompatible(local, localType, btf, targetType)) ?? false
        guard compatible else {
            if e.weak && kind == .function {
                notes.append("extern (ksym) '\(e.name)': kernel prototype differs, weak: missing")
                return .missing
            }
            throw .extern(name: e.name, reason: "declared as \(local.displayName(localType)), but the kernel's \(what) is \(btf.displayName(targetType))")
        }
        notes.append("extern (ksym) '\(e.name)': \(module ?? "vmlinux") \(what) [\(id)]")
        return .btf(id: id, module: module)
    }

    /// Own type ids of `btf` for each name (any kind), in one string pass and one type walk.
    static func lookUp(_ names: [String], in btf: BTF) -> [String: [TypeID]] {
        guard !names.isEmpty else { return [:] }
        let offsets = btf.ownStringOffsets(of: names)
        var nameAt: [UInt32: String] = [:]
        for (i, list) in offsets.enumerated() {
            for offset in list { nameAt[offset] = names[i] }
        }
        var result: [String: [TypeID]] = [:]
        for id in btf.ownTypeIDs(nameOffsets: Set(nameAt.keys)) {
            guard let offset = btf.nameOffset(of: id), let name = nameAt[offset] else { continue }
            result[name, default: []].append(id)
        }
        return result
    }

    static func hexAddress(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }
}
