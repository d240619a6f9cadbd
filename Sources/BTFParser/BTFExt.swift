import Bytes

/// A func_info record: the BTF FUNC describing the function starting at `instructionOffset`.
public struct FuncInfoRecord: Sendable, Equatable {
    /// Byte offset of the instruction in its ELF section.
    public var instructionOffset: UInt32
    /// `bpf_func_info.type_id`: the FUNC type, in the object's BTF, of the function starting there.
    public var typeID: TypeID
}

/// A line_info record: which source line an instruction came from.
public struct LineInfoRecord: Sendable, Equatable {
    /// `bpf_line_info.insn_off`: byte offset of the instruction in its ELF section.
    public var instructionOffset: UInt32
    /// `bpf_line_info.file_name_off`: offset of the source file name in the object's BTF strings.
    public var fileNameOffset: UInt32
    /// `bpf_line_info.line_off`: offset of the source line's text in the object's BTF strings.
    public var lineOffset: UInt32
    /// `line << 10 | column`, as the kernel stores it.
    public var lineColumn: UInt32

    /// Source line number (`BPF_LINE_INFO_LINE_NUM`: the upper 22 bits of `line_col`).
    public var line: UInt32 { lineColumn >> 10 }
    /// Source column (`BPF_LINE_INFO_LINE_COL`: the low 10 bits of `line_col`).
    public var column: UInt32 { lineColumn & 0x3ff }
}

/// `enum bpf_core_relo_kind`: what a CO-RE relocation asks the loader to compute.
public enum CORERelocationKind: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case fieldByteOffset = 0
    case fieldByteSize = 1
    case fieldExists = 2
    case fieldSigned = 3
    case fieldLeftShift = 4
    case fieldRightShift = 5
    case typeIDLocal = 6
    case typeIDTarget = 7
    case typeExists = 8
    case typeSize = 9
    case enumValueExists = 10
    case enumValue = 11
    case typeMatches = 12

    /// libbpf's names, used in `-d` output and messages.
    public var description: String {
        switch self {
        case .fieldByteOffset: return "byte_off"
        case .fieldByteSize: return "byte_sz"
        case .fieldExists: return "field_exists"
        case .fieldSigned: return "signed"
        case .fieldLeftShift: return "lshift_u64"
        case .fieldRightShift: return "rshift_u64"
        case .typeIDLocal: return "local_type_id"
        case .typeIDTarget: return "target_type_id"
        case .typeExists: return "type_exists"
        case .typeSize: return "type_size"
        case .enumValueExists: return "enumval_exists"
        case .enumValue: return "enumval_value"
        case .typeMatches: return "type_matches"
        }
    }

    /// A `BPF_CORE_FIELD_*` kind (0-5): the access spec is a path to a struct/union member.
    public var isFieldBased: Bool { rawValue <= 5 }
    /// A `BPF_CORE_TYPE_*` kind (type id local/target, exists, size, matches): about the type itself.
    public var isTypeBased: Bool { (6...9).contains(rawValue) || self == .typeMatches }
    /// A `BPF_CORE_ENUMVAL_*` kind: the access spec names an enumerator of an ENUM or ENUM64.
    public var isEnumValueBased: Bool { self == .enumValueExists || self == .enumValue }
}

/// A CO-RE relocation record (`struct bpf_core_relo`).
public struct CORERelocationRecord: Sendable, Equatable {
    /// `bpf_core_relo.insn_off`: byte offset, in its ELF section, of the instruction to patch.
    public var instructionOffset: UInt32
    /// The local (object) BTF type the access starts from.
    public var typeID: TypeID
    /// Offset in the object's BTF strings of the access spec (`0:1:2`).
    public var accessStringOffset: UInt32
    /// `bpf_core_relo.kind`: what to compute from the matching kernel type.
    public var kind: CORERelocationKind
}

