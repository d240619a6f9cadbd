import BTFParser
import SyscallBPF

/// Where a planned map comes from.
package enum MapOrigin: Sendable, Equatable {
    /// A global data section (`.rodata`, `.data.foo`, `.bss`, `.kconfig`).
    case globalData(GlobalDataKind, section: String)
    /// A BTF-defined map declared in `.maps`.
    case declared(symbol: String)
}

/// A map to create, and what to put in it.
package struct PlannedMap: Sendable {
    /// The name the kernel sees (at most 15 bytes).
    package var name: String
    /// Whether the map holds global data or was declared in `.maps`.
    package var origin: MapOrigin
    /// What BPF_MAP_CREATE is called with (the name is taken from `name`).
    package var attributes: MapAttributes
    /// Contents of element 0 (global data), written before the programs load.
    package var initialValue: [UInt8]?
    /// BPF_MAP_FREEZE after writing (`.rodata`, `.kconfig`): the verifier then treats reads as constants.
    package var freeze: Bool
    /// `__uint(pinning, LIBBPF_PIN_BY_NAME)`: reuse the map pinned here if compatible, else create
    /// and pin it here (libbpf's default root, /sys/fs/bpf).
    package var pinPath: FilePath? = nil
    /// A map-in-map's inner definition: created as the template (`inner_map_fd`), then closed.
    package var innerMap: MapAttributes? = nil
    /// `.values` initialisers: filled after every map is created (maps) or after the programs
    /// load (program arrays); left alone when the map was reused from its pin, as libbpf does.
    package var slots: [MapSlot] = []
}

/// Something attached to one instruction of a linked program, by its index: what must move when
/// code is put in front of the program (`PlannedProgram.prepend`).
package protocol InstructionIndexed {
    /// Index in the program's linked instructions.
    var instruction: Int { get set }
}

extension Array where Element: InstructionIndexed {
    /// The same records, each `count` instructions later.
    func shifted(by count: Int) -> [Element] {
        map {
            var moved = $0
            moved.instruction += count
            return moved
        }
    }
}

/// An instruction whose immediate becomes a map's fd when the plan runs (ld_imm64 with
/// BPF_PSEUDO_MAP_FD or BPF_PSEUDO_MAP_VALUE).
package struct MapReference: Sendable, Equatable, InstructionIndexed {
    /// Index in the program's linked instructions of the `ld_imm64` whose imm becomes the map fd.
    package var instruction: Int
    /// Index in `LoadPlan.maps`.
    package var map: Int
}

/// One program, ready to load but for the map fds.
package struct PlannedProgram: Sendable {
    /// The program's name (its function's symbol), passed as `prog_name`.
    package var name: String
    /// Its ELF section (`iter/task`).
    package var sectionName: String
    /// The iterator target (`task`), attached through BTF FUNC `bpf_iter_<target>`.
    package var target: String
    /// BTF id of FUNC `bpf_iter_<target>` in vmlinux BTF: BPF_PROG_LOAD's `attach_btf_id`.
    package var attachBTFID: TypeID
    /// `iter.s/`: loaded with BPF_F_SLEEPABLE.
    package var sleepable: Bool
    /// The linked program: its function, then the subprograms it calls, relocated for this kernel.
    package var instructions: [BPFInstruction]
    /// Instructions that get a map fd just before BPF_PROG_LOAD.
    package var mapReferences: [MapReference]
    /// `struct bpf_func_info` records for the linked program, in host byte order.
    package var funcInfo: [UInt8] = []
    /// `struct bpf_line_info` records for the linked program, in host byte order.
    package var lineInfo: [UInt8] = []
    /// Kernel record sizes for func_info and line_info (0 when there is none).
    package var funcInfoRecordSize: UInt32 = 0
    /// See `funcInfoRecordSize`.
    package var lineInfoRecordSize: UInt32 = 0
    /// Line info records for messages: instruction index → "file:line: source".
    package var sourceLines: [SourceLine] = []
    /// Instructions a CO-RE relocation could not fix, poisoned, with why: if the verifier reaches
    /// one, the error names the relocation instead of an unknown helper call.
    package var poisoned: [PoisonedInstruction] = []
    /// Kernel modules whose BTF fds fill fd_array from index 1 (kfuncs in modules).
    package var fdArrayModules: [String] = []
    /// ld_imm64 of a module's variable or function: the second half's immediate is that module's BTF fd.
    package var moduleReferences: [ModuleReference] = []

    /// Puts `code` before the program's first instruction and moves everything that is indexed by
    /// instruction with it: every list above of `InstructionIndexed` records, and the func_info and
    /// line_info records. A new per-instruction list belongs here too.
    mutating func prepend(_ code: [BPFInstruction]) {
        let shift = code.count
        instructions = code + instructions
        mapReferences = mapReferences.shifted(by: shift)
        moduleReferences = moduleReferences.shifted(by: shift)
        poisoned = poisoned.shifted(by: shift)
        sourceLines = sourceLines.shifted(by: shift)
        // The main function's func_info stays at 0 (it now starts with the prepended code); the
        // others move. Every function start needs a line_info: a copy of the first record stays at 0.
        funcInfo = FuncLineInfo.shiftRecords(funcInfo, size: Int(funcInfoRecordSize), by: shift, keepFirst: true)
        lineInfo = FuncLineInfo.shiftRecords(lineInfo, size: Int(lineInfoRecordSize), by: shift, duplicateFirst: true)
    }
}

