import BTFParser

/// Where the object's BTF declares its externs, found in one walk over its types. Describing each
/// extern symbol by searching every type (and every DATASEC) for it would cost externs × types,
/// minutes for an object of a few thousand `__ksym` externs.
struct ExternDeclarations {
    /// The first extern VAR or FUNC of each name, in id order (libbpf's find_extern_btf_id).
    var byName: [String: TypeID] = [:]
    /// The name of the first DATASEC that lists each type.
    var dataSection: [TypeID: String] = [:]

    init(_ btf: EditableBTF) {
        for (index, type) in btf.types.enumerated() {
            switch type.body {
            case .variable(_, .external), .function(_, .external):
                // Only these types' names are read: making a String of every name was the cost.
                guard let name = btf.string(at: type.nameOffset), byName[name] == nil else { continue }
                byName[name] = TypeID(index + 1)
            case let .dataSection(_, vars):
                // An unreadable name (validation rejects those) reads as '', which no extern section has.
                let name = btf.string(at: type.nameOffset) ?? ""
                for v in vars where dataSection[v.type] == nil { dataSection[v.type] = name }
            default:
                continue
            }
        }
    }
}
