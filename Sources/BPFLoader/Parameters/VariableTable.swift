import BTFParser
import Bytes
import ELFReader

/// The settable globals of an object and the externs it declares, from its DATASECs after the
/// loader's fix-up (the compiler leaves global VARs at offset 0 for the loader to place, and
/// hidden globals become static: neither kind is exposed).
struct VariableTable {
    /// The object's BTF as compiled: the variables' types (fix-up changes only DATASECs and VARs).
    let btf: BTF?
    /// In section order, then by offset.
    let variables: [GlobalVariable]
    /// The externs, by name.
    let externs: [String: VariableError.ExternSource]

    /// The table of a prepared object. Decoding a default value may fail (a type with no decoded
    /// form): the variable is listed with why. A VAR placed outside its section is an error.
    static func make(_ object: BPFObjectFile, prepared: PreparedObject) throws(LoadError) -> VariableTable {
        // An object with no BTF has no variables to set.
        guard let objectBTF = prepared.btf else { return VariableTable(btf: nil, variables: [], externs: [:]) }
        let fixed = objectBTF.fixed
        let btf = objectBTF.original
        let datasecs = objectBTF.dataSectionsByName()
        var variables: [GlobalVariable] = []
        for section in object.elf.sections {
            guard case let .globalData(kind) = object.roles[section.index], kind != .kconfig,
                let datasec = datasecs[section.name], case let .dataSection(_, vars)? = fixed.type(datasec)?.body
            else { continue }
            let contents = kind == .bss ? nil : object.elf.data(of: section)
            for info in vars {
                guard case let .variable(type, .global)? = fixed.type(info.type)?.body else { continue }
                let name = fixed.name(of: info.type)
                let size: UInt64
                do { size = try btf.size(of: type) } catch { throw .btf(section: ".BTF", error) }
                // A map value's size is 32-bit (GlobalData.plan refuses larger sections), so is any variable's.
                guard size <= UInt64(UInt32.max), UInt64(info.offset) + size <= section.size else {
                    throw .btf(
                        section: ".BTF",
                        .invalidType(
                            id: datasec,
                            reason:
                                "VAR '\(name)' (\(size) bytes at offset \(info.offset)) lies outside section '\(section.name)' (\(section.size) bytes)"))
                }
                let defaultValue: Result<BTFValue, BTFValueError>
                if size > UInt64(BTF.maximumTextValueSize) {
                    // No map value the kernel takes is this large: not worth decoding (or zeroing, for .bss).
                    defaultValue = .failure(.unsupported(type: btf.displayName(type), reason: "\(size) bytes, more than any map value holds"))
                } else {
                    // .bss is zero. A section whose bytes stop short of its size decodes as truncated.
                    let bytes = contents.map { $0.suffix(from: Int(info.offset)) ?? .empty } ?? ByteView([UInt8](repeating: 0, count: Int(size)))
                    do { defaultValue = .success(try btf.decodeValue(of: type, from: bytes)) } catch { defaultValue = .failure(error) }
                }
                variables.append(
                    GlobalVariable(
                        name: name, section: section.name, type: btf.displayName(type),
                        offset: Int(info.offset), size: Int(size), defaultValue: defaultValue, typeID: type))
            }
        }
        var externs: [String: VariableError.ExternSource] = [:]
        for e in prepared.externs { externs[e.name] = e.isKconfig ? .kconfig : .ksym }
        return VariableTable(btf: btf, variables: variables, externs: externs)
    }

    /// The settable variable called `name`.
    func variable(named name: String) -> GlobalVariable? {
        variables.first { $0.name == name }
    }
}
