import Bytes
import ELFReader
import Testing

@Suite("ELF reader on clang's objects")
struct ELFReaderFixtureTests {
    @Test("reads header, sections, symbols and relocations of a little-endian BPF object")
    func littleEndian() throws {
        let elf = try ELFFile(FixtureData.view("iter_task.bpf.o"))
        #expect(elf.order == .little)
        #expect(elf.header.machine == .bpf)
        #expect(elf.header.fileType == .relocatable)
        let names = elf.sections.map { $0.name }
        #expect(names.contains("iter/task"))
        #expect(names.contains(".rodata"))
        #expect(names.contains("license"))
        #expect(names.contains(".BTF"))
        #expect(names.contains(".BTF.ext"))
        let program = try #require(elf.section(named: "iter/task"))
        #expect(program.type == .progbits)
        #expect(program.flags.contains(.execInstr))
        #expect(program.size % 8 == 0)

        let symbol = try #require(elf.symbols.first { $0.name == "dump_task" })
        #expect(symbol.type == .function)
        #expect(symbol.binding == .global)
        #expect(symbol.sectionIndex == program.index)
        #expect(symbol.size == program.size)

        let relocationSection = try #require(elf.relocationSections(for: program.index).first)
        #expect(relocationSection.name == ".reliter/task")
        let relocations = try elf.relocations(in: relocationSection)
        #expect(!relocations.isEmpty)
        // Every ld_imm64 of a format string is relocated against .rodata (R_BPF_64_64 = 1).
        let rodata = try #require(elf.section(named: ".rodata"))
        let targets = relocations.map { elf.symbols[Int($0.symbolIndex)] }
        #expect(relocations.allSatisfy { $0.type == 1 && $0.offset % 8 == 0 && $0.addend == nil })
        #expect(targets.contains { $0.sectionIndex == rodata.index })
    }

    @Test("reads the big-endian copy of the same object identically")
    func bigEndian() throws {
        let little = try ELFFile(FixtureData.view("iter_task.bpf.o"))
        let big = try ELFFile(FixtureData.view("iter_task.bpfeb.o"))
        #expect(big.order == .big)
        #expect(big.header.machine == .bpf)
        #expect(big.sections.map { $0.name } == little.sections.map { $0.name })
        #expect(big.sections.map { $0.size } == little.sections.map { $0.size })
        #expect(big.symbols.map { $0.name } == little.symbols.map { $0.name })
        #expect(big.symbols.map { $0.value } == little.symbols.map { $0.value })
        let section = try #require(big.section(named: "iter/task"))
        let bigRelocations = try big.relocations(in: try #require(big.relocationSections(for: section.index).first))
        let littleSection = try #require(little.section(named: "iter/task"))
        let littleRelocations = try little.relocations(in: try #require(little.relocationSections(for: littleSection.index).first))
        #expect(bigRelocations.map { $0.offset } == littleRelocations.map { $0.offset })
        #expect(bigRelocations.map { $0.type } == littleRelocations.map { $0.type })
    }

    @Test("an x86-64 object parses, and says it is x86-64")
    func x86() throws {
        let elf = try ELFFile(FixtureData.view("x86_program.o"))
        #expect(elf.header.machine == .x86_64)
        #expect(elf.header.machine.description == "x86-64")
        #expect(elf.symbols.contains { $0.name == "x86_function" })
    }

    @Test("section data is a view of the file's bytes")
    func sectionData() throws {
        let bytes = FixtureData.bytes("iter_task.bpf.o")
        let elf = try ELFFile(ByteView(bytes))
        let license = try #require(elf.section(named: "license"))
        #expect(elf.data(of: license).array == Array("GPL\0".utf8))
        let offset = Int(license.offset)
        #expect(Array(bytes[offset..<offset + 4]) == Array("GPL\0".utf8))
    }
}
