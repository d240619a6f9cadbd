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

/// What a function named as the program to attach is, when it is not an iterator program.
package enum NonIteratorFunction: Sendable, Equatable {
    /// A program of another type: libbpf's section prefix (`fentry`, `kprobe`, `xdp`).
    case program(type: String)
    /// A function that is not a program (`.text`).
    case subprogram
}

/// Everything that can go wrong between an object file and loaded programs, each with the section,
/// program or map it concerns and what was expected.
package enum LoadError: Error, CustomStringConvertible {
    // Reading the object.
    /// The file is not valid ELF.
    case elf(ELFError)
    /// e_machine is not EM_BPF.
    case notBPF(machine: ELFMachine, type: ELFFileType)
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
    /// A legacy `maps` section (`struct bpf_map_def`), which iter does not load.
    case legacyMapsSection(section: String)
    /// The object has no iterator program to attach; `others` names its other programs (`p (kprobe/x)`).
    case noIteratorProgram(others: [String])
    /// No program has the requested name; `available` lists the ones there are.
    case noSuchProgram(name: String, available: [String])
    /// The requested function is not an iterator program: `kind` says what it is; `iterators`
    /// lists the iterator programs there are.
    case notAnIterator(name: String, section: String, kind: NonIteratorFunction, iterators: [String])
    /// An instruction's relocation or call that cannot be resolved (no such function, map or data, wrong opcode).
    case relocation(program: String, instruction: Int, reason: String)
    /// The object's `.BTF` or `.BTF.ext` is malformed where the loader needed it.
    case btf(section: String, BTFError)
    /// A `.maps` definition the loader cannot turn into BPF_MAP_CREATE attributes.
    case map(name: String, reason: String)
    /// A `.kconfig` or `.ksyms` extern declared in a way the loader cannot use.
    case extern(name: String, reason: String)
    /// An extern the running kernel cannot supply (not found: ESRCH, as libbpf; ambiguous or of
    /// another type: EINVAL; hidden addresses: EPERM).
    case externUnresolved(name: String, reason: String, Errno)
    /// Code that is loaded calls a function the object declares but does not define (and not as a
    /// `__ksym` kfunc): it must be linked with the object that defines it.
    case undefinedFunction(name: String)
    /// A `set NAME=VALUE` that does not fit the object's variables.
    case variable(VariableError)
    /// A map whose size the object leaves to its loader; creating it would fail with EINVAL.
    case mapUnsized(name: String, reason: String)
    // Relating the object to the kernel.
    /// The kernel has no `bpf_iter_<target>` in its BTF.
    case unknownTarget(program: String, target: String)
    /// The kernel's BTF (vmlinux or a module's) is malformed.
    case kernelBTF(BTFError)
    /// The kernel's BTF (vmlinux, or a module's a program needs) could not be found or read.
    case kernelBTFUnavailable(path: String, Errno)
    /// A CO-RE relocation cannot be applied (the object is wrong or ambiguous for this kernel).
    case core(COREError)
    /// The verifier reached an instruction a CO-RE relocation (or a missing weak kfunc) poisoned.
    case poisonedCodeReached(program: String, COREPoisonNote)
    /// `task main_thread_only` cannot be planned into this program on this kernel.
    case mainThreadOnly(program: String, MainThreadFilterError)
    // Kernel calls made while executing a plan.
    /// BPF_BTF_LOAD refused BTF the object cannot load without; `log` is the kernel's BTF log.
    case btfLoad(errno: Errno, log: String)
    /// BPF_MAP_CREATE failed.
    case mapCreate(name: String, Errno)
    /// Writing a map's initial contents (BPF_MAP_UPDATE_ELEM) or freezing it (BPF_MAP_FREEZE) failed.
    case mapUpdate(name: String, Errno)
    /// Setting a slot of a map-in-map or program array to its map or program failed.
    case mapSlot(name: String, slot: UInt32, target: String, Errno)
    /// Pinning a LIBBPF_PIN_BY_NAME map, or opening the map already pinned there, failed.
    case mapPin(name: String, path: FilePath, Errno)
    /// A map is pinned at the map's pin path but does not match its declaration.
    case mapReuse(name: String, path: FilePath, reason: String)
    /// BPF_PROG_LOAD failed: the verifier's log, and a hint when its last line is a known pattern.
    /// `target` is the iterator target, for a refusal that came before the verifier ran.
    case programLoad(program: String, target: String, errno: Errno, log: String, hint: String?)

    /// Whether a BPF_PROG_LOAD log shows the verifier at work (it processed instructions).
    static func verifierRan(_ log: String) -> Bool {
        // Line by line, with no substring search (Embedded Swift's String has none).
        var sawText = false
        for line in log.split(separator: "\n") {
            if line.hasPrefix("processed 0 insns") { return false }
            if line.contains(where: { $0 != " " }) { sawText = true }
        }
        return sawText
    }

    /// Whether the failure happened while opening or while loading the object (bpftool's wording).
    package var phase: LoadPhase {
        switch self {
        case .elf, .notBPF, .notRelocatable, .byteOrder, .noSymbolTable, .badSection, .badProgram,
             .legacyMapsSection, .relocation, .btf, .map, .extern, .undefinedFunction, .variable:
            return .open
        case .noIteratorProgram, .noSuchProgram, .notAnIterator, .unknownTarget, .kernelBTF, .externUnresolved, .mapUnsized,
             .kernelBTFUnavailable, .core, .poisonedCodeReached, .mainThreadOnly, .btfLoad, .mapCreate, .mapUpdate, .mapSlot, .mapPin, .mapReuse, .programLoad:
            return .load
        }
    }

    /// The errno of a failed system call, if that is what this is (it decides the exit code).
    package var errno: Errno? {
        switch self {
        case let .kernelBTFUnavailable(_, e), let .mapCreate(_, e), let .mapUpdate(_, e), let .mapPin(_, _, e),
             let .mapSlot(_, _, _, e): return e
        case let .btfLoad(e, _): return e
        case let .externUnresolved(_, _, e): return e
        case .mapUnsized: return .EINVAL
        case let .programLoad(_, _, e, _, _): return e
        default: return nil
        }
    }

    /// The verifier's (or BTF checker's) log, shown after the one-line message.
    package var kernelLog: String? {
        switch self {
        case let .btfLoad(_, log): return log.isEmpty ? nil : log
        // A log of "processed 0 insns" says only that the verifier never ran: the message says so.
        case let .programLoad(_, _, _, log, _): return LoadError.verifierRan(log) ? log : nil
        default: return nil
        }
    }

    package var description: String {
        switch self {
        case let .elf(error):
            return error.description
        case let .notBPF(machine, type):
            return "not a BPF object: ELF machine is \(machine) (\(type.withArticle)), expected BPF (compile with clang -target bpf -c)"
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
        case let .legacyMapsSection(section):
            return "section '\(section)': legacy map definitions are not supported, declare maps in SEC(\".maps\") with __uint/__type"
        case let .noIteratorProgram(others):
            let base = "no iterator program (SEC(\"iter/<target>\")) in the object"
            return others.isEmpty ? base : base + " (its programs: " + others.joined(separator: ", ") + ")"
        case let .noSuchProgram(name, available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "no program named '\(name)' in the object (programs: \(list))"
        case let .notAnIterator(name, section, kind, iterators):
            let what: String
            switch kind {
            case let .program(type): what = "a \(type) program"
            case .subprogram: what = "a subprogram"
            }
            let list = iterators.isEmpty ? "none" : iterators.joined(separator: ", ")
            return "program '\(name)' in section '\(section)' is \(what), not an iterator program (iterator programs: \(list))"
        case let .relocation(program, instruction, reason):
            return "program '\(program)': instruction \(instruction): \(reason)"
        case let .btf(section, error):
            return "section '\(section)': \(error.description)"
        case let .map(name, reason):
            return "map '\(name)': \(reason)"
        case let .extern(name, reason), let .externUnresolved(name, reason, _):
            return "extern '\(name)': \(reason)"
        case let .undefinedFunction(name):
            return "function '\(name)' is called but not defined in this object (and not declared __ksym): "
                + "link the object with the one that defines it (bpftool gen object), or declare a kfunc __ksym"
        case let .mapUnsized(name, reason):
            return "map '\(name)': \(reason)"
        case let .variable(error):
            return error.description
        case let .unknownTarget(program, target):
            return "program '\(program)': iterator target '\(target)' not found in kernel BTF (no function bpf_iter_\(target); `iter list` shows the targets of this kernel)"
        case let .kernelBTF(error):
            return "kernel BTF: \(error.description)"
        case let .kernelBTFUnavailable(path, errno):
            return "kernel BTF \(path): \(errno.description) (iter needs a kernel built with CONFIG_DEBUG_INFO_BTF)"
        case let .core(error):
            return "program '\(error.program)': \(error.reason)"
        case let .poisonedCodeReached(program, note):
            return "program '\(program)': \(note)"
        case let .mainThreadOnly(program, error):
            return "program '\(program)': \(error)"
        case let .btfLoad(errno, _):
            return "kernel rejected the object's BTF: \(errno.description)"
        case let .mapCreate(name, errno):
            return "map '\(name)': create failed: \(errno.description)"
        case let .mapUpdate(name, errno):
            return "map '\(name)': setting initial contents failed: \(errno.description)"
        case let .mapSlot(name, slot, target, errno):
            return "map '\(name)': setting slot [\(slot)] to '\(target)' failed: \(errno.description)"
        case let .mapPin(name, path, errno):
            return "map '\(name)': pinning at \(path) failed: \(errno.description)"
        case let .mapReuse(name, path, reason):
            return "map '\(name)': can't reuse the map pinned at \(path): \(reason)"
        case let .programLoad(program, target, errno, log, hint):
            let base: String
            if LoadError.verifierRan(log) {
                base = "program '\(program)': verifier rejected it: \(errno.description)"
            } else if errno == .EPERM || errno == .EACCES {
                // No log, or "processed 0 insns": refused before the verifier looked at the code.
                return "program '\(program)': the kernel refused to load a program for target '\(target)' before verifying it: "
                    + "\(errno.description) (usually kernel lockdown, an LSM such as SELinux or AppArmor, "
                    + "or a missing capability: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)"
            } else {
                base = "program '\(program)': loading failed: \(errno.description)"
            }
            return hint.map { base + ": " + $0 } ?? base
        }
    }
}
