import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// The four kinds of global data a BPF object keeps in array maps.
package enum GlobalDataKind: Sendable, Equatable {
    /// `.rodata*`: read-only for programs (BPF_F_RDONLY_PROG), frozen after it is filled.
    case rodata
    /// `.data*`: initialised read-write data.
    case data
    /// `.bss*`: zero-initialised data (NOBITS: no bytes in the file).
    case bss
    /// `.kconfig` externs: filled by the loader from the kernel's config, frozen.
    case kconfig
}

/// What an ELF section is to a BPF loader.
package enum SectionRole: Sendable, Equatable {
    /// An iterator program section (`iter/…`, `iter.s/…`).
    case program(ProgramSectionName)
    /// A program section of another type (`fentry/…`, `kprobe/…`, `xdp`): its programs are
    /// named and left alone, as a loader of iterators has no use for them.
    case otherProgram(OtherProgramSection)
    /// `.text`: subprograms called from programs.
    case text
    /// `license`: the NUL-terminated license string passed to BPF_PROG_LOAD.
    case license
    /// `.rodata*`, `.data*`, `.bss*` or `.kconfig`: global variables, loaded as array maps.
    case globalData(GlobalDataKind)
    /// `.maps`: BTF-defined maps.
    case maps
    /// `maps`: legacy `struct bpf_map_def` maps.
    case legacyMaps
    /// `.BTF`: the object's type information.
    case btf
    /// `.BTF.ext`: func_info, line_info and CO-RE relocation records for the programs.
    case btfExt
    /// Anything a loader ignores: symbol and string tables, relocations, debug info, addrsig.
    case other
}

/// A function in an executable section: a program or a subprogram, by its symbol.
package struct ObjectFunction: Sendable, Hashable {
    /// The symbol's name.
    package let name: String
    /// Index of the ELF section holding the function.
    package let section: Int
    /// First instruction, counted from the start of its section.
    package let start: Int
    /// Number of instructions (st_size / 8).
    package let count: Int
    /// STB_GLOBAL or STB_WEAK: programs must be global; global subprograms are verified on their own.
    package let isGlobal: Bool

    /// The function's instructions, as indices into its section's `code`.
    package var range: Range<Int> { start..<(start + count) }
}

/// A program of the object: a function in a program section.
package struct ObjectProgram: Sendable, Equatable {
    /// The program's entry function.
    package let function: ObjectFunction
    /// The ELF section name, as written (`iter/task`, `?iter.s/task_file`).
    package let sectionName: String
    /// What the section name says: iterator target, sleepable, optional.
    package let kind: ProgramSectionName

    /// The program's name: its function's symbol.
    package var name: String { function.name }
}

/// A program of a type iter does not attach (`fentry`, `kprobe`, `raw_tp`, `syscall`, `xdp`…): known
/// by name so `-d` can list it and `prog NAME` can say what it is, never relocated or loaded.
package struct OtherProgram: Sendable, Equatable {
    /// The program's entry function.
    package let function: ObjectFunction
    /// The ELF section name, as written (`fentry/do_nanosleep`).
    package let sectionName: String
    /// What the section name says: the program type and whether it is `?`-prefixed.
    package let kind: OtherProgramSection

    /// The program's name: its function's symbol.
    package var name: String { function.name }
}

