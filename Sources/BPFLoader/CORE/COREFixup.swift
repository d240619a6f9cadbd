import BTFParser
import Bytes

/// The outcome of one CO-RE relocation record: what to write into which instruction, and the
/// texts `-d` shows. Computed by `CORERelocator.relocate` (pure), written by `CORERelocator.apply`.
package struct COREFixup: Sendable, Equatable, CustomStringConvertible {
    /// The program whose instruction is relocated.
    package let program: String
    /// The ELF section the program is in (`iter/task`), as `.BTF.ext` groups CO-RE records.
    package let section: String
    /// Index of the record among the section's CO-RE records (libbpf's `relo #N`).
    package let relocation: Int
    /// Index of the relocated instruction in the section.
    package let instruction: Int
    /// `bpf_core_relo.kind`: what the instruction holds (field offset, type id, enum value, ...).
    package let kind: CORERelocationKind
    /// The access in the object's BTF: `[7] struct task_struct.pid (0:1 @ offset 4)`.
    package let localSpec: String
    /// The access in the kernel's BTF; nil when nothing in the kernel matched (or for local_type_id).
    package let targetSpec: String?
    /// The value the object's BTF predicts the instruction holds.
    package let oldValue: UInt64
    /// The value for this kernel (meaningless when poisoned).
    package let newValue: UInt64
    /// Why the instruction is poisoned; nil when it is patched.
    package let failure: String?

    /// Everything `apply` needs to patch (and re-check) the instruction.
    let computed: COREResult
    /// The patch planned against the section's instructions when the fixup was computed.
    let patch: COREPatch

    /// True when the instruction becomes `call 0xbad2310`: harmless if unreachable, and named by
    /// `COREVerifierLog.explain` if the verifier reaches it.
    package var poisoned: Bool { failure != nil }

    /// What the verifier-log mapping needs to remember about a poisoned instruction.
    package var poisonNote: COREPoisonNote? {
        failure.map { COREPoisonNote(relocation: relocation, reason: $0) }
    }

    /// One `-d` line: `relo #3: byte_off [7] struct task_struct.pid (0:1 @ offset 4) ->
    /// [123] struct task_struct.pid (0:10 @ offset 2468): 4 -> 2468`.
    package var description: String {
        var s = "relo #\(relocation): \(kind.description) \(localSpec) -> "
        if kind == .typeIDLocal {
            s += "local"
        } else {
            s += targetSpec ?? "not found in kernel"
        }
        if let failure { return s + ": poisoned insn #\(instruction): \(failure)" }
        s += ": " + COREFixup.text(oldValue, kind) + " -> " + COREFixup.text(newValue, kind)
        if case .memory = patch, computed.newSize != computed.oldSize {
            s += " (memory access \(computed.oldSize) -> \(computed.newSize) bytes)"
        }
        return s
    }

    /// Enum values print signed (they are sign-extended like libbpf does); everything else unsigned.
    static func text(_ value: UInt64, _ kind: CORERelocationKind) -> String {
        kind == .enumValue ? "\(Int64(bitPattern: value))" : "\(value)"
    }
}

/// A poisoned instruction's relocation, for turning a verifier log back into words.
package struct COREPoisonNote: Sendable, Equatable, CustomStringConvertible {
    /// Index of the record among its section's CO-RE records (libbpf's `relo #N`).
    package let relocation: Int
    /// Why the relocation failed: what was not found in the kernel, and where.
    package let reason: String

    /// A note for relocation `relocation`, poisoned because of `reason`.
    package init(relocation: Int, reason: String) {
        self.relocation = relocation
        self.reason = reason
    }

    /// `relo #3: field 'task_struct.foo' not found in kernel`
    package var description: String { "relo #\(relocation): \(reason)" }
}
