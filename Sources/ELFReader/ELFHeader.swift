import Bytes

/// e_machine values iter cares about (anything else is kept as its number for messages).
public enum ELFMachine: Equatable, Sendable, CustomStringConvertible {
    /// EM_BPF (247): the only machine a BPF object may have.
    case bpf
    /// EM_X86_64 (62).
    case x86_64
    /// EM_AARCH64 (183).
    case aarch64
    /// Any other e_machine, by number.
    case other(UInt16)

    init(_ raw: UInt16) {
        switch raw {
        case 247: self = .bpf
        case 62: self = .x86_64
        case 183: self = .aarch64
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .bpf: return "BPF"
        case .x86_64: return "x86-64"
        case .aarch64: return "AArch64"
        case let .other(raw): return "machine \(raw)"
        }
    }
}

/// e_type values.
public enum ELFFileType: Equatable, Sendable, CustomStringConvertible {
    /// ET_REL: an object file, what clang -target bpf -c produces and what iter loads.
    case relocatable
    /// ET_EXEC.
    case executable
    /// ET_DYN.
    case shared
    /// ET_CORE.
    case core
    /// Any other e_type, by number.
    case other(UInt16)

    init(_ raw: UInt16) {
        switch raw {
        case 1: self = .relocatable
        case 2: self = .executable
        case 3: self = .shared
        case 4: self = .core
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .relocatable: return "relocatable"
        case .executable: return "executable"
        case .shared: return "shared object"
        case .core: return "core dump"
        case let .other(raw): return "type \(raw)"
        }
    }

    /// The description with its article, for a sentence: "an executable", "a shared object".
    public var withArticle: String {
        switch self {
        case .executable: return "an executable"
        case .relocatable: return "a relocatable object"
        case .other: return "of \(description)"
        default: return "a \(description)"
        }
    }
}

/// The fields of Elf64_Ehdr that a reader needs.
public struct ELFHeader: Equatable, Sendable {
    /// sizeof(Elf64_Ehdr).
    public static let size = 64

    /// EI_DATA: the byte order of every multi-byte field in the file.
    public let order: ByteOrder
    /// e_type.
    public let fileType: ELFFileType
    /// e_machine.
    public let machine: ELFMachine
    /// e_flags (machine-specific; nothing in a BPF object depends on it).
    public let flags: UInt32
    /// e_shoff: file offset of the section header table, 0 when there is none.
    public let sectionHeaderOffset: UInt64
    /// e_shentsize: must be sizeof(Elf64_Shdr), 64.
    public let sectionHeaderEntrySize: UInt16
    /// e_shnum as stored; 0 with a non-zero offset means "the count is in section 0's sh_size".
    public let storedSectionCount: UInt16
    /// e_shstrndx as stored; SHN_XINDEX means "in section 0's sh_link".
    public let storedSectionNameIndex: UInt16

    /// Parses the header at the start of `bytes` (the first 64 bytes suffice: nothing after the
    /// header is looked at, so a reader can check what a file is before reading all of it).
    public static func parse(_ bytes: ByteView) throws(ELFError) -> ELFHeader {
        // The magic first, where there is room for it: a short text file is not ELF at all.
        let magic = bytes.u8(at: 0) == 0x7f && bytes.u8(at: 1) == 0x45 && bytes.u8(at: 2) == 0x4c && bytes.u8(at: 3) == 0x46
        guard magic || bytes.count < 4 else { throw .notELF }
        guard bytes.count >= size else { throw .truncatedHeader(fileSize: bytes.count) }
        let elfClass = bytes.u8(at: 4) ?? 0
        guard elfClass == 2 else { throw .unsupportedClass(elfClass) }
        let order: ByteOrder
        switch bytes.u8(at: 5) ?? 0 {
        case 1: order = .little
        case 2: order = .big
        case let other: throw .unsupportedDataEncoding(other)
        }
        let identVersion = UInt32(bytes.u8(at: 6) ?? 0)
        guard identVersion == 1 else { throw .unsupportedVersion(identVersion) }
        // The size check above makes every load below succeed; `?? 0` only satisfies the optional.
        let version = bytes.u32(at: 20, order) ?? 0
        guard version == 1 else { throw .unsupportedVersion(version) }
        return ELFHeader(
            order: order,
            fileType: ELFFileType(bytes.u16(at: 16, order) ?? 0),
            machine: ELFMachine(bytes.u16(at: 18, order) ?? 0),
            flags: bytes.u32(at: 48, order) ?? 0,
            sectionHeaderOffset: bytes.u64(at: 40, order) ?? 0,
            sectionHeaderEntrySize: bytes.u16(at: 58, order) ?? 0,
            storedSectionCount: bytes.u16(at: 60, order) ?? 0,
            storedSectionNameIndex: bytes.u16(at: 62, order) ?? 0)
    }
}
