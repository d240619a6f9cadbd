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

    /// func_info and line_info for a linked program, with the records of each section looked up
    /// through `index`, which planning shares between all programs: an object with a thousand programs in one section then costs a
    /// thousand range lookups, not a thousand passes over the section's records.
    static func build(_ btf: ObjectBTF, object: BPFObjectFile, placements: [Placement], index: Index) -> FuncLineInfo {
        guard let ext = btf.ext else { return FuncLineInfo() }
        var funcs = ByteWriter(order: .host)
        var lines = ByteWriter(order: .host)
        var sourceLines: [SourceLine] = []
        for placement in placements {
            let function = placement.function
            func moved(_ byteOffset: UInt32) -> UInt32? {
                let instruction = Int(byteOffset / 8)
                guard byteOffset % 8 == 0, function.range.contains(instruction) else { return nil }
                return UInt32(placement.start + instruction - function.start)
            }
            let name = object.elf.sections[function.section].name
            for record in index.funcInfo(ext, btf, section: name).records(in: function.range) {
                guard let offset = moved(record.instructionOffset) else { continue }
                funcs.u32(offset)
                funcs.u32(record.typeID)
            }
            for record in index.lineInfo(ext, btf, section: name).records(in: function.range) {
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

    /// func_info and line_info records per ELF section name, built on first use in one pass over
    /// the groups: an object with many code sections costs one pass, not one per section.
    final class Index {
        private var funcInfos: [String: Records<FuncInfoRecord>]? = nil
        private var lineInfos: [String: Records<LineInfoRecord>]? = nil

        func funcInfo(_ ext: BTFExt, _ btf: ObjectBTF, section: String) -> Records<FuncInfoRecord> {
            let table = funcInfos ?? Index.bySection(ext.funcInfo, btf) { $0.instructionOffset }
            funcInfos = table
            return table[section] ?? Records([]) { $0.instructionOffset }
        }

        func lineInfo(_ ext: BTFExt, _ btf: ObjectBTF, section: String) -> Records<LineInfoRecord> {
            let table = lineInfos ?? Index.bySection(ext.lineInfo, btf) { $0.instructionOffset }
            lineInfos = table
            return table[section] ?? Records([]) { $0.instructionOffset }
        }

        private static func bySection<R>(_ groups: [BTFExtSection<R>], _ btf: ObjectBTF,
                                         offset: (R) -> UInt32) -> [String: Records<R>] {
            var grouped: [String: [BTFExtSection<R>]] = [:]
            for group in groups { grouped[btf.sectionName(group.sectionNameOffset), default: []].append(group) }
            return grouped.mapValues { Records($0, offset: offset) }
        }
    }

    /// The records of every `.BTF.ext` subsection for one ELF section, in file order, with an
    /// index by instruction for range lookups.
    struct Records<R> {
        let all: [R]
        /// Positions in `all`, sorted by instruction offset (then position).
        let byOffset: [Int]
        let offsets: [UInt32]

        /// - Parameter sections: the groups of one ELF section, in file order.
        init(_ sections: [BTFExtSection<R>], offset: (R) -> UInt32) {
            all = sections.flatMap { $0.records }
            let keys = all.map(offset)
            byOffset = Array(all.indices).sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }
            offsets = byOffset.map { keys[$0] }
        }

        /// The records whose byte offset falls in the instructions `range` (and possibly some
        /// that are not instruction-aligned, which callers reject), in file order.
        func records(in range: Range<Int>) -> [R] {
            let low = UInt64(range.lowerBound) * 8
            let high = UInt64(range.upperBound) * 8
            var first = 0
            var last = offsets.count
            while first < last {
                let middle = (first + last) / 2
                if UInt64(offsets[middle]) < low { first = middle + 1 } else { last = middle }
            }
            var positions: [Int] = []
            var i = first
            while i < offsets.count, UInt64(offsets[i]) < high {
                positions.append(byOffset[i])
                i += 1
            }
            positions.sort()
            return positions.map { all[$0] }
        }
    }

    /// Adds `shift` to the leading u32 (insn_off) of each record.
    static func shiftRecords(_ bytes: [UInt8], size: Int, by shift: Int, keepFirst: Bool = false,
                             duplicateFirst: Bool = false) -> [UInt8] {
        guard size >= 4, !bytes.isEmpty else { return bytes }
        let view = ByteView(bytes)
        var out = ByteWriter(order: .host, capacity: bytes.count + size)
        if duplicateFirst, let first = view.bytes(offset: 0, length: size) { out.append(first) }
        var at = 0
        while let record = view.bytes(offset: at, length: size), let offset = view.u32(at: at, .host) {
            let moved = keepFirst && at == 0 ? offset : offset + UInt32(shift)
            out.u32(moved)
            out.append(Array(record.dropFirst(4)))
            at += size
        }
        return out.bytes
    }
}
