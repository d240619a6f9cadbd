import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// Which of bpftool's words a failure belongs under: libbpf fails either while opening the object
/// (`can't open objfile`: the file and its structure) or while loading it (`can't load objfile`:
/// kernel types, BTF, maps, the verifier).
public enum LoadPhase: Sendable, Equatable {
    /// Opening the object: the file and its structure (`can't open objfile`).
    case open
    /// Loading the object: kernel types, BTF, maps, the verifier (`can't load objfile`).
    case load
}

/// Everything that can go wrong between an object file and loaded programs, each with the section,
/// program or map it concerns and what was expected.
public enum LoadError: Error, CustomStringConvertible {
    // Reading the object.
    /// The file is not valid ELF.
    case elf(ELFError)
    /// e_machine is not EM_BPF.
    case notBPF(machine: ELFMachine)
    /// e_type is not ET_REL.
    case notRelocatable(ELFFileType)
    /// The object's byte order is not the host's (bpfeb object on a little-endian machine, or the reverse).
    case byteOrder(object: ByteOrder, host: ByteOrder)
    /// No `.symtab`, so programs and maps have no names.
    case noSymbolTable
    /// A section whose contents are malformed (code not whole instructions, a misplaced relocation).
    case badSection(section: String, reason: String)
    /// A program or subprogram symbol outside its section, misaligned, or static in a program section.
    case badProgram(section: String, program: String, reason: String)
    /// Executable code in a section that is not `iter/` or `iter.s/` and not `?`-prefixed.
    case unsupportedProgramSection(section: String)
    /// A legacy `maps` section (`struct bpf_map_def`), which iter does not load.
    case legacyMapsSection(section: String)
    /// The object has no iterator program to attach.
    case noIteratorProgram
    /// No program has the requested name; `available` lists the ones there are.
    case noSuchProgram(name: String, available: [String])
    /// The requested program is not in an iterator section.
    case notAnIterator(name: String, section: String)
    /// An instruction's relocation or call that cannot be resolved (no such function, map or data, wrong opcode).
    case relocation(program: String, instruction: Int, reason: String)
    /// The object's `.BTF` or `.BTF.ext` is malformed where the loader needed it.
    case btf(section: String, BTFError)
    /// A `.maps` definition the loader cannot turn into BPF_MAP_CREATE attributes.
    case map(name: String, reason: String)
    /// A `.kconfig` or `.ksyms` extern that cannot be resolved against this kernel.
    case extern(name: String, reason: String)
    // Relating the object to the kernel.
    /// The kernel has no `bpf_iter_<target>` in its BTF.
    case unknownTarget(program: String, target: String)
    /// The kernel's BTF (vmlinux or a module's) is malformed.
    case kernelBTF(BTFError)
    /// The kernel's BTF (vmlinux, or a module's a program needs) could not be found or read.
    case kernelBTFUnavailable(path: String, Errno)
    /// A CO-RE relocation failed, or the verifier reached an instruction one poisoned.
    case core(program: String, reason: String)
    // Kernel calls made while executing a plan.
    /// BPF_BTF_LOAD refused BTF the object cannot load without; `log` is the kernel's BTF log.
    case btfLoad(errno: Errno, log: String)
    /// BPF_MAP_CREATE failed.
    case mapCreate(name: String, Errno)
    /// Writing a map's initial contents (BPF_MAP_UPDATE_ELEM) or freezing it (BPF_MAP_FREEZE) failed.
    case mapUpdate(name: String, Errno)
    /// Pinning a LIBBPF_PIN_BY_NAME map, or opening the map already pinned there, failed.
    case mapPin(name: String, path: String, Errno)
    /// A map is pinned at the map's pin path but does not match its declaration.
    case mapReuse(name: String, path: String, reason: String)
    /// BPF_PROG_LOAD failed: the verifier's log, and a hint when its last line is a known pattern.
    case programLoad(program: String, errno: Errno, log: String, hint: String?)

