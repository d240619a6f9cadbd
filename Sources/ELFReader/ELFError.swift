import Bytes

/// Everything that can be wrong with an ELF file, with enough context to say what and where.
public enum ELFError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 64-byte ELF64 header.
    case truncatedHeader(fileSize: Int)
    /// The first four bytes are not `\x7fELF`.
    case notELF
    /// EI_CLASS is not ELFCLASS64.
    case unsupportedClass(UInt8)
    /// EI_DATA is neither little- nor big-endian.
    case unsupportedDataEncoding(UInt8)
    /// EI_VERSION or e_version is not EV_CURRENT.
    case unsupportedVersion(UInt32)
    /// e_shentsize is not sizeof(Elf64_Shdr).
    case badSectionHeaderSize(UInt16)
    /// The section header table does not fit in the file.
    case sectionHeadersOutOfBounds(offset: UInt64, count: Int, fileSize: Int)
    /// e_shstrndx names no section, or a section that is not a string table.
    case badSectionNameTable(index: Int)
    /// A section's name offset is outside the section name table.
    case badSectionName(section: Int, nameOffset: UInt32)
    /// A section's name starts inside the section name table but has no NUL before its end.
    case unterminatedSectionName(section: Int, nameOffset: UInt32)
    /// A section's contents lie outside the file.
    case sectionOutOfBounds(section: Int, name: String, offset: UInt64, size: UInt64, fileSize: Int)
    /// Two sections, or a section and the ELF header or section header table, share file bytes.
    case overlappingSections(first: String, second: String)
    /// A symbol or relocation table whose entry size or total size does not match its kind.
    case badTableEntrySize(section: Int, name: String, entrySize: UInt64, expected: Int, size: UInt64)
    /// sh_link or sh_info names a section that does not exist or has the wrong type.
    case badSectionLink(section: Int, name: String, field: String, target: UInt32)
    /// A symbol's name is outside its string table.
    case badSymbolName(symbol: Int, nameOffset: UInt32)
    /// A symbol's name starts inside its string table but has no NUL before its end.
    case unterminatedSymbolName(symbol: Int, nameOffset: UInt32)
    /// A symbol's section index is past the last section.
    case badSymbolSection(symbol: Int, name: String, sectionIndex: UInt32)
    /// A relocation names a symbol past the end of the symbol table.
    case badRelocationSymbol(section: Int, name: String, entry: Int, symbol: UInt32, symbolCount: Int)
    /// There is more than one symbol table.
    case multipleSymbolTables(first: Int, second: Int)

    public var description: String {
        switch self {
        case let .truncatedHeader(fileSize):
            return "file is \(fileSize) bytes, too short for an ELF64 header (64 bytes)"
        case .notELF:
            return "not an ELF file (no \\x7fELF magic)"
        case let .unsupportedClass(c):
            return c == 1 ? "32-bit ELF (ELFCLASS32): BPF objects are ELF64" : "unknown ELF class \(c), expected ELFCLASS64"
        case let .unsupportedDataEncoding(d):
            return "unknown ELF data encoding \(d), expected little- (1) or big-endian (2)"
        case let .unsupportedVersion(v):
            return "unsupported ELF version \(v), expected 1"
        case let .badSectionHeaderSize(s):
            return "section header entry size \(s), expected 64"
        case let .sectionHeadersOutOfBounds(offset, count, fileSize):
            return "section headers at offset \(hex(offset)) (\(count) x 64 bytes) beyond end of file (\(hex(fileSize)))"
        case let .badSectionNameTable(index):
            return "section name table index \(index) is not a string table"
        case let .badSectionName(section, nameOffset):
            return "section \(section): name offset \(hex(nameOffset)) outside the section name table"
        case let .unterminatedSectionName(section, nameOffset):
            return "section \(section): name at offset \(hex(nameOffset)) is unterminated (no NUL before the end of the section name table)"
        case let .sectionOutOfBounds(section, name, offset, size, fileSize):
            return "section \(section) '\(name)': offset \(hex(offset)) + size \(hex(size)) beyond end of file (\(hex(fileSize)))"
        case let .overlappingSections(first, second):
            return "\(first) overlaps \(second): each byte of the file belongs to one section"
        case let .badTableEntrySize(section, name, entrySize, expected, size):
            return "section \(section) '\(name)': entry size \(entrySize) and size \(size), expected entries of \(expected) bytes"
        case let .badSectionLink(section, name, field, target):
            return "section \(section) '\(name)': \(field) \(target) is not a valid section for it"
        case let .badSymbolName(symbol, nameOffset):
            return "symbol \(symbol): name offset \(hex(nameOffset)) outside the string table"
        case let .unterminatedSymbolName(symbol, nameOffset):
            return "symbol \(symbol): name at offset \(hex(nameOffset)) is unterminated (no NUL before the end of the string table)"
        case let .badSymbolSection(symbol, name, sectionIndex):
            return "symbol \(symbol) '\(name)': section index \(sectionIndex) does not exist"
        case let .badRelocationSymbol(section, name, entry, symbol, symbolCount):
            return "section \(section) '\(name)': relocation \(entry) names symbol \(symbol), but there are \(symbolCount) symbols"
        case let .multipleSymbolTables(first, second):
            return "two symbol tables (sections \(first) and \(second))"
        }
    }
}