/// An instruction that needs a kernel module's BTF fd when the plan runs.
package struct ModuleReference: Sendable, Equatable, InstructionIndexed {
    /// Index in the linked program of the `ld_imm64` whose second slot's imm becomes the module's BTF fd.
    package var instruction: Int
    /// The module's name, as in /sys/kernel/btf and `bpf_btf_info.name`.
    package var module: String
}

/// An instruction poisoned by a CO-RE relocation that found nothing in the kernel.
package struct PoisonedInstruction: Sendable, Equatable, InstructionIndexed {
    /// Index in the linked program.
    package var instruction: Int
    /// Which relocation and why: `relo #3: field 'task_struct.foo' not found in kernel`.
    package var note: COREPoisonNote

    /// An instruction poisoned for the relocation described by `note`.
    package init(instruction: Int, note: COREPoisonNote) {
        self.instruction = instruction
        self.note = note
    }
}

/// A line of source the compiler recorded for an instruction (from `.BTF.ext` line_info).
package struct SourceLine: Sendable, Equatable, InstructionIndexed {
    /// Index of the instruction in the linked program.
    package var instruction: Int
    /// The source file name, as the compiler recorded it.
    package var file: String
    /// 1-based line number.
    package var line: UInt32
    /// 1-based column, or 0 when not recorded.
    package var column: UInt32
    /// The source line's text, from the `.BTF` string table.
    package var text: String
}

/// Everything `execute` needs, computed without touching the kernel: the object's BTF to load,
/// maps with contents, programs with their instructions fixed up, which program is the iterator.
package struct LoadPlan: Sendable {
    /// The object name (`iter_task`); its first 8 bytes prefix global data map names (libbpf's internal_map_name).
    package var objectName: FilePath
    /// The license string every program is loaded with.
    package var license: String
    /// The object's BTF after fix-up and sanitising, or nil to load without BTF.
    package var btf: [UInt8]?
    /// True if some program cannot work without the object's BTF (global functions, kfuncs).
    package var btfRequired: Bool = false
    /// The maps to create, in libbpf's order: `.maps` declarations, then global data sections.
    package var maps: [PlannedMap]
    /// The programs to load, in section order: the iterator to attach and the programs of its
    /// object's program arrays. Other programs of the object are not planned.
    package var programs: [PlannedProgram]
    /// Index in `programs` of the program to attach (pin or run).
    package var selected: Int
    /// What planning decided, for `-d`.
    package var notes: [String]

    /// The program to attach: `programs[selected]`.
    package var selectedProgram: PlannedProgram { programs[selected] }
}

/// What an object needs from the system before it can be planned: read only what is needed.
package struct ObjectNeeds: Sendable, Equatable {
    /// BTF kinds in the object's BTF (probe only these).
    package var btfKinds: Set<BTFKind> = []
    /// A DATASEC without variables in the object's BTF: probe whether the kernel takes one.
    package var emptyDataSection = false
    /// CONFIG_* externs: read /boot/config-$(uname -r) or /proc/config.gz.
    package var kernelConfig = false
    /// Untyped ksyms: look these names up in /proc/kallsyms.
    package var kallsyms: [String] = []
    /// LINUX_HAS_BPF_COOKIE: probe bpf_get_attach_cookie.
    package var bpfCookie = false
}

/// What the caller chooses.
package struct PlanOptions: Sendable {
    /// Pin this program instead of the first iterator program.
    package var programName: String?
    /// `task main_thread_only`: filter out threads that are not their group's leader.
    package var mainThreadOnly: Bool
    /// Global variables to set (`set NAME=VALUE`): checked against the object's BTF, then written
    /// into their maps' initial values.
    package var settings: [VariableAssignment]

    /// Options for the default program, or the one named `programName`.
    package init(programName: String? = nil, mainThreadOnly: Bool = false, settings: [VariableAssignment] = []) {
        self.programName = programName
        self.mainThreadOnly = mainThreadOnly
        self.settings = settings
    }
}
