import Bytes
import ELFReader
import Testing

/// Hostile and broken files: each gives the typed error that says what and where, never a trap.
@Suite("ELF reader errors")
struct ELFReaderErrorTests {
    static let object = FixtureData.bytes("iter_task.bpf.o")

    func parse(_ bytes: [UInt8]) -> ELFError? {
        do {
            _ = try ELFFile(ByteView(bytes))
            return nil
        } catch {
            return error
        }
    }

    func u64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
    }

    func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    func put64(_ bytes: inout [UInt8], _ at: Int, _ value: UInt64) {
        for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    @Test("an empty file")
    func empty() {
        #expect(parse([]) == .truncatedHeader(fileSize: 0))
        #expect(parse([]).map { $0.description } == "file is 0 bytes, too short for an ELF64 header (64 bytes)")
    }

    @Test("not ELF, 32-bit ELF, unknown encoding")
    func identification() {
        var text = Array("#!/bin/sh\necho hello\n".utf8)
        text += [UInt8](repeating: 0x20, count: 64)
        #expect(parse(text) == .notELF)
        var elf32 = Self.object
        elf32[4] = 1
        #expect(parse(elf32) == .unsupportedClass(1))
        #expect(parse(elf32)?.description.contains("32-bit") == true)
        var encoding = Self.object
        encoding[5] = 7
        #expect(parse(encoding) == .unsupportedDataEncoding(7))
    }

    @Test("truncated at every section boundary and in the section header table")
    func truncated() throws {
        let elf = try ELFFile(ByteView(Self.object))
        var cuts = Set(elf.sections.filter { $0.hasFileData && $0.size > 0 }.map { Int($0.offset) + 1 })
        cuts.insert(Int(elf.header.sectionHeaderOffset) + 10)
        cuts.insert(Self.object.count - 1)
        for cut in cuts.sorted() where cut < Self.object.count {
            let error = parse(Array(Self.object.prefix(cut)))
            #expect(error != nil, "cut at \(cut) parsed")
            guard let error else { continue }
            switch error {
            case .sectionOutOfBounds, .sectionHeadersOutOfBounds: break
            default: Issue.record("cut at \(cut): unexpected \(error)")
            }
        }
    }

    @Test("a section whose contents run past the end names the section and the numbers")
    func sectionOutOfBounds() throws {
        var bytes = Self.object
        let elf = try ELFFile(ByteView(bytes))
        let target = try #require(elf.sections.first { $0.name.hasPrefix(".rel") })
        let header = Int(elf.header.sectionHeaderOffset) + target.index * 64
        put64(&bytes, header + 32, UInt64(bytes.count))  // sh_size = whole file
        let error = try #require(parse(bytes))
        #expect(error == .sectionOutOfBounds(section: target.index, name: target.name, offset: target.offset,
                                             size: UInt64(bytes.count), fileSize: bytes.count))
        let text = error.description
        #expect(text.hasPrefix("section \(target.index) '\(target.name)': offset 0x"))
        #expect(text.contains("beyond end of file (0x\(String(bytes.count, radix: 16)))"))
    }

    @Test("an offset that overflows when the size is added")
    func overflow() throws {
        var bytes = Self.object
        let elf = try ELFFile(ByteView(bytes))
        let target = try #require(elf.section(named: ".BTF"))
        let header = Int(elf.header.sectionHeaderOffset) + target.index * 64
        put64(&bytes, header + 24, UInt64.max - 4)  // sh_offset near 2^64
        #expect(parse(bytes) != nil)
    }

    @Test("section header table past the end, and a wrong entry size")
    func headerTable() throws {
        var bytes = Self.object
        put64(&bytes, 40, UInt64(bytes.count - 10))
        guard case .sectionHeadersOutOfBounds? = parse(bytes) else {
            Issue.record("expected sectionHeadersOutOfBounds, got \(String(describing: parse(bytes)))")
            return
        }
        var entry = Self.object
        entry[58] = 40
        #expect(parse(entry) == .badSectionHeaderSize(40))
    }

    @Test("a section name offset outside the name table")
    func badName() throws {
        var bytes = Self.object
        let elf = try ELFFile(ByteView(bytes))
        let header = Int(elf.header.sectionHeaderOffset) + 3 * 64
        put32(&bytes, header, 0x7fff_ffff)
        #expect(parse(bytes) == .badSectionName(section: 3, nameOffset: 0x7fff_ffff))
    }

    @Test("a relocation that names a symbol past the end of the symbol table")
    func relocationToMissingSymbol() throws {
        var bytes = Self.object
        let elf = try ELFFile(ByteView(bytes))
        let section = try #require(elf.sections.first { $0.type == .rel && $0.size > 0 })
        let first = Int(section.offset)
        let info = u64(bytes, first + 8)
        put64(&bytes, first + 8, (UInt64(9999) << 32) | (info & 0xffff_ffff))
        let broken = try ELFFile(ByteView(bytes))
        #expect(throws: ELFError.badRelocationSymbol(section: section.index, name: section.name, entry: 0,
                                                     symbol: 9999, symbolCount: elf.symbols.count)) {
            try broken.relocations(in: section)
        }
    }

    @Test("a symbol whose section index does not exist")
    func badSymbolSection() throws {
        var bytes = Self.object
        let elf = try ELFFile(ByteView(bytes))
        let symtab = try #require(elf.sections.first { $0.type == .symtab })
        let second = Int(symtab.offset) + 24
        bytes[second + 6] = 0x00
        bytes[second + 7] = 0x7f  // st_shndx = 0x7f00
        guard case .badSymbolSection? = parse(bytes) else {
            Issue.record("expected badSymbolSection")
            return
        }
    }

    @Test("every single-byte corruption of the header region is an error or a valid parse, never a trap")
    func headerFuzz() {
        for position in 0..<64 {
            for value: UInt8 in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                var bytes = Self.object
                bytes[position] = value
                _ = parse(bytes)
            }
        }
    }
}
