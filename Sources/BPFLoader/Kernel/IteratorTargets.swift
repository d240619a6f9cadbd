import Bytes
import BTFParser

/// An iterator target of the running kernel, as its BTF describes it.
package struct IteratorTarget: Sendable, Equatable {
    /// A field of the program's context (`struct bpf_iter__<target>`), `meta` left out.
    package struct Field: Sendable, Equatable {
        /// The field's name in the context struct (`task`, `map`, `key`, ...).
        package var name: String
        /// C spelling of the type (`struct task_struct *`).
        package var type: String
    }

    /// The target name, as in `SEC("iter/<name>")`: the FUNC `bpf_iter_<name>` without its prefix.
    package var name: String
    /// The context's fields after `meta`, in declaration order.
    package var fields: [Field]
    /// The option the link takes for this target (`union bpf_iter_link_info`); nil for none.
    package var option: OptionKind?
    /// A sleepable (`iter.s/`) program may attach: the target supports rescheduling.
    package var sleepable: Bool
    /// The kernel module defining the target; nil for vmlinux.
    package var module: String?
    /// BTF id of `bpf_iter_<target>` in its BTF.
    package var functionID: TypeID
}

/// Reads the iterator targets out of kernel BTF. DEFINE_BPF_ITER_FUNC declares, for each target,
/// a FUNC `bpf_iter_<name>` whose first parameter is `struct bpf_iter_meta *` and the context
/// `struct bpf_iter__<name>`: a target has both (which tells it from the `bpf_iter_*_new` kfuncs of
/// open-coded iterators and from helpers such as `bpf_iter_get_info`).
package enum IteratorTargets {
    /// Targets that take a link option. The kernel keeps this in its registration tables, not in BTF.
    static let options: [String: OptionKind] = [
        "bpf_map_elem": .map, "bpf_sk_storage_map": .map, "sockmap": .map,
        "task": .task, "task_file": .task, "task_vma": .task,
        "cgroup": .cgroup,
    ]
    /// Targets registered with BPF_ITER_RESCHED (what lets sleepable programs attach), for when the
    /// kernel cannot be asked (`KernelProbe.acceptsSleepable` needs privileges).
    static let sleepable: Set<String> = ["task", "task_file", "task_vma", "cgroup", "dmabuf"]

    /// The link option a target takes (map, task or cgroup), nil for none.
    package static func option(of target: String) -> OptionKind? {
        options[target]
    }

    /// The targets of `btf`. `sleepableProbe`, if given, answers for each target whether a sleepable
    /// program may attach (by asking the kernel); otherwise the known table answers.
    package static func list(in btf: BTF, module: String? = nil,
                            sleepableProbe: ((TypeID) -> Bool?)? = nil) -> [IteratorTarget] {
        let prefix = "bpf_iter_"
        let strings = btf.ownStrings(withPrefix: prefix)
        guard !strings.isEmpty else { return [] }
        var nameAt: [UInt32: String] = [:]
        for (offset, text) in strings { nameAt[offset] = text }
        // One walk: the FUNCs and context structs among the `bpf_iter_*` names.
        var functions: [String: TypeID] = [:]
        var contexts: [String: TypeID] = [:]
        for id in btf.ownTypeIDs(nameOffsets: Set(nameAt.keys)) {
            guard let offset = btf.nameOffset(of: id), let name = nameAt[offset] else { continue }
            switch btf.kind(of: id) {
            case .function: functions[name] = id
            case .structure: contexts[name] = id
            default: break
            }
        }
        var targets: [IteratorTarget] = []
        for (functionName, id) in functions {
            let target = String(functionName.dropFirst(prefix.count))
            guard !target.hasPrefix("_"), let context = contexts[prefix + "_" + target], takesMeta(btf, function: id) else {
                continue
            }
            let fields = contextFields(btf, context)
            let canSleep = sleepableProbe?(id) ?? sleepable.contains(target)
            targets.append(IteratorTarget(name: target, fields: fields, option: options[target],
                                          sleepable: canSleep, module: module, functionID: id))
        }
        targets.sort { $0.name < $1.name }
        return targets
    }

    /// True if the FUNC's first parameter is a pointer to `struct bpf_iter_meta`.
    static func takesMeta(_ btf: BTF, function: TypeID) -> Bool {
        guard case let .function(proto, _)? = try? btf.type(function).body,
              case let .functionProto(_, params)? = try? btf.type(proto).body,
              let first = params.first,
              case let .pointer(pointee)? = try? btf.skipModsAndTypedefs(first.type).type.body
        else { return false }
        return btf.name(of: pointee) == "bpf_iter_meta"
    }

    /// The context's fields after `meta`. Each is declared with `__bpf_md_ptr(type, name)`, an
    /// anonymous union around the pointer: unwrap it to the pointer's name and type.
    static func contextFields(_ btf: BTF, _ context: TypeID) -> [IteratorTarget.Field] {
        guard let type = try? btf.type(context) else { return [] }
        var fields: [IteratorTarget.Field] = []
        for member in type.members {
            var name = btf.string(at: member.nameOffset)?.string ?? ""
            var typeID = member.type
            if name.isEmpty, let inner = try? btf.type(member.type), inner.kind == .union, let first = inner.members.first {
                name = btf.string(at: first.nameOffset)?.string ?? ""
                typeID = first.type
            }
            if name == "meta" || name.isEmpty { continue }
            fields.append(IteratorTarget.Field(name: name, type: btf.displayName(typeID)))
        }
        return fields
    }
}
