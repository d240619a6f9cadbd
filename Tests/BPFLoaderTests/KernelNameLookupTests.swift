import Foundation
@testable import BPFLoader
import BTFParser
import Bytes
import SyscallBPF
import Testing
import TestSupport

/// The names planning looks up in vmlinux are found in the walk that indexes it.
@Suite("kernel names found while indexing")
struct KernelNameLookupTests {
    static func vmlinuxBytes() throws -> ByteView {
        ByteView(try KernelSnapshot.gunzip("vmlinux.btf.gz"))
    }

    @Test("what the indexing walk finds is what a second walk finds")
    func sameAsSecondWalk() throws {
        let query = BTFNameQuery(
            exact: ["bpf_iter_task", "task_struct", "bpf_iter_run_prog", "no_such_name_at_all", "bpf_iter_task"],
            essential: ["task_struct", "bpf_iter__task", "mm_struct", "nope___nothing"])
        let indexed = try BTF(try Self.vmlinuxBytes(), lookingUp: query)
        let found = try #require(indexed.nameMatches)
        let plain = try BTF(try Self.vmlinuxBytes())
        let walked = plain.ownTypeIDs(exact: query.exact, essential: query.essential)
        #expect(found.exact == walked.exact)
        #expect(found.essential == walked.essential)
        #expect(!found.exact[0].isEmpty && found.exact[3].isEmpty)
        #expect(plain.nameMatches == nil)
    }

    @Test("a byte-swapped blob, indexed then filtered in a second pass, finds the same types")
    func swappedBlob() throws {
        let query = BTFNameQuery(exact: ["bpf_iter_task", "task_struct", ""], essential: ["mm_struct", "file"])
        let plain = try BTF(try Self.vmlinuxBytes())
        let swapped = try EditableBTF(plain).encoded(order: ByteOrder.host == .little ? .big : .little)
        let indexed = try BTF(ByteView(swapped), lookingUp: query)
        #expect(indexed.order != ByteOrder.host)
        let found = try #require(indexed.nameMatches)
        let walked = plain.ownTypeIDs(exact: query.exact, essential: query.essential)
        #expect(found.exact == walked.exact)
        #expect(found.essential == walked.essential)
        #expect(!found.exact[1].isEmpty && !found.essential[0].isEmpty)
    }

    @Test(
        "planning an object walks vmlinux once: every name was asked for up front",
        arguments: [
            ("iter_task", false), ("iter_task", true), ("iter_ksyms", false), ("iter_core_layout", false),
            ("iter_mixed_progs", false), ("iter_kfunc", false), ("iter_subprog", false),
        ])
    func oneWalk(fixture: String, mainThreadOnly: Bool) throws {
        let object = try BPFObjectFile(bytes: ByteView(try COREFixtureData.bytes(fixture + ".bpf.o")), name: FilePath(fixture))
        let bytes = try Self.vmlinuxBytes()
        let plan = try Planner.plan(
            object, options: PlanOptions(mainThreadOnly: mainThreadOnly),
            kernel: { (names: BTFNameQuery) throws(LoadError) in
                do throws(BTFError) { return KernelTypes(vmlinux: try BTF(bytes, lookingUp: names)) } catch { throw .kernelBTF(error) }
            },
            probe: { _ in
                var facts = KernelFacts()
                facts.kallsyms = ["bpf_iter_run_prog": 0xffff_ffff_8100_0000]
                return facts
            })
        let note = try #require(plan.notes.first { $0.hasPrefix("kernel BTF names: ") })
        #expect(note.hasSuffix(", 0 more walks over its types"), "\(note)")
    }

    @Test(
        "iter update's kernel, opened before planning with the filter's names, is walked once whether the filter is on or off",
        arguments: [("iter_task", false), ("iter_task", true), ("iter_core_layout", false), ("iter_mixed_progs", true)])
    func oneWalkOpenedUpFront(fixture: String, mainThreadOnly: Bool) throws {
        let object = try BPFObjectFile(bytes: ByteView(try COREFixtureData.bytes(fixture + ".bpf.o")), name: FilePath(fixture))
        let query = try Planner.kernelNameQuery(object, options: PlanOptions(mainThreadOnly: true))
        var kernel = KernelTypes(vmlinux: try BTF(try Self.vmlinuxBytes(), lookingUp: query))
        kernel.names = KernelNames.make(for: kernel.vmlinux)
        var facts = KernelFacts()
        facts.kallsyms = ["bpf_iter_run_prog": 0xffff_ffff_8100_0000]
        let plan = try Planner.plan(object, kernel: kernel, facts: facts, options: PlanOptions(mainThreadOnly: mainThreadOnly))
        let note = try #require(plan.notes.first { $0.hasPrefix("kernel BTF names: ") })
        #expect(note.hasSuffix(", 0 more walks over its types"), "\(note)")
    }
}
