import BTFParser
import Bytes
import ELFReader
import Foundation
import Testing
import TestSupport

/// The `.BTF` and `.BTF.ext` sections of a fixture object.
func objectBTF(_ fixture: String) throws -> (BTF, ByteView, ByteView?) {
    let elf = try ELFFile(FixtureData.view(fixture))
    let section = try #require(elf.section(named: ".BTF"))
    let raw = elf.data(of: section)
    let ext = elf.section(named: ".BTF.ext").map { elf.data(of: $0) }
    return (try BTF(raw), raw, ext)
}

@Suite("BTF of clang's objects")
struct ObjectBTFTests {
    static let fixtures = ["iter_task.bpf.o", "iter_counter.bpf.o", "iter_hash.bpf.o", "iter_btf_kinds.bpf.o",
                           "iter_two_progs.bpf.o", "iter_global_func.bpf.o", "iter_loop.bpf.o", "iter_subprog.bpf.o"]

    @Test("decode then encode gives back clang's bytes exactly", arguments: fixtures)
    func roundTrip(fixture: String) throws {
        let (btf, raw, _) = try objectBTF(fixture)
        try btf.validate()
        let editable = try EditableBTF(btf)
        #expect(editable.encoded(order: .little) == raw.array)
    }

    @Test("every kind the fixtures use decodes to what clang meant")
    func kinds() throws {
        let (btf, _, _) = try objectBTF("iter_btf_kinds.bpf.o")
        let kinds = Set(try btf.allOwnTypes().map { $0.kind })
        for kind: BTFKind in [.int, .pointer, .array, .structure, .enumeration, .enum64, .typedef, .volatile,
                              .function, .functionProto, .variable, .dataSection, .float, .declTag, .typeTag] {
            #expect(kinds.contains(kind), "no \(kind)")
        }
        let big = try #require(btf.typeIDs(named: "big_values").first)
        guard case let .enum64(size, signed, values) = try btf.type(big).body else {
            Issue.record("big_values is not ENUM64")
            return
        }
        #expect(size == 8 && !signed)
        #expect(values.map { $0.value } == [1 << 40, 1 << 41])
        let small = try #require(btf.typeIDs(named: "signed_values").first)
        guard case let .enumeration(_, true, smallValues) = try btf.type(small).body else {
            Issue.record("signed_values is not a signed ENUM")
            return
        }
        #expect(smallValues.map { $0.value } == [-3, 3])
        let scale = try #require(btf.function(named: "scale"))
        guard case .function(_, .global) = try btf.type(scale).body else {
            Issue.record("scale is not a global FUNC")
            return
        }
    }

    @Test(".BTF.ext has func_info, line_info and CO-RE records per section")
    func ext() throws {
        let (btf, _, extBytes) = try objectBTF("iter_task.bpf.o")
        let ext = try BTFExt(try #require(extBytes))
        let funcSection = try #require(ext.funcInfo.first)
        #expect(btf.string(at: funcSection.sectionNameOffset)?.string == "iter/task")
        #expect(funcSection.records.first?.instructionOffset == 0)
        let function = try #require(funcSection.records.first?.typeID)
        #expect(btf.name(of: function) == "dump_task")
        let lines = try #require(ext.lineInfo.first?.records)
        #expect(!lines.isEmpty)
        #expect(lines.contains { btf.string(at: $0.lineOffset)?.string.contains("BPF_SEQ_PRINTF") == true })
        let core = try #require(ext.coreRelocations.first?.records)
        let accesses = core.compactMap { btf.string(at: $0.accessStringOffset)?.string }
        #expect(accesses.contains("0:0"))  // task->pid in our layout
        #expect(core.allSatisfy { $0.kind == .fieldByteOffset })
    }
}

@Suite("the running kernel's BTF")
struct KernelBTFTests {
    static let path = "/sys/kernel/btf/vmlinux"
    static let noHostBTF: Comment = "this machine has no readable /sys/kernel/btf/vmlinux (kernel without CONFIG_DEBUG_INFO_BTF)"

    @Test("bpf_iter_task is a FUNC whose id is the one bpftool reports",
          .enabled(if: FileManager.default.isReadableFile(atPath: path), Self.noHostBTF))
    func iterTask() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path))
        let btf = try BTF(ByteView([UInt8](data)))
        let id = try #require(btf.function(named: "bpf_iter_task"))
        guard case let .function(proto, _) = try btf.type(id).body,
              case let .functionProto(_, params) = try btf.type(proto).body else {
            Issue.record("bpf_iter_task is not a FUNC with a prototype")
            return
        }
        #expect(params.count == 2)
        #expect(btf.displayName(params[0].type) == "struct bpf_iter_meta *")
        #expect(btf.displayName(params[1].type) == "struct task_struct *")
        // Independent check: bpftool's dump of the same BTF.
        if let dump = try? shell("bpftool btf dump file \(Self.path) | grep -m1 \"FUNC 'bpf_iter_task'\"") {
            #expect(dump.hasPrefix("[\(id)] FUNC 'bpf_iter_task'"), "bpftool says \(dump)")
        }
    }

    @Test("struct task_struct members decode with the offsets bpftool reports",
          .enabled(if: FileManager.default.isReadableFile(atPath: path), Self.noHostBTF))
    func taskStruct() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path))
        let btf = try BTF(ByteView([UInt8](data)))
        let id = try #require(btf.typeIDs(named: "task_struct", kind: .structure).first)
        let task = try btf.type(id)
        let pid = try #require(task.members.first { btf.string(at: $0.nameOffset)?.string == "pid" })
        if let dump = try? shell("bpftool btf dump file \(Self.path) | grep -A400 \"STRUCT 'task_struct'\" | grep -m1 \"'pid' type_id\"") {
            #expect(dump.contains("bits_offset=\(pid.bitOffset)"), "bpftool says \(dump)")
        }
        #expect(try btf.size(of: id) == UInt64(task.declaredSize ?? 0))
    }
}

/// The committed snapshot (Tests/Data): vmlinux BTF, and a module's split BTF on it.
@Suite("kernel and module BTF of the snapshot")
struct SnapshotBTFTests {
    @Test("a module's split BTF continues its base: ids, names and types across the two")
    func splitModule() throws {
        let vmlinux = try KernelSnapshot.vmlinux()
        let module = try KernelSnapshot.module()
        #expect(module.firstTypeID == TypeID(vmlinux.typeCount))
        let id = try #require(module.function(named: "bpf_skb_set_fou_encap"))
        #expect(id >= module.firstTypeID)
        guard case let .function(proto, _) = try module.type(id).body,
              case let .functionProto(returns, params) = try module.type(proto).body else {
            Issue.record("bpf_skb_set_fou_encap is not a FUNC with a prototype")
            return
        }
        // A base type, a module type, a base type.
        #expect(module.displayName(returns) == "int")
        #expect(params.map { module.displayName($0.type) } == ["struct __sk_buff *", "struct bpf_fou_encap *", "int"])
        #expect(params.map { module.string(at: $0.nameOffset)?.string } == ["skb_ctx", "encap", "type"])
        // Base names are found from the module, module names only there.
        #expect(module.typeIDs(named: "task_struct", kind: .structure) == vmlinux.typeIDs(named: "task_struct", kind: .structure))
        #expect(vmlinux.function(named: "bpf_skb_set_fou_encap") == nil)
    }
}

func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