    /// Whether the failure happened while opening or while loading the object (bpftool's wording).
    public var phase: LoadPhase {
        switch self {
        case .elf, .notBPF, .notRelocatable, .byteOrder, .noSymbolTable, .badSection, .badProgram,
             .unsupportedProgramSection, .legacyMapsSection, .relocation, .btf, .map, .extern:
            return .open
        case .noIteratorProgram, .noSuchProgram, .notAnIterator, .unknownTarget, .kernelBTF,
             .kernelBTFUnavailable, .core, .btfLoad, .mapCreate, .mapUpdate, .mapPin, .mapReuse, .programLoad:
            return .load
        }
    }

    /// The errno of a failed system call, if that is what this is (it decides the exit code).
    public var errno: Errno? {
        switch self {
        case let .kernelBTFUnavailable(_, e), let .mapCreate(_, e), let .mapUpdate(_, e), let .mapPin(_, _, e): return e
        case let .btfLoad(e, _): return e
        case let .programLoad(_, e, _, _): return e
        default: return nil
        }
    }

    /// The verifier's (or BTF checker's) log, shown after the one-line message.
    public var kernelLog: String? {
        switch self {
        case let .btfLoad(_, log), let .programLoad(_, _, log, _): return log.isEmpty ? nil : log
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case let .elf(error):
            return error.description
        case let .notBPF(machine):
            return "not a BPF object: ELF machine is \(machine), expected BPF (compile with clang -target bpf)"
        case let .notRelocatable(type):
            return "ELF file is \(type.withArticle), expected a relocatable BPF object (clang -c)"
        case let .byteOrder(object, host):
            return "object is \(object.description) but this machine is \(host.description) (compile with -target bpf, or bpfel/bpfeb to match)"
        case .noSymbolTable:
            return "object has no symbol table (.symtab), so its programs cannot be found"
        case let .badSection(section, reason):
            return "section '\(section)': \(reason)"
        case let .badProgram(section, program, reason):
            return "section '\(section)': program '\(program)': \(reason)"
        case let .unsupportedProgramSection(section):
            return "section '\(section)': not an iterator program (expected SEC(\"iter/<target>\") or SEC(\"iter.s/<target>\"); prefix it with '?' to leave it unloaded)"
        case let .legacyMapsSection(section):
            return "section '\(section)': legacy map definitions are not supported, declare maps in SEC(\".maps\") with __uint/__type"
        case .noIteratorProgram:
            return "no iterator program (SEC(\"iter/<target>\")) in the object"
        case let .noSuchProgram(name, available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "no program named '\(name)' in the object (programs: \(list))"
        case let .notAnIterator(name, section):
            return "program '\(name)' in section '\(section)' is not an iterator program"
        case let .relocation(program, instruction, reason):
            return "program '\(program)': instruction \(instruction): \(reason)"
        case let .btf(section, error):
            return "section '\(section)': \(error.description)"
        case let .map(name, reason):
            return "map '\(name)': \(reason)"
        case let .extern(name, reason):
            return "extern '\(name)': \(reason)"
        case let .unknownTarget(program, target):
            return "program '\(program)': iterator target '\(target)' not found in kernel BTF (no function bpf_iter_\(target); `iter list` shows the targets of this kernel)"
        case let .kernelBTF(error):
            return "kernel BTF: \(error.description)"
        case let .kernelBTFUnavailable(path, errno):
            return "kernel BTF \(path): \(errno.description) (iter needs a kernel built with CONFIG_DEBUG_INFO_BTF)"
        case let .core(program, reason):
            return "program '\(program)': \(reason)"
        case let .btfLoad(errno, _):
            return "kernel rejected the object's BTF: \(errno.description)"
        case let .mapCreate(name, errno):
            return "map '\(name)': create failed: \(errno.description)"
        case let .mapUpdate(name, errno):
            return "map '\(name)': setting initial contents failed: \(errno.description)"
        case let .mapPin(name, path, errno):
            return "map '\(name)': pinning at \(path) failed: \(errno.description)"
        case let .mapReuse(name, path, reason):
            return "map '\(name)': can't reuse the map pinned at \(path): \(reason)"
        case let .programLoad(program, errno, _, hint):
            let base = "program '\(program)': verifier rejected it: \(errno.description)"
            return hint.map { base + ": " + $0 } ?? base
        }
    }
}