/// The records of one ELF section, in one of the three .BTF.ext subsections.
public struct BTFExtSection<Record> {
    /// Offset in the object's BTF strings of the ELF section name.
    public var sectionNameOffset: UInt32
    /// The section's records, in file order.
    public var records: [Record]

    /// A group of records for the ELF section whose name is at `sectionNameOffset`.
    public init(sectionNameOffset: UInt32, records: [Record]) {
        self.sectionNameOffset = sectionNameOffset
        self.records = records
    }
}

extension BTFExtSection: Equatable where Record: Equatable {}
extension BTFExtSection: Sendable where Record: Sendable {}

/// A parsed `.BTF.ext`: func_info, line_info and CO-RE relocations per ELF section.
public struct BTFExt: Sendable, Equatable {
    /// Bytes of `struct btf_ext_header` up to `line_info_len`; `core_relo_off`/`core_relo_len`
    /// (bytes 24-31) are optional.
    public static let headerMinimum = 24

    /// `func_info_rec_size`: bytes per func_info record as the object states it (at least 8,
    /// `sizeof(struct bpf_func_info)`); 8 when there is no func_info.
    public var funcInfoRecordSize: UInt32
    /// func_info records, one group per ELF section.
    public var funcInfo: [BTFExtSection<FuncInfoRecord>]
    /// `line_info_rec_size`: bytes per line_info record as the object states it (at least 16,
    /// `sizeof(struct bpf_line_info)`); 16 when there is no line_info.
    public var lineInfoRecordSize: UInt32
    /// line_info records, one group per ELF section.
    public var lineInfo: [BTFExtSection<LineInfoRecord>]
    /// CO-RE relocation records, one group per ELF section; an unknown `kind` makes parsing throw.
    public var coreRelocations: [BTFExtSection<CORERelocationRecord>]

    /// A `.BTF.ext` from parts; record sizes default to `sizeof(bpf_func_info)` and `sizeof(bpf_line_info)`.
    public init(funcInfoRecordSize: UInt32 = 8, funcInfo: [BTFExtSection<FuncInfoRecord>] = [],
                lineInfoRecordSize: UInt32 = 16, lineInfo: [BTFExtSection<LineInfoRecord>] = [],
                coreRelocations: [BTFExtSection<CORERelocationRecord>] = []) {
        self.funcInfoRecordSize = funcInfoRecordSize
        self.funcInfo = funcInfo
        self.lineInfoRecordSize = lineInfoRecordSize
        self.lineInfo = lineInfo
        self.coreRelocations = coreRelocations
    }

