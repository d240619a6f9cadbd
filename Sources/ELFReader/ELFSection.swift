import Bytes

/// sh_type: the kinds of section a BPF object contains, and the rest kept by number.
public enum SectionType: Equatable, Sendable, CustomStringConvertible {
    /// SHT_NULL: section 0 and unused entries.
    case null
    /// SHT_PROGBITS: code and initialised data (program sections, `.data`, `.rodata`, `.maps`, `.BTF`).
    case progbits
    /// SHT_SYMTAB.
    case symtab
    /// SHT_STRTAB.
    case strtab
    /// SHT_RELA: relocations with explicit addends.
    case rela
    /// SHT_NOBITS: occupies no file bytes (`.bss`).
    case nobits
    /// SHT_REL: relocations whose addend is in the patched bytes (what clang emits for BPF).
    case rel
    /// SHT_SYMTAB_SHNDX: extended section indices for symbols with st_shndx == SHN_XINDEX.
    case symtabShndx
    /// SHT_LLVM_ADDRSIG and friends: present in clang output, ignored by loaders.
    case llvm(UInt32)
    /// Any other sh_type, by number.
    case other(UInt32)

    init(_ raw: UInt32) {
        switch raw {
        case 0: self = .null
        case 1: self = .progbits
        case 2: self = .symtab
        case 3: self = .strtab
        case 4: self = .rela
        case 8: self = .nobits
        case 9: self = .rel
        case 18: self = .symtabShndx
        case 0x6fff_4c00...0x6fff_4cff: self = .llvm(raw)
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .progbits: return "PROGBITS"
        case .symtab: return "SYMTAB"
        case .strtab: return "STRTAB"
        case .rela: return "RELA"
        case .nobits: return "NOBITS"
        case .rel: return "REL"
        case .symtabShndx: return "SYMTAB_SHNDX"
        case let .llvm(raw): return "LLVM(\(hex(raw)))"
        case let .other(raw): return "type \(hex(raw))"
        }
    }
}

/// sh_flags bits.
public struct SectionFlags: OptionSet, Sendable {
    /// The sh_flags word.
    public let rawValue: UInt64
    /// Flags from a raw sh_flags word.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// SHF_WRITE.
    public static let write = SectionFlags(rawValue: 0x1)
    /// SHF_ALLOC.
    public static let alloc = SectionFlags(rawValue: 0x2)
    /// SHF_EXECINSTR: with PROGBITS, marks a section of BPF instructions.
    public static let execInstr = SectionFlags(rawValue: 0x4)
    /// SHF_MERGE.
    public static let merge = SectionFlags(rawValue: 0x10)
    /// SHF_STRINGS.
    public static let strings = SectionFlags(rawValue: 0x20)
}

/// One Elf64_Shdr, with its name resolved.
public struct ELFSection: Sendable {
    /// sizeof(Elf64_Shdr).
    public static let headerSize = 64

    /// Position in the section header table (what sh_link, sh_info and st_shndx refer to).
    public let index: Int
    /// sh_name resolved in the section name table; empty for section 0.
    public let name: String
    /// sh_type.
    public let type: SectionType
    /// sh_flags.
    public let flags: SectionFlags
    /// sh_offset: where the contents start in the file.
    public let offset: UInt64
    /// sh_size: bytes of contents (for NOBITS, the size in memory).
    public let size: UInt64
    /// sh_link: for SYMTAB the string table, for REL/RELA the symbol table.
    public let link: UInt32
    /// sh_info: for REL/RELA the section the relocations apply to.
    public let info: UInt32
    /// sh_addralign.
    public let addressAlignment: UInt64
    /// sh_entsize: entry size for table sections, 0 otherwise.
    public let entrySize: UInt64

    /// True for sections that occupy bytes in the file (everything but NOBITS and NULL).
    public var hasFileData: Bool { type != .nobits && type != .null }

    /// Reads the raw header fields of section `index` (name not yet resolved).
    static func parseRaw(_ bytes: ByteView, at offset: Int, index: Int, _ order: ByteOrder) -> RawSectionHeader? {
        guard bytes.contains(offset: offset, length: headerSize),
              let nameOffset = bytes.u32(at: offset, order),
              let type = bytes.u32(at: offset + 4, order),
              let flags = bytes.u64(at: offset + 8, order),
              let fileOffset = bytes.u64(at: offset + 24, order),
              let size = bytes.u64(at: offset + 32, order),
              let link = bytes.u32(at: offset + 40, order),
              let info = bytes.u32(at: offset + 44, order),
              let align = bytes.u64(at: offset + 48, order),
              let entrySize = bytes.u64(at: offset + 56, order)
        else { return nil }
        return RawSectionHeader(
            index: index, nameOffset: nameOffset, type: SectionType(type), flags: SectionFlags(rawValue: flags),
            offset: fileOffset, size: size, link: link, info: info, addressAlignment: align, entrySize: entrySize)
    }
}

/// A section header before its name is looked up in the section name table.
struct RawSectionHeader {
    let index: Int
    let nameOffset: UInt32
    let type: SectionType
    let flags: SectionFlags
    let offset: UInt64
    let size: UInt64
    let link: UInt32
    let info: UInt32
    let addressAlignment: UInt64
    let entrySize: UInt64

    func named(_ name: String) -> ELFSection {
        ELFSection(
            index: index, name: name, type: type, flags: flags, offset: offset, size: size, link: link,
            info: info, addressAlignment: addressAlignment, entrySize: entrySize)
    }

    /// The file range, checked against the file size.
    func checkBounds(fileSize: Int, name: String) throws(ELFError) {
        guard type != .nobits, type != .null else { return }
        let end = offset.addingReportingOverflow(size)
        guard !end.overflow, end.partialValue <= UInt64(fileSize) else {
            throw .sectionOutOfBounds(section: index, name: name, offset: offset, size: size, fileSize: fileSize)
        }
    }
}
