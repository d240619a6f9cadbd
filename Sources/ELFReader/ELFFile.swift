import Bytes

/// A parsed ELF64 file: header, sections with names, the symbol table and relocation tables.
///
/// Parsing checks every offset, size and index against the file once, up front; after `init`
/// succeeds, the accessors cannot fail or trap. The section contents are not copied: `data(of:)`
/// returns a view of the original bytes.
public struct ELFFile {
    /// The whole file; sections are views into it.
    public let bytes: ByteView
    /// The parsed Elf64_Ehdr.
    public let header: ELFHeader
    /// Every section header in table order, so `sections[i].index == i`; section 0 is SHT_NULL (if any).
    public let sections: [ELFSection]
    /// All symbols of the (single) SYMTAB section, in table order; empty when there is none.
    public let symbols: [ELFSymbol]
    /// The SYMTAB section's index, if any.
    public let symbolTableIndex: Int?

    /// The file's byte order (EI_DATA).
    public var order: ByteOrder { header.order }

    /// Parses and validates the header, the section header table, section names, the symbol table and
    /// the shape of every REL/RELA section.
    ///
    /// - Parameter bytes: The complete file; it is kept, not copied.
    /// - Throws: `ELFError` naming the first inconsistency (truncated header, a section outside the
    ///   file, a bad sh_link/sh_info, a symbol name outside its string table, a second SYMTAB, ...).
    public init(_ bytes: ByteView) throws(ELFError) {
        self.bytes = bytes
        header = try ELFHeader.parse(bytes)
        let raw = try ELFFile.readSectionHeaders(bytes, header)
        sections = try ELFFile.nameSections(bytes, header, raw)
        for section in sections {
            try section.checkTableShape()
        }
        // After the shapes: a table of a wrong size is better reported as that than as an overlap.
        try ELFFile.checkNoOverlap(sections, header)
        var symtab: Int? = nil
        for section in sections where section.type == .symtab {
            if let first = symtab { throw .multipleSymbolTables(first: first, second: section.index) }
            symtab = section.index
        }
        symbolTableIndex = symtab
        for section in sections where section.type == .rel || section.type == .rela {
            guard section.info > 0, Int(section.info) < sections.count else {
                throw .badSectionLink(section: section.index, name: section.name, field: "sh_info (target section)", target: section.info)
            }
            guard let symtab, Int(section.link) == symtab else {
                throw .badSectionLink(section: section.index, name: section.name, field: "sh_link (symbol table)", target: section.link)
            }
        }
        if let symtab {
            symbols = try ELFFile.readSymbols(bytes, header.order, sections, symtabIndex: symtab)
        } else {
            symbols = []
        }
    }

    /// The section with this name (the first, if several share it).
    public func section(named name: String) -> ELFSection? {
        sections.first { $0.name == name }
    }

    /// The file bytes of a section; empty for NOBITS (whose size is still `section.size`).
    public func data(of section: ELFSection) -> ByteView {
        guard section.hasFileData else { return .empty }
        // Bounds were checked in init.
        return bytes.slice(offset: Int(section.offset), length: Int(section.size)) ?? .empty
    }

    /// Relocation sections (REL or RELA) that apply to section `target`.
    public func relocationSections(for target: Int) -> [ELFSection] {
        sections.filter { ($0.type == .rel || $0.type == .rela) && Int($0.info) == target }
    }

    /// The entries of a REL or RELA section, each checked to name an existing symbol.
    public func relocations(in section: ELFSection) throws(ELFError) -> [ELFRelocation] {
        let isRela = section.type == .rela
        guard isRela || section.type == .rel else { return [] }
        let entrySize = isRela ? 24 : 16
        let data = data(of: section)
        let count = data.count / entrySize
        var result: [ELFRelocation] = []
        result.reserveCapacity(count)
        for entry in 0..<count {
            let at = entry * entrySize
            guard let offset = data.u64(at: at, order), let info = data.u64(at: at + 8, order) else { break }
            let symbol = UInt32(truncatingIfNeeded: info >> 32)
            guard Int(symbol) < symbols.count else {
                throw .badRelocationSymbol(
                    section: section.index, name: section.name, entry: entry, symbol: symbol, symbolCount: symbols.count)
            }
            result.append(ELFRelocation(
                offset: offset, symbolIndex: symbol, type: UInt32(truncatingIfNeeded: info),
                addend: isRela ? data.i64(at: at + 16, order) : nil))
        }
        return result
    }

