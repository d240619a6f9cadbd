import Bytes

/// STB_* symbol binding.
public enum SymbolBinding: Equatable, Sendable {
    case local
    case global
    case weak
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
    case notype
    case object
    case function
    case section
    case file
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
    case `default` = 0
    case `internal` = 1
    case hidden = 2
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
    public static let entrySize = 24

    /// Index in the symbol table (what relocations refer to).
    public let index: Int
    public let name: String
    public let binding: SymbolBinding
    public let type: SymbolType
    public let visibility: SymbolVisibility
    public let section: SymbolSection
    public let value: UInt64
    public let size: UInt64

    /// The section index if the symbol is defined in a real section.
    public var sectionIndex: Int? {
        if case let .index(i) = section { return i }
        return nil
    }
}
