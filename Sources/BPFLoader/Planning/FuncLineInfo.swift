import ELFReader
import BTFParser
import Bytes

/// func_info and line_info for one linked program: the `.BTF.ext` records of every function placed
/// in it, with instruction offsets moved to where the function landed. The kernel wants them in
/// instruction units, sorted, one func_info per function start; record sizes are the minimal
/// 8 and 16 bytes every kernel accepts.
struct FuncLineInfo {
    var funcInfo: [UInt8] = []
    var lineInfo: [UInt8] = []
    var sourceLines: [SourceLine] = []

    static let funcInfoRecordSize: UInt32 = 8
    static let lineInfoRecordSize: UInt32 = 16

    static func build(_ btf: ObjectBTF, object: BPFObjectFile, placements: [Placement]) -> FuncLineInfo {
        guard let ext = btf.ext else { return FuncLineInfo() }
        var funcs = ByteWriter(order: .host)
        var lines = ByteWriter(order: .host)
        var sourceLines: [SourceLine] = []
        // Group records by ELF section name once per program.
        func records<R>(_ sections: [BTFExtSection<R>], for sectionIndex: Int) -> [R] {
            let name = object.elf.sections[sectionIndex].name
            return sections.filter { btf.sectionName($0.sectionNameOffset) == name }.flatMap { $0.records }
        }
        for placement in placements {
            let function = placement.function
            func moved(_ byteOffset: UInt32) -> UInt32? {
                let instruction = Int(byteOffset / 8)
                guard byteOffset % 8 == 0, function.range.contains(instruction) else { return nil }
                return UInt32(placement.start + instruction - function.start)
            }
            for record in records(ext.funcInfo, for: function.section) {
                guard let offset = moved(record.instructionOffset) else { continue }
                funcs.u32(offset)
                funcs.u32(record.typeID)
            }
            for record in records(ext.lineInfo, for: function.section) {
                guard let offset = moved(record.instructionOffset) else { continue }
                lines.u32(offset)
                lines.u32(record.fileNameOffset)
                lines.u32(record.lineOffset)
                lines.u32(record.lineColumn)
                sourceLines.append(SourceLine(
                    instruction: Int(offset), file: btf.original.string(at: record.fileNameOffset)?.string ?? "",
                    line: record.line, column: record.column,
                    text: btf.original.string(at: record.lineOffset)?.string ?? ""))
            }
        }
        return FuncLineInfo(funcInfo: funcs.bytes, lineInfo: lines.bytes, sourceLines: sourceLines)
    }
}