    // MARK: - Parsing steps

    private static func readSectionHeaders(_ bytes: ByteView, _ header: ELFHeader) throws(ELFError) -> [RawSectionHeader] {
        let offset = header.sectionHeaderOffset
        guard offset != 0 else { return [] }
        guard header.sectionHeaderEntrySize == UInt16(ELFSection.headerSize) else {
            throw .badSectionHeaderSize(header.sectionHeaderEntrySize)
        }
        // With e_shnum set, report the table e_shnum describes; with extended numbering the count is
        // in the first entry, so only that entry is known to be missing.
        let stored = Int(header.storedSectionCount)
        guard offset <= UInt64(bytes.count),
              let first = ELFSection.parseRaw(bytes, at: Int(offset), index: 0, header.order)
        else { throw .sectionHeadersOutOfBounds(offset: offset, count: max(stored, 1), fileSize: bytes.count) }
        // Extended numbering: with 0xff00 or more sections, e_shnum is 0 and section 0 holds the count.
        let count = stored == 0 ? Int(clamping: first.size) : stored
        let (tableSize, overflow) = count.multipliedReportingOverflow(by: ELFSection.headerSize)
        guard !overflow, bytes.contains(offset: Int(offset), length: tableSize) else {
            throw .sectionHeadersOutOfBounds(offset: offset, count: count, fileSize: bytes.count)
        }
        var raw: [RawSectionHeader] = []
        raw.reserveCapacity(count)
        for i in 0..<count {
            guard let section = ELFSection.parseRaw(bytes, at: Int(offset) + i * ELFSection.headerSize, index: i, header.order) else {
                throw .sectionHeadersOutOfBounds(offset: offset, count: count, fileSize: bytes.count)
            }
            raw.append(section)
        }
        return raw
    }

    private static func nameSections(_ bytes: ByteView, _ header: ELFHeader, _ raw: [RawSectionHeader]) throws(ELFError) -> [ELFSection] {
        guard !raw.isEmpty else { return [] }
        let stored = Int(header.storedSectionNameIndex)
        let nameIndex = stored == 0xffff ? Int(raw[0].link) : stored
        guard nameIndex > 0, nameIndex < raw.count, raw[nameIndex].type == .strtab else {
            throw .badSectionNameTable(index: nameIndex)
        }
        let nameTable = raw[nameIndex]
        try nameTable.checkBounds(fileSize: bytes.count, name: ".shstrtab")
        let names = bytes.slice(offset: Int(nameTable.offset), length: Int(nameTable.size)) ?? .empty
        var sections: [ELFSection] = []
        sections.reserveCapacity(raw.count)
        for header in raw {
            let name: String
            if header.index == 0 {
                name = ""
            } else {
                guard let text = names.cString(at: Int(header.nameOffset)) else {
                    throw Int(header.nameOffset) < names.count
                        ? .unterminatedSectionName(section: header.index, nameOffset: header.nameOffset)
                        : .badSectionName(section: header.index, nameOffset: header.nameOffset)
                }
                name = text.string
            }
            try header.checkBounds(fileSize: bytes.count, name: name)
            sections.append(header.named(name))
        }
        return sections
    }