    /// Parses `.BTF.ext`. Every count and size is checked against the bytes before anything is
    /// allocated from it: a corrupt count cannot make us allocate more than the section holds.
    public init(_ blob: ByteView) throws(BTFError) {
        guard blob.count >= BTFExt.headerMinimum, let magic = blob.u16(at: 0, .little) else {
            throw .badExt("\(blob.count) bytes, too short for its header")
        }
        let order: ByteOrder
        switch magic {
        case 0xeb9f: order = .little
        case 0x9feb: order = .big
        default: throw .badExt("bad magic \(hex(magic))")
        }
        guard blob.u8(at: 2) == 1 else { throw .badExt("unsupported version \(blob.u8(at: 2) ?? 0)") }
        let headerLength = Int(blob.u32(at: 4, order) ?? 0)
        guard headerLength >= BTFExt.headerMinimum, headerLength <= blob.count else {
            throw .badExt("header length \(headerLength) is invalid")
        }
        func subsection(_ name: String, at field: Int) throws(BTFError) -> ByteView? {
            guard field + 8 <= headerLength, let offset = blob.u32(at: field, order), let length = blob.u32(at: field + 4, order) else {
                return nil
            }
            guard length > 0 else { return nil }
            let (start, overflow) = headerLength.addingReportingOverflow(Int(offset))
            guard !overflow, let view = blob.slice(offset: start, length: Int(length)) else {
                throw .badExt("\(name) at \(hex(offset)) + \(hex(length)) beyond the end (\(hex(blob.count)))")
            }
            return view
        }
        let funcBytes = try subsection("func_info", at: 8)
        let lineBytes = try subsection("line_info", at: 16)
        let coreBytes = try subsection("core_relo", at: 24)

        (funcInfoRecordSize, funcInfo) = try BTFExt.parse(funcBytes, "func_info", minimum: 8, order) { v, at in
            FuncInfoRecord(instructionOffset: v.u32(at: at, order) ?? 0, typeID: v.u32(at: at + 4, order) ?? 0)
        }
        (lineInfoRecordSize, lineInfo) = try BTFExt.parse(lineBytes, "line_info", minimum: 16, order) { v, at in
            LineInfoRecord(instructionOffset: v.u32(at: at, order) ?? 0, fileNameOffset: v.u32(at: at + 4, order) ?? 0,
                           lineOffset: v.u32(at: at + 8, order) ?? 0, lineColumn: v.u32(at: at + 12, order) ?? 0)
        }
        var coreSections: [BTFExtSection<CORERelocationRecord>] = []
        if let coreBytes {
            var bad: (UInt32, Int)? = nil
            let (_, raw) = try BTFExt.parse(coreBytes, "core_relo", minimum: 16, order) { v, at in
                (v.u32(at: at, order) ?? 0, v.u32(at: at + 4, order) ?? 0, v.u32(at: at + 8, order) ?? 0, v.u32(at: at + 12, order) ?? 0)
            }
            for (sectionIndex, section) in raw.enumerated() {
                var records: [CORERelocationRecord] = []
                records.reserveCapacity(section.records.count)
                for (index, r) in section.records.enumerated() {
                    guard let kind = CORERelocationKind(rawValue: r.3) else {
                        bad = (r.3, index)
                        break
                    }
                    records.append(CORERelocationRecord(instructionOffset: r.0, typeID: r.1, accessStringOffset: r.2, kind: kind))
                }
                if let (kind, index) = bad {
                    throw .badExt("core_relo section \(sectionIndex) record \(index): unknown relocation kind \(kind)")
                }
                coreSections.append(BTFExtSection(sectionNameOffset: section.sectionNameOffset, records: records))
            }
        }
        coreRelocations = coreSections
    }

    /// Parses one subsection: a record size, then `{sec_name_off, num_info, records…}` groups.
    private static func parse<R>(_ bytes: ByteView?, _ name: String, minimum: UInt32, _ order: ByteOrder,
                                 _ decode: (ByteView, Int) -> R) throws(BTFError) -> (UInt32, [BTFExtSection<R>]) {
        guard let bytes else { return (minimum, []) }
        guard let recordSize = bytes.u32(at: 0, order) else { throw .badExt("\(name): missing record size") }
        guard recordSize >= minimum, recordSize % 4 == 0, recordSize <= 1024 else {
            throw .badExt("\(name): record size \(recordSize), expected at least \(minimum) and a multiple of 4")
        }
        var sections: [BTFExtSection<R>] = []
        var at = 4
        while at < bytes.count {
            guard let nameOffset = bytes.u32(at: at, order), let count = bytes.u32(at: at + 4, order) else {
                throw .badExt("\(name): truncated section header at \(hex(at))")
            }
            at += 8
            let (length, overflow) = Int(count).multipliedReportingOverflow(by: Int(recordSize))
            guard count > 0, !overflow, bytes.contains(offset: at, length: length) else {
                throw .badExt("\(name): \(count) records of \(recordSize) bytes at \(hex(at)) do not fit in \(hex(bytes.count)) bytes")
            }
            var records: [R] = []
            records.reserveCapacity(Int(count))
            for i in 0..<Int(count) { records.append(decode(bytes, at + i * Int(recordSize))) }
            sections.append(BTFExtSection(sectionNameOffset: nameOffset, records: records))
            at += length
        }
        return (recordSize, sections)
    }
}
