import BTFParser
import SyscallBPF

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
        let found = kernel.names?.typeIDsByName(wanted) ?? lookUp(wanted, in: kernel.vmlinux)
        let inModules = moduleHits(externs, vmlinuxHits: found, kernel: kernel)
        var resolutions: [ExternResolution] = []
        resolutions.reserveCapacity(externs.count)
        for e in externs {
            switch e.kind {
            case .kconfig:
                resolutions.append(.kconfig(offset: e.dataOffset))
            case .ksymAddress:
                if facts.kallsyms[e.name] == Kallsyms.ambiguous {
                    throw .externUnresolved(name: e.name, reason: "several different addresses in /proc/kallsyms: resolution is ambiguous", .EINVAL)
                }
                if facts.kallsyms[e.name] == 0 {
                    // With kernel.kptr_restrict=2 (or without CAP_SYSLOG) every address reads as 0:
                    // patching in 0 would load a program that reads from address 0.
                    throw .externUnresolved(name: e.name, reason: "/proc/kallsyms shows its address as 0 (addresses hidden: kernel.kptr_restrict, or no CAP_SYSLOG)", .EPERM)
                }
                if let address = facts.kallsyms[e.name] {
                    notes.append("extern (ksym) '\(e.name)': address \(hexAddress(address)) from /proc/kallsyms")
                    resolutions.append(.address(address))
                } else if e.weak {
                    notes.append("extern (ksym) '\(e.name)': not in /proc/kallsyms, weak: 0")
                    resolutions.append(.address(0))
                } else {
                    throw .externUnresolved(name: e.name, reason: "not found in /proc/kallsyms", .ESRCH)
                }
            case let .ksymVariable(localType):
                resolutions.append(try resolveBTF(e, name: e.name, kind: .variable, localType: localType, local: local,
                                                  kernel: kernel, vmlinuxHits: found, moduleHits: inModules, notes: &notes))
            case let .kfunc(proto):
                resolutions.append(try resolveBTF(e, name: CORENames.essential(e.name), kind: .function, localType: proto, local: local,
                                                  kernel: kernel, vmlinuxHits: found, moduleHits: inModules, notes: &notes))
            }
        }
        return resolutions
    }

    private static func resolveBTF(_ e: Extern, name: String, kind: BTFKind, localType: TypeID, local: BTF, kernel: KernelTypes,
                                   vmlinuxHits: [String: [TypeID]], moduleHits: ModuleHits,
                                   notes: inout [String]) throws(LoadError) -> ExternResolution {
        let what = kind == .function ? "function" : "variable"
        var candidates: [(BTF, TypeID, String?)] = (vmlinuxHits[name] ?? []).compactMap { id in
            kernel.vmlinux.kind(of: id) == kind ? (kernel.vmlinux, id, nil) : nil
        }
        if candidates.isEmpty, let hit = moduleHits[name, kind] {
            candidates.append((hit.btf, hit.id, hit.module))
        }
        guard let (btf, id, module) = candidates.first else {
            if e.weak {
                notes.append("extern (ksym) '\(e.name)': no kernel \(what) '\(name)', weak: missing")
                return .missing
            }
            throw .externUnresolved(name: e.name, reason: "no kernel \(what) '\(name)' in vmlinux or module BTF", .ESRCH)
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
            throw .externUnresolved(name: e.name, reason: "declared as \(local.displayName(localType)), but the kernel's \(what) is \(btf.displayName(targetType))", .EINVAL)
        }
        notes.append("extern (ksym) '\(e.name)': \(module ?? "vmlinux") \(what) [\(id)]")
        return .btf(id: id, module: module)
    }

    /// For each name wanted as a variable or a function that vmlinux lacks as such, the first
    /// module (in name order) with an own type of that name and kind, and its id there. All
    /// names are looked up in each module at once: one module at a time per name would read
    /// every module's strings once per extern (thousands of weak ksyms × a hundred modules).
    static func moduleHits(_ externs: [Extern], vmlinuxHits: [String: [TypeID]], kernel: KernelTypes) -> ModuleHits {
        var hits = ModuleHits()
        guard let modules = kernel.modules else { return hits }
        var remaining: [(name: String, kind: BTFKind)] = []
        var listedVariables = Set<String>()
        var listedFunctions = Set<String>()
        for e in externs {
            let wanted: (name: String, kind: BTFKind)
            switch e.kind {
            case .ksymVariable: wanted = (e.name, .variable)
            case .kfunc: wanted = (CORENames.essential(e.name), .function)
            default: continue
            }
            let inVmlinux = (vmlinuxHits[wanted.name] ?? []).contains { kernel.vmlinux.kind(of: $0) == wanted.kind }
            guard !inVmlinux else { continue }
            let new = wanted.kind == .function ? listedFunctions.insert(wanted.name).inserted
                                               : listedVariables.insert(wanted.name).inserted
            if new { remaining.append(wanted) }
        }
        guard !remaining.isEmpty else { return hits }
        for module in modules.moduleNames() {
            guard let btf = modules.btf(of: module) else { continue }
            var seen = Set<String>()
            let found = lookUp(remaining.map { $0.name }.filter { seen.insert($0).inserted }, in: btf)
            remaining = remaining.filter { wanted in
                guard let id = (found[wanted.name] ?? []).first(where: { btf.kind(of: $0) == wanted.kind }) else { return true }
                hits[wanted.name, wanted.kind] = ModuleHits.Hit(btf: btf, id: id, module: module)
                return false
            }
            if remaining.isEmpty { break }
        }
        return hits
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

/// Kernel variables and functions found in module BTF, by name and kind.
struct ModuleHits {
    struct Hit {
        let btf: BTF
        let id: TypeID
        let module: String
    }

    private var variables: [String: Hit] = [:]
    private var functions: [String: Hit] = [:]

    subscript(name: String, kind: BTFKind) -> Hit? {
        get { kind == .function ? functions[name] : variables[name] }
        set {
            if kind == .function { functions[name] = newValue } else { variables[name] = newValue }
        }
    }
}