    /// Rejects files whose sections share bytes with each other, the ELF header or the section
    /// header table. A linker never writes such a file, and a loader that patches one section
    /// (instructions, a DATASEC) would silently change another. Sorting keeps it O(n log n).
    private static func checkNoOverlap(_ sections: [ELFSection], _ header: ELFHeader) throws(ELFError) {
        struct Extent { let start: UInt64; let end: UInt64; let what: String }
        var extents = [Extent(start: 0, end: UInt64(ELFHeader.size), what: "the ELF header")]
        if !sections.isEmpty {
            // Bounds were checked when reading the table, so this cannot overflow.
            let tableEnd = header.sectionHeaderOffset + UInt64(sections.count * ELFSection.headerSize)
            extents.append(Extent(start: header.sectionHeaderOffset, end: tableEnd, what: "the section header table"))
        }
        for section in sections where section.hasFileData && section.size > 0 {
            extents.append(Extent(
                start: section.offset, end: section.offset + section.size,
                what: "section \(section.index) '\(section.name)' (\(hex(section.offset))..\(hex(section.offset + section.size)))"))
        }
        extents.sort { $0.start < $1.start || ($0.start == $1.start && $0.end < $1.end) }
        var previous = extents[0]
        for extent in extents.dropFirst() {
            if extent.start < previous.end {
                throw .overlappingSections(first: extent.what, second: previous.what)
            }
            if extent.end > previous.end { previous = extent }
        }
    }

    private static func readSymbols(_ bytes: ByteView, _ order: ByteOrder, _ sections: [ELFSection], symtabIndex: Int) throws(ELFError) -> [ELFSymbol] {
        let symtab = sections[symtabIndex]
        let link = Int(symtab.link)
        guard link > 0, link < sections.count, sections[link].type == .strtab else {
            throw .badSectionLink(section: symtab.index, name: symtab.name, field: "sh_link (string table)", target: symtab.link)
        }
        let strings = bytes.slice(offset: Int(sections[link].offset), length: Int(sections[link].size)) ?? .empty
        let table = bytes.slice(offset: Int(symtab.offset), length: Int(symtab.size)) ?? .empty
        // SHN_XINDEX symbols keep their section index in a SYMTAB_SHNDX section linked to this table.
        let extended = sections.first { $0.type == .symtabShndx && Int($0.link) == symtabIndex }
        let extendedData = extended.flatMap { bytes.slice(offset: Int($0.offset), length: Int($0.size)) }
        let count = table.count / ELFSymbol.entrySize
        var symbols: [ELFSymbol] = []
        symbols.reserveCapacity(count)
        for i in 0..<count {
            let at = i * ELFSymbol.entrySize
            guard let nameOffset = table.u32(at: at, order), let info = table.u8(at: at + 4),
                  let other = table.u8(at: at + 5), let shndx = table.u16(at: at + 6, order),
                  let value = table.u64(at: at + 8, order), let size = table.u64(at: at + 16, order)
            else { break }
            guard let nameBytes = strings.cString(at: Int(nameOffset)) else {
                throw Int(nameOffset) < strings.count
                    ? .unterminatedSymbolName(symbol: i, nameOffset: nameOffset)
                    : .badSymbolName(symbol: i, nameOffset: nameOffset)
            }
            let name = nameBytes.string
            let section: SymbolSection
            switch shndx {
            case 0: section = .undefined
            case 0xfff1: section = .absolute
            case 0xfff2: section = .common
            case 0xffff:
                guard let index = extendedData?.u32(at: i * 4, order) else {
                    throw .badSymbolSection(symbol: i, name: name, sectionIndex: 0xffff)
                }
                guard Int(index) < sections.count else { throw .badSymbolSection(symbol: i, name: name, sectionIndex: index) }
                section = .index(Int(index))
            default:
                guard shndx < 0xff00, Int(shndx) < sections.count else {
                    throw .badSymbolSection(symbol: i, name: name, sectionIndex: UInt32(shndx))
                }
                section = .index(Int(shndx))
            }
            symbols.append(ELFSymbol(
                index: i, name: name, binding: SymbolBinding(info >> 4), type: SymbolType(info & 0xf),
                visibility: SymbolVisibility(rawValue: other & 0x3) ?? .default, section: section,
                value: value, size: size))
        }
        return symbols
    }
}

extension ELFSection {
    /// Symbol and relocation tables must hold whole entries of the right size and link sensibly.
    func checkTableShape() throws(ELFError) {
        let expected: Int
        switch type {
        case .symtab: expected = ELFSymbol.entrySize
        case .rel: expected = 16
        case .rela: expected = 24
        default: return
        }
        guard entrySize == UInt64(expected) || entrySize == 0, size % UInt64(expected) == 0 else {
            throw .badTableEntrySize(section: index, name: name, entrySize: entrySize, expected: expected, size: size)
        }
    }
}
