import BTFParser
import Bytes
import ELFReader

/// Checks `.BTF.ext` against the object it came with, when the object is opened: every group names
/// a code section of this ELF file by a readable string, and every func_info record names a FUNC of
/// the object's BTF at an instruction of that section. Without this, a group with an unreadable name
/// was silently dropped (the object loaded without its func_info) or blamed on a program named '',
/// and a bad func_info type reached the kernel as a bare EINVAL from BPF_PROG_LOAD.
extension ObjectBTF {
    static func check(_ ext: BTFExt, btf: BTF, object: BPFObjectFile) throws(BTFError) {
        var codeSections: [String: Int] = [:]
        for (index, instructions) in object.code where index < object.elf.sections.count {
            codeSections[object.elf.sections[index].name] = instructions.count * 8
        }

        /// The code section a group applies to, and its size in bytes.
        func section(of group: UInt32, _ subsection: String, _ number: Int, holding what: String) throws(BTFError) -> (String, Int) {
            guard let name = btf.string(at: group)?.string else {
                throw .badExt("\(subsection) section \(number): section name offset \(hex(group)) is outside the BTF strings (\(hex(btf.header.stringLength)) bytes)")
            }
            guard let size = codeSections[name] else {
                throw .badExt("\(subsection) section \(number): \(what) for section '\(name)', which holds no code")
            }
            return (name, size)
        }

        func checkOffset(_ offset: UInt32, _ subsection: String, _ number: Int, record: Int, in name: String, size: Int) throws(BTFError) {
            guard offset % 8 == 0, Int(offset) < size else {
                throw .badExt("\(subsection) section \(number) record \(record): instruction offset \(offset) is not an instruction of section '\(name)' (\(size) bytes)")
            }
        }

        for (number, group) in ext.funcInfo.enumerated() {
            let (name, size) = try section(of: group.sectionNameOffset, "func_info", number, holding: "func_info")
            for (record, info) in group.records.enumerated() {
                try checkOffset(info.instructionOffset, "func_info", number, record: record, in: name, size: size)
                guard Int(info.typeID) < btf.typeCount, btf.kind(of: info.typeID) == .function else {
                    throw .badExt("func_info section \(number) record \(record): type [\(info.typeID)] is not a FUNC of the object's BTF (\(btf.typeCount - 1) types)")
                }
            }
        }
        for (number, group) in ext.lineInfo.enumerated() {
            let (name, size) = try section(of: group.sectionNameOffset, "line_info", number, holding: "line_info")
            for (record, info) in group.records.enumerated() {
                try checkOffset(info.instructionOffset, "line_info", number, record: record, in: name, size: size)
            }
        }
        for (number, group) in ext.coreRelocations.enumerated() {
            _ = try section(of: group.sectionNameOffset, "core_relo", number, holding: "CO-RE relocations")
        }
    }
}
