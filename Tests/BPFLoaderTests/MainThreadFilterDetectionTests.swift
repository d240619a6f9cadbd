@testable import BPFLoader
import BTFParser
import Testing

/// `iter update` keeps `task main_thread_only`: it finds iter's filter at the start of the program
/// a link runs, from the instructions the kernel reports.
@Suite("main_thread_only found in a loaded program")
struct MainThreadFilterDetectionTests {
    static func kernel() throws -> KernelTypes {
        var b = CORETestBTF()
        let int = b.int("int", signed: true)
        let task = b.structure("task_struct", size: 256, [("state", int, 0, 0), ("pid", int, 128 * 8, 0), ("tgid", int, 132 * 8, 0)])
        let pointer = b.pointer(task)
        let meta = b.structure("bpf_iter_meta", size: 8, [])
        let metaPointer = b.pointer(meta)
        let wrapper = b.structure("", size: 8, union: true, [("task", pointer, 0, 0)])
        _ = b.structure("bpf_iter__task", size: 16, [("meta", metaPointer, 0, 0), ("", wrapper, 64, 0)])
        return KernelTypes(vmlinux: try b.btf())
    }

    static func code(_ instructions: [BPFInstruction]) -> [UInt8] { instructions.encoded() }

    @Test("the filter with this kernel's offsets is found; another start, another target or short code is not")
    func detects() throws {
        let btf = try Self.kernel()
        let filter = MainThreadFilter.instructions(taskOffset: 8, pidOffset: 128, tgidOffset: 132)
        let body = [BPFInstruction(opcode: 0xb7, dst: 0, immediate: 0), BPFInstruction(opcode: BPFInstruction.exit)]
        #expect(MainThreadFilter.isApplied(translated: Self.code(filter + body), target: "task", kernel: btf))
        #expect(!MainThreadFilter.isApplied(translated: Self.code(body + filter), target: "task", kernel: btf))
        #expect(!MainThreadFilter.isApplied(translated: Self.code(filter + body), target: "bpf_map", kernel: btf))
        #expect(!MainThreadFilter.isApplied(translated: Array(Self.code(filter).prefix(48)), target: "task", kernel: btf))
        // Other offsets (another kernel's layout): not iter's filter for this kernel.
        let other = MainThreadFilter.instructions(taskOffset: 8, pidOffset: 100, tgidOffset: 104)
        #expect(!MainThreadFilter.isApplied(translated: Self.code(other + body), target: "task", kernel: btf))
    }
}
