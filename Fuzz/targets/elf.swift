// ELFReader: ELFFile.init, then every accessor a loader uses on every section (contents,
// relocation sections, relocations), which `init` promises cannot fail or trap once it succeeded.
import Bytes
import ELFReader

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let elf: ELFFile
    do { elf = try ELFFile(view(data, size)) } catch {
        sink(error.description)
        return 0
    }
    sink(elf.header.machine.description + elf.header.fileType.description)
    for section in elf.sections {
        sink(section.name + section.type.description)
        let contents = elf.data(of: section)
        invariant(!section.hasFileData || contents.count == Int(section.size), "section \(section.index) contents")
        sink(elf.relocationSections(for: section.index).count)
        sink(elf.section(named: section.name)?.index ?? -1)
        do {
            for relocation in try elf.relocations(in: section) {
                invariant(Int(relocation.symbolIndex) < elf.symbols.count, "relocation symbol in range")
                sink(elf.symbols[Int(relocation.symbolIndex)].name)
                sink(Int(truncatingIfNeeded: relocation.offset &+ UInt64(relocation.type)))
            }
        } catch {
            sink(error.description)
        }
    }
    for symbol in elf.symbols {
        sink(symbol.name)
        if let index = symbol.sectionIndex { sink(elf.sections[index].name) }
    }
    return 0
}
