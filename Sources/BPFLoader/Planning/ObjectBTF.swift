import BTFParser
import Bytes
import ELFReader

/// The object's `.BTF` and `.BTF.ext`: parsed and validated as untrusted input, then fixed up with
/// what the compiler leaves for the loader to fill in (DATASEC sizes, VAR offsets and linkage).
struct ObjectBTF {
    /// The BTF as the compiler wrote it (CO-RE reads local types and access strings from it).
    let original: BTF
    /// The fixed-up copy that will be loaded (after sanitising for the kernel).
    var fixed: EditableBTF
    let ext: BTFExt?

    /// Parses `.BTF` (and `.BTF.ext`) if the object has them.
    static func load(_ object: BPFObjectFile) throws(LoadError) -> ObjectBTF? {
        guard let section = object.sections(where: { $0 == .btf }).first else { return nil }
        let btf: BTF
        do {
            btf = try BTF(object.elf.data(of: section))
            try btf.validate()
        } catch {
            throw .btf(section: ".BTF", error)
        }
        var ext: BTFExt? = nil
        if let extSection = object.sections(where: { $0 == .btfExt }).first {
            do {
                let parsed = try BTFExt(object.elf.data(of: extSection))
                try check(parsed, btf: btf, object: object)
                ext = parsed
            } catch { throw .btf(section: ".BTF.ext", error) }
        }
        let fixed: EditableBTF
        do { fixed = try EditableBTF(btf) } catch { throw .btf(section: ".BTF", error) }
        return ObjectBTF(original: btf, fixed: fixed, ext: ext)
    }

    /// The BTF kinds present: only these need probing on the kernel.
    var kinds: Set<BTFKind> {
        Set(fixed.types.map { $0.kind })
    }

    /// The DATASEC describing ELF section `name`.
    func dataSection(named name: String) -> TypeID? {
        for (index, type) in fixed.types.enumerated() where type.kind == .dataSection {
            if fixed.string(at: type.nameOffset) == name { return TypeID(index + 1) }
        }
        return nil
    }

    /// Whether type `id` is a DATASEC with no variables (5.10 and 5.11 refuse one).
    func isEmptyDataSection(_ id: TypeID) -> Bool {
        guard case let .dataSection(_, vars)? = fixed.type(id)?.body else { return false }
        return vars.isEmpty
    }

    /// Whether any DATASEC has no variables: the kernel is then asked whether it takes one.
    var hasEmptyDataSection: Bool {
        fixed.types.indices.contains { isEmptyDataSection(TypeID($0 + 1)) }
    }

    /// Every DATASEC by name (the first of each name, as `dataSection(named:)` finds it): for
    /// callers that look up every global data section, which would otherwise cost sections × types.
    func dataSectionsByName() -> [String: TypeID] {
        var found: [String: TypeID] = [:]
        for (index, type) in fixed.types.enumerated() where type.kind == .dataSection {
            guard let name = fixed.string(at: type.nameOffset), found[name] == nil else { continue }
            found[name] = TypeID(index + 1)
        }
        return found
    }

    /// libbpf's btf_fixup_datasec: a DATASEC of size 0 gets its ELF section's size and its global
    /// VARs their symbols' offsets; hidden globals become static; VARs are sorted by offset. The
    /// extern sections (.kconfig, .ksyms) are laid out by the extern resolver instead.
    mutating func fixUpDataSections(_ object: BPFObjectFile) throws(LoadError) {
        // Every VAR needs its symbol: index them once (first of each name wins, as a search of the
        // table in order would find), or an object with n globals costs n searches of n symbols.
        var globalObjects: [String: ELFSymbol] = [:]
        for symbol in object.elf.symbols
        where symbol.type == .object && (symbol.binding == .global || symbol.binding == .weak) && globalObjects[symbol.name] == nil {
            globalObjects[symbol.name] = symbol
        }
        // Likewise each DATASEC's section (the first of its name, as ELFFile.section(named:) finds).
        var sections: [String: ELFSection] = [:]
        for section in object.elf.sections where sections[section.name] == nil { sections[section.name] = section }
        for index in fixed.types.indices {
            guard case let .dataSection(size, vars) = fixed.types[index].body else { continue }
            let name = fixed.string(at: fixed.types[index].nameOffset) ?? ""
            if name == ".kconfig" || name == ".ksyms" { continue }
            var newSize = size
            var fixOffsets = false
            if size == 0 {
                guard let section = sections[name], section.size > 0 else {
                    throw .btf(section: ".BTF", .invalidType(id: TypeID(index + 1),
                                                              reason: "DATASEC '\(name)' has no ELF section to take its size from"))
                }
                guard let size = UInt32(exactly: section.size) else {
                    throw .btf(section: ".BTF", .invalidType(id: TypeID(index + 1),
                                                              reason: "DATASEC '\(name)': section size \(section.size) does not fit in 32 bits"))
                }
                newSize = size
                fixOffsets = true
            }
            var newVars = vars
            for (i, info) in vars.enumerated() {
                guard let variable = fixed.type(info.type), case let .variable(type, linkage) = variable.body else {
                    throw .btf(section: ".BTF", .invalidType(id: TypeID(index + 1), reason: "DATASEC '\(name)' lists type [\(info.type)], which is not a VAR"))
                }
                if linkage == .static || linkage == .external { continue }
                let varName = fixed.string(at: variable.nameOffset) ?? ""
                guard let symbol = globalObjects[varName] else {
                    throw .btf(section: ".BTF", .invalidType(id: TypeID(index + 1), reason: "VAR '\(varName)' in DATASEC '\(name)' has no ELF symbol"))
                }
                if fixOffsets {
                    guard let offset = UInt32(exactly: symbol.value), offset <= newSize else {
                        throw .btf(section: ".BTF", .invalidType(id: TypeID(index + 1),
                                                                  reason: "VAR '\(varName)' at offset \(symbol.value) lies outside DATASEC '\(name)' (\(newSize) bytes)"))
                    }
                    newVars[i].offset = offset
                }
                if symbol.visibility == .hidden || symbol.visibility == .internal {
                    fixed.replace(info.type, with: BTFType(nameOffset: variable.nameOffset, body: .variable(type: type, linkage: .static)))
                }
            }
            newVars.sort { $0.offset < $1.offset }
            fixed.types[index].body = .dataSection(size: newSize, vars: newVars)
        }
    }

    /// Global functions with hidden visibility are static to the verifier (libbpf's mark_btf_static).
    mutating func markHiddenFunctionsStatic(_ object: BPFObjectFile) {
        let hidden = Set(object.elf.symbols.filter {
            $0.type == .function && $0.binding == .global && ($0.visibility == .hidden || $0.visibility == .internal)
        }.map { $0.name })
        guard !hidden.isEmpty else { return }
        for index in fixed.types.indices {
            guard case let .function(proto, .global) = fixed.types[index].body,
                  let name = fixed.string(at: fixed.types[index].nameOffset), hidden.contains(name) else { continue }
            fixed.types[index].body = .function(proto: proto, linkage: .static)
        }
    }

    /// The ELF section name of a .BTF.ext subsection (an offset in the object's strings).
    func sectionName(_ offset: UInt32) -> String {
        original.string(at: offset)?.string ?? ""
    }
}