/// A relocatable BPF object, classified: which section is what, its functions, programs,
/// instructions and relocations. Pure: built from bytes, no I/O (aya-obj's model).
package struct BPFObjectFile {
    /// The parsed ELF file the object was read from.
    package let elf: ELFFile
    /// libbpf's object name: the file's base name up to its first dot (`iter_task` for
    /// iter_task.bpf.o), as bytes: a file name need not be UTF-8, and map names are formed from it
    /// byte by byte as libbpf forms them.
    package let name: FilePath
    /// The role of each ELF section, indexed like `elf.sections`.
    package let roles: [SectionRole]
    /// The `license` section's string; empty when there is none.
    package let license: String
    /// Every function of every executable section, ordered by section then start.
    package let functions: [ObjectFunction]
    /// Iterator programs in section order (the first not `?`-prefixed is what `pin` picks by default).
    package let programs: [ObjectProgram]
    /// Programs of every other type, in section order: named, never loaded.
    package let otherPrograms: [OtherProgram]
    /// Instructions of each executable section, by section index.
    package let code: [Int: [BPFInstruction]]
    /// Relocations of each executable section: section index → instruction index → relocation.
    package let relocations: [Int: [Int: ELFRelocation]]

    /// Whether an ELF header is a BPF object's: machine BPF, relocatable, in this machine's byte order.
    package static func check(_ header: ELFHeader) throws(LoadError) {
        guard header.machine == .bpf else { throw .notBPF(machine: header.machine, type: header.fileType) }
        guard header.fileType == .relocatable else { throw .notRelocatable(header.fileType) }
        guard header.order == ByteOrder.host else { throw .byteOrder(object: header.order, host: .host) }
    }

    /// Reads and classifies a BPF object.
    ///
    /// - Parameters:
    ///   - bytes: The object file (ELF64, EM_BPF, ET_REL, in host byte order).
    ///   - name: The object name; see ``name``.
    /// - Throws: `LoadError` for malformed ELF, a foreign machine, file type or byte order, no symbol
    ///   table, a code section that is not whole instructions, a function or relocation outside its
    ///   section, a static iterator program, or a legacy `maps` section.
    package init(bytes: ByteView, name: FilePath) throws(LoadError) {
        // What the file is, from its header alone: an executable or a shared library is "not a BPF
        // object", not the first of its sections this reader finds odd.
        let header: ELFHeader
        do { header = try ELFHeader.parse(bytes) } catch { throw .elf(error) }
        try BPFObjectFile.check(header)
        let elf: ELFFile
        do { elf = try ELFFile(bytes) } catch { throw .elf(error) }
        guard elf.symbolTableIndex != nil else { throw .noSymbolTable }
        self.elf = elf
        self.name = name

        var roles: [SectionRole] = []
        var license = ""
        var code: [Int: [BPFInstruction]] = [:]
        for section in elf.sections {
            let role = BPFObjectFile.role(of: section)
            roles.append(role)
            switch role {
            case .license:
                let data = elf.data(of: section)
                license = (data.cString(at: 0) ?? data).string
            case .program, .text, .otherProgram:
                guard section.size % UInt64(BPFInstruction.size) == 0 else {
                    throw .badSection(section: section.name, reason: "size \(section.size) is not a multiple of 8 (BPF instructions)")
                }
                code[section.index] = BPFInstruction.decodeAll(elf.data(of: section), elf.order)
            default:
                break
            }
        }
        for (index, role) in roles.enumerated() {
            if case .legacyMaps = role { throw .legacyMapsSection(section: elf.sections[index].name) }
        }
        self.roles = roles
        self.license = license
        self.code = code
        functions = try BPFObjectFile.collectFunctions(elf, code: code)
        programs = try BPFObjectFile.collectPrograms(elf, roles: roles, functions: functions)
        otherPrograms = functions.compactMap { function in
            guard case let .otherProgram(kind) = roles[function.section] else { return nil }
            return OtherProgram(function: function, sectionName: elf.sections[function.section].name, kind: kind)
        }
        relocations = try BPFObjectFile.collectRelocations(elf, code: code)
    }

    /// The section that holds a given role, if there is one.
    package func sections(where predicate: (SectionRole) -> Bool) -> [ELFSection] {
        elf.sections.filter { predicate(roles[$0.index]) }
    }

    /// The function starting at `instruction` of `section`.
    package func function(in section: Int, startingAt instruction: Int) -> ObjectFunction? {
        // `functions` is sorted by (section, start): a binary search for the first of them, not a
        // walk over all of them for each call (calls × functions for thousands of subprograms).
        var low = 0
        var high = functions.count
        while low < high {
            let middle = (low + high) / 2
            if (functions[middle].section, functions[middle].start) < (section, instruction) { low = middle + 1 } else { high = middle }
        }
        guard low < functions.count, functions[low].section == section, functions[low].start == instruction else { return nil }
        return functions[low]
    }

    // MARK: - Classification

    static func role(of section: ELFSection) -> SectionRole {
        let name = section.name
        if section.type == .progbits && section.flags.contains(.execInstr) {
            if name == ".text" { return .text }
            if let program = ProgramSectionName(name) { return .program(program) }
            return .otherProgram(OtherProgramSection(name))
        }
        switch name {
        case "license": return .license
        case ".maps": return .maps
        case "maps": return .legacyMaps
        case ".BTF": return .btf
        case ".BTF.ext": return .btfExt
        case ".kconfig": return .globalData(.kconfig)
        default: break
        }
        guard section.size > 0 else { return .other }
        if section.type == .progbits {
            if name == ".rodata" || name.hasPrefix(".rodata.") { return .globalData(.rodata) }
            if name == ".data" || name.hasPrefix(".data.") { return .globalData(.data) }
        }
        if section.type == .nobits && (name == ".bss" || name.hasPrefix(".bss.")) { return .globalData(.bss) }
        return .other
    }

    static func collectFunctions(_ elf: ELFFile, code: [Int: [BPFInstruction]]) throws(LoadError) -> [ObjectFunction] {
        var functions: [ObjectFunction] = []
        for symbol in elf.symbols where symbol.type == .function {
            guard let section = symbol.sectionIndex, let instructions = code[section] else { continue }
            let sectionName = elf.sections[section].name
            guard symbol.value % 8 == 0 else {
                throw .badProgram(section: sectionName, program: symbol.name, reason: "offset \(symbol.value) is not a multiple of 8 (BPF instructions)")
            }
            guard symbol.size % 8 == 0 else {
                throw .badProgram(section: sectionName, program: symbol.name, reason: "size \(symbol.size) is not a multiple of 8 (BPF instructions)")
            }
            let start = Int(clamping: symbol.value / 8)
            let count = Int(clamping: symbol.size / 8)
            guard count > 0, start <= instructions.count, count <= instructions.count - start else {
                throw .badProgram(section: sectionName, program: symbol.name,
                                  reason: "instructions \(start)..<\(start + count) outside the section's \(instructions.count)")
            }
            functions.append(ObjectFunction(
                name: symbol.name, section: section, start: start, count: count,
                isGlobal: symbol.binding == .global || symbol.binding == .weak))
        }
        functions.sort { ($0.section, $0.start) < ($1.section, $1.start) }
        return functions
    }

    static func collectPrograms(_ elf: ELFFile, roles: [SectionRole], functions: [ObjectFunction]) throws(LoadError) -> [ObjectProgram] {
        var programs: [ObjectProgram] = []
        for function in functions {
            guard case let .program(kind) = roles[function.section] else { continue }
            let sectionName = elf.sections[function.section].name
            guard function.isGlobal else {
                throw .badProgram(section: sectionName, program: function.name,
                                  reason: "program is static; programs must be global functions")
            }
            programs.append(ObjectProgram(function: function, sectionName: sectionName, kind: kind))
        }
        return programs
    }

    static func collectRelocations(_ elf: ELFFile, code: [Int: [BPFInstruction]]) throws(LoadError) -> [Int: [Int: ELFRelocation]] {
        var result: [Int: [Int: ELFRelocation]] = [:]
        for section in elf.sections where section.type == .rel || section.type == .rela {
            let target = Int(section.info)
            guard let instructions = code[target] else { continue }
            let entries: [ELFRelocation]
            do { entries = try elf.relocations(in: section) } catch { throw .elf(error) }
            var byInstruction: [Int: ELFRelocation] = [:]
            for entry in entries {
                guard entry.offset % 8 == 0, entry.offset / 8 < UInt64(instructions.count) else {
                    throw .badSection(section: section.name, reason: "relocation at offset \(hex(entry.offset)) is not on an instruction of '\(elf.sections[target].name)'")
                }
                byInstruction[Int(entry.offset / 8)] = entry
            }
            result[target] = byInstruction
        }
        return result
    }
}
