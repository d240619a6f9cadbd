import Bytes

/// STB_* symbol binding.
public enum SymbolBinding: Equatable, Sendable {
    /// STB_LOCAL.
    case local
    /// STB_GLOBAL.
    case global
    /// STB_WEAK (a `__weak` extern may stay unresolved).
    case weak
    /// Any other binding, by number.
    case other(UInt8)

    init(_ raw: UInt8) {
        switch raw {
        case 0: self = .local
        case 1: self = .global
        case 2: self = .weak
        default: self = .other(raw)
        }
    }
}

/// STT_* symbol type.
public enum SymbolType: Equatable, Sendable {
    /// STT_NOTYPE (undefined externs, labels).
    case notype
    /// STT_OBJECT: a variable or map definition.
    case object
    /// STT_FUNC: a BPF program or subprogram.
    case function
    /// STT_SECTION: stands for its section in relocations.
    case section
    /// STT_FILE: the source file name.
    case file
    /// Any other type, by number.
    case other(UInt8)

    init(_ raw: UInt8) {
        switch raw {
        case 0: self = .notype
        case 1: self = .object
        case 2: self = .function
        case 3: self = .section
        case 4: self = .file
        default: self = .other(raw)
        }
    }
}

/// STV_* visibility (the low two bits of st_other).
public enum SymbolVisibility: UInt8, Sendable {
    /// STV_DEFAULT.
    case `default` = 0
    /// STV_INTERNAL.
    case `internal` = 1
    /// STV_HIDDEN (`__hidden`).
    case hidden = 2
    /// STV_PROTECTED.
    case protected = 3
}

/// Where a symbol is defined.
public enum SymbolSection: Equatable, Sendable {
    /// SHN_UNDEF: an extern (for BPF objects: `.kconfig` / `.ksyms` externs).
    case undefined
    /// SHN_ABS.
    case absolute
    /// SHN_COMMON.
    case common
    /// A real section index.
    case index(Int)
}

/// One Elf64_Sym, with its name resolved.
public struct ELFSymbol: Sendable {
    /// sizeof(Elf64_Sym).
    public static let entrySize = 24

    /// Index in the symbol table (what relocations refer to).
    public let index: Int
    /// st_name resolved in the symbol string table.
    public let name: String
    /// STB_* from the high nibble of st_info.
    public let binding: SymbolBinding
    /// STT_* from the low nibble of st_info.
    public let type: SymbolType
    /// STV_* from the low two bits of st_other.
    public let visibility: SymbolVisibility
    /// st_shndx: where the symbol is defined.
    public let section: SymbolSection
    /// st_value: for a symbol in a section, its offset in that section.
    public let value: UInt64
    /// st_size: bytes the symbol covers (a function's code, a variable's storage).
    public let size: UInt64

    /// The section index if the symbol is defined in a real section.
    public var sectionIndex: Int? {
        if case let .index(i) = section { return i }
        return nil
    }
}
