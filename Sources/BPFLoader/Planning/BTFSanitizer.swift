import BTFParser

/// Rewrites an object's BTF into what an older kernel's BTF loader accepts, kind by kind, exactly
/// as libbpf's bpf_object__sanitize_btf does, so that objects built by a new clang load on old
/// kernels. Type ids never change (rewrites are in place; the one new type is appended), so
/// func_info, map key/value ids and CO-RE results stay valid.
package enum BTFSanitizer {
    /// The object's BTF with every kind this kernel lacks replaced by one it knows.
    ///
    /// - Parameters:
    ///   - btf: The object's BTF, after CO-RE and extern fix-ups.
    ///   - support: The BTF kinds the running kernel's BPF_BTF_LOAD accepts (probed).
    /// - Returns: `btf` unchanged when the kernel supports everything; otherwise a copy with the same
    ///   type ids.
    package static func sanitize(_ btf: EditableBTF, for support: BTFSupport) -> EditableBTF {
        guard support != .all else { return btf }
        var out = btf
        var enum64Placeholder: TypeID? = nil
        for index in out.types.indices {
            let type = out.types[index]
            switch type.body {
            case .variable where !support.dataSections, .declTag where !support.declTag:
                // A 1-byte INT: 4 could exceed what the variable took and fail validation.
                out.types[index].body = .int(size: 1, encoding: [], bitOffset: 0, bits: 8)
            case let .dataSection(_, vars) where !support.dataSections || (vars.isEmpty && !support.emptyDataSections):
                // A struct with the variables as members; dots are not valid in a struct's name. A
                // DATASEC without variables becomes an empty struct of its size where the kernel
                // refuses it ("vlen == 0" before 5.12; libbpf then loads without BTF at all).
                let name = (out.string(at: type.nameOffset) ?? "").replacingDots()
                let members = vars.map { info in
                    BTFMember(nameOffset: out.type(info.type)?.nameOffset ?? 0, type: info.type,
                              bitOffset: info.offset &* 8, bitfieldSize: 0)
                }
                out.types[index] = BTFType(nameOffset: out.addString(name),
                                           body: .structure(size: type.declaredSize ?? 0, members: members, bitfields: false))
            case let .functionProto(_, params) where !support.functions:
                // An enum with one value per parameter: same record layout, a kind old kernels know.
                out.types[index].body = .enumeration(size: 4, signed: false, values: params.map {
                    BTFEnumValue(nameOffset: $0.nameOffset, value: Int64($0.type))
                })
            case let .function(proto, _) where !support.functions:
                out.types[index].body = .typedef(proto)
            case let .function(proto, linkage) where !support.globalFunctions && linkage != .static:
                out.types[index].body = .function(proto: proto, linkage: .static)
            case let .float(size) where !support.float:
                // An empty struct of the same size; anonymous, since "float" is no valid struct name.
                out.types[index] = BTFType(nameOffset: 0, body: .structure(size: size, members: [], bitfields: false))
            case let .typeTag(next) where !support.typeTag:
                out.types[index] = BTFType(nameOffset: 0, body: .const(next))
            case let .enumeration(size, true, values) where !support.enum64:
                // Signed enums (kind_flag) came with ENUM64.
                out.types[index].body = .enumeration(size: size, signed: false, values: values)
            case let .enum64(size, _, values) where !support.enum64:
                let placeholder: TypeID
                if let existing = enum64Placeholder {
                    placeholder = existing
                } else {
                    let name = out.addString("enum64_placeholder")
                    placeholder = out.append(BTFType(nameOffset: name, body: .int(size: 1, encoding: [], bitOffset: 0, bits: 8)))
                    enum64Placeholder = placeholder
                }
                out.types[index].body = .union(size: size, members: values.map {
                    BTFMember(nameOffset: $0.nameOffset, type: placeholder, bitOffset: 0, bitfieldSize: 0)
                }, bitfields: false)
            default:
                break
            }
        }
        return out
    }
}

extension String {
    func replacingDots() -> String {
        String(decoding: utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }
}
