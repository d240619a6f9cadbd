import BTFParser
import Bytes

/// `task main_thread_only`: proposed for the kernel and never merged, so iter does it in the
/// program. Before the program's first instruction it puts
///
///     0: r2 = *(u64 *)(r1 + offsetof(ctx, task))
///     1: if r2 == 0 goto main          ; the end-of-walk call (no task) runs the program as is
///     2: r3 = *(u32 *)(r2 + offsetof(task_struct, pid))
///     3: r4 = *(u32 *)(r2 + offsetof(task_struct, tgid))
///     4: if r3 == r4 goto main         ; a group leader
///     5: r0 = 0                        ; a thread: skip it
///     6: exit
///     main: …
///
/// with offsets from the running kernel's BTF, so it works on every kernel. Only r2-r4 are
/// touched (caller-saved scratch); r1 still holds the context when the program starts.
enum MainThreadFilter {
    static let targets: Set<String> = ["task", "task_file", "task_vma"]

    /// The kernel names the filter looks up for a program of `target`.
    static func kernelNames(target: String) -> [String] {
        ["bpf_iter__" + target, "task_struct"]
    }
    static let length = 7

    static func instructions(taskOffset: Int16, pidOffset: Int16, tgidOffset: Int16) -> [BPFInstruction] {
        [
            BPFInstruction(opcode: 0x79, dst: 2, src: 1, offset: taskOffset),   // ldxdw
            BPFInstruction(opcode: 0x15, dst: 2, offset: 5, immediate: 0),       // jeq r2, 0
            BPFInstruction(opcode: 0x61, dst: 3, src: 2, offset: pidOffset),     // ldxw
            BPFInstruction(opcode: 0x61, dst: 4, src: 2, offset: tgidOffset),    // ldxw
            BPFInstruction(opcode: 0x1d, dst: 3, src: 4, offset: 2),             // jeq r3, r4
            BPFInstruction(opcode: 0xb7, dst: 0, immediate: 0),                  // mov r0, 0
            BPFInstruction(opcode: BPFInstruction.exit),
        ]
    }

    /// Prepends the filter to `program` (`PlannedProgram.prepend` moves what is indexed by instruction).
    static func apply(to program: inout PlannedProgram, kernel: KernelTypes) throws(LoadError) {
        guard targets.contains(program.target) else {
            throw .mainThreadOnly(program: program.name, .notATaskTarget(program.target))
        }
        let taskOffset = try memberOffset(kernel, structure: "bpf_iter__" + program.target, member: "task", size: 8, program: program.name)
        let pidOffset = try memberOffset(kernel, structure: "task_struct", member: "pid", size: 4, program: program.name)
        let tgidOffset = try memberOffset(kernel, structure: "task_struct", member: "tgid", size: 4, program: program.name)
        program.prepend(instructions(taskOffset: taskOffset, pidOffset: pidOffset, tgidOffset: tgidOffset))
    }

    /// Whether a loaded program starts with this filter, from its instructions as the kernel
    /// reports them (`xlated_prog_insns`, host order; the verifier shows its probe loads as the
    /// plain loads planned here). No kernel option records `main_thread_only`: this is how `iter
    /// update` keeps it for the program it puts in the old one's place.
    static func isApplied(translated bytes: [UInt8], target: String, kernel: KernelTypes) -> Bool {
        guard targets.contains(target), bytes.count >= length * BPFInstruction.size,
              let task = try? memberOffset(kernel, structure: "bpf_iter__" + target, member: "task", size: 8, program: ""),
              let pid = try? memberOffset(kernel, structure: "task_struct", member: "pid", size: 4, program: ""),
              let tgid = try? memberOffset(kernel, structure: "task_struct", member: "tgid", size: 4, program: "")
        else { return false }
        let code = ByteView(bytes)
        let expected = instructions(taskOffset: task, pidOffset: pid, tgidOffset: tgid)
        for (i, instruction) in expected.enumerated() {
            guard BPFInstruction.decode(code, at: i * BPFInstruction.size, .host) == instruction else { return false }
        }
        return true
    }

    /// Byte offset of `member` in kernel struct `structure`, looking into anonymous members (the
    /// context structs wrap each pointer in an anonymous union); its size must be `size`.
    static func memberOffset(_ kernel: KernelTypes, structure: String, member: String, size: UInt64, program: String) throws(LoadError) -> Int16 {
        let btf = kernel.vmlinux
        guard let id = (kernel.names?.typeIDs(named: structure, kind: .structure) ?? btf.typeIDs(named: structure, kind: .structure)).first else {
            throw .mainThreadOnly(program: program, .noStruct(structure))
        }
        guard let (bits, type) = find(member, in: id, btf, depth: 0) else {
            throw .mainThreadOnly(program: program, .noMember(structure: structure, member: member))
        }
        guard bits % 8 == 0, bits / 8 <= UInt32(Int16.max), (try? btf.size(of: type)) == size else {
            throw .mainThreadOnly(program: program, .unexpectedMember(structure: structure, member: member, size: size))
        }
        return Int16(bits / 8)
    }

    private static func find(_ name: String, in id: TypeID, _ btf: BTF, depth: Int) -> (UInt32, TypeID)? {
        guard depth < 8, let type = try? btf.skipModsAndTypedefs(id).type else { return nil }
        for member in type.members {
            let memberName = btf.string(at: member.nameOffset)?.string ?? ""
            if memberName == name { return (member.bitOffset, member.type) }
            if memberName.isEmpty, let (inner, innerType) = find(name, in: member.type, btf, depth: depth + 1) {
                return (member.bitOffset + inner, innerType)
            }
        }
        return nil
    }
}

/// Why the main_thread_only filter cannot be planned: the target is not a task target, or the
/// kernel's BTF does not describe the fields the filter reads as expected.
package enum MainThreadFilterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The program's target has no task to filter.
    case notATaskTarget(String)
    /// Kernel BTF has no such struct.
    case noStruct(String)
    /// The kernel struct lacks the member.
    case noMember(structure: String, member: String)
    /// The member is not a field of the expected size at a byte offset.
    case unexpectedMember(structure: String, member: String, size: UInt64)

    package var description: String {
        switch self {
        case let .notATaskTarget(target):
            return "main_thread_only applies to task, task_file and task_vma iterators, not '\(target)'"
        case let .noStruct(structure): return "main_thread_only: kernel BTF has no struct \(structure)"
        case let .noMember(structure, member): return "main_thread_only: kernel struct \(structure) has no member '\(member)'"
        case let .unexpectedMember(structure, member, size):
            return "main_thread_only: \(structure).\(member) is not a \(size)-byte field at a byte offset"
        }
    }
}
