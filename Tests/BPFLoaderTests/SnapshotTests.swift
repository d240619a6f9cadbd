@testable import BPFLoader
@testable import BTFParser
import Bytes
import Foundation
import SyscallBPF
import Testing
import TestSupport

/// Every fixture planned against a kernel: each iterator program of each object (and
/// main_thread_only for the task iterators), with fixed facts (the snapshot kernel's config, a
/// kallsyms entry for the untyped ksym the fixtures name).
enum FixturePlans {
    /// Tests/Fixtures/*.o and Tests/Fixtures/bad/*.o, by path relative to Tests/Fixtures.
    static let objects: [String] = {
        let fm = FileManager.default
        let top = ((try? fm.contentsOfDirectory(atPath: TestPaths.fixtures.path)) ?? []).filter { $0.hasSuffix(".o") }
        let bad = ((try? fm.contentsOfDirectory(atPath: BadCorpus.directory.path)) ?? []).filter { $0.hasSuffix(".o") }
        return top.sorted() + bad.sorted().map { "bad/" + $0 }
    }()

    /// The untrimmed BTF the snapshot was made from (set by Tests/Data/make.sh), for `SnapshotFidelity`.
    static let fullDirectory = ProcessInfo.processInfo.environment["ITER_FULL_BTF_DIR"]

    static func facts() throws -> KernelFacts {
        var facts = try KernelSnapshot.facts(kconfig: true)
        facts.kallsyms = ["bpf_iter_run_prog": 0xffff_ffff_8123_4560]
        return facts
    }

    /// One line per (object, program, options): the plan in full (every field, as Swift prints
    /// it), or the error.
    static func outcomes(_ object: String, kernel: KernelTypes, facts: KernelFacts) -> [String] {
        let file: BPFObjectFile
        do {
            let bytes = try TestPaths.fixtureBytes(object)
            file = try BPFObjectFile(bytes: ByteView(bytes), name: IteratorObject.objectName(FilePath(object)))
        } catch {
            return ["\(object): \(error)"]
        }
        var runs: [PlanOptions] = [PlanOptions()]
        for program in file.programs {
            runs.append(PlanOptions(programName: program.name))
            if program.kind.target == "task" { runs.append(PlanOptions(programName: program.name, mainThreadOnly: true)) }
        }
        return runs.map { options in
            let label = "\(object) \(options.programName ?? "(default)")\(options.mainThreadOnly ? " main_thread_only" : "")"
            switch Result(catching: { () throws(LoadError) in try Planner.plan(file, kernel: kernel, facts: facts, options: options) }) {
            case let .success(plan): return "\(label): \(plan)"
            case let .failure(error): return "\(label): error: \(error.description)"
            }
        }
    }
}

/// Planning against the committed snapshot of a Debian kernel (Tests/Data), as any user.
@Suite("planning every fixture against the kernel snapshot")
struct SnapshotPlanTests {
    /// Fixtures that are meant not to plan, and why.
    static let refused: [String: String] = [
        "iter_bad_target.bpf.o": "program 'dump_nothing': iterator target 'no_such_target' not found in kernel BTF",
        "iter_kconfig_too_big.bpf.o": "extern 'CONFIG_ITER_BIG_16': .kconfig would be 1114112 bytes, more than the 1048576 iter accepts",
        "iter_mim_index_out_of_range.bpf.o": "map 'outer_short': slot [3] ('inner_a') is beyond max_entries 2",
        "iter_mim_no_inner.bpf.o": "map 'outer_bare': map-in-map without an inner map definition",
        // Its first program calls a function of another object; `prog dump_pids` plans.
        "iter_undefined_func.bpf.o": "function 'lib_task_weight' is called but not defined in this object",
        // Its ksym is in no kernel: PrependTests gives it a module that has it.
        "iter_module_ksym.bpf.o": "no kernel variable 'iter_test_module_counter' in vmlinux or module BTF",
        "iter_no_program.bpf.o": "no iterator program",
        "iter_task.bpfeb.o": "object is big-endian but this machine is little-endian",
        "iter_unsized_map.bpf.o": "map 'threads': max_entries is unset (0)",
        "x86_program.o": "not a BPF object",
    ]

    @Test("the snapshot is the kernel Tests/Data/kernel.info names, with its module on top")
    func snapshot() throws {
        let vmlinux = try KernelSnapshot.vmlinux()
        #expect(KernelSnapshot.release.hasPrefix("6."), "\(KernelSnapshot.release)")
        #expect(vmlinux.base == nil && vmlinux.typeCount > 100_000)
        #expect(vmlinux.function(named: "bpf_iter_task") != nil)
        let module = try KernelSnapshot.module()
        #expect(module.base != nil && module.typeCount > vmlinux.typeCount)
        #expect(vmlinux.typeIDs(named: "bpf_fou_encap").isEmpty && !module.typeIDs(named: "bpf_fou_encap").isEmpty)
        #expect(try KernelSnapshot.config()["CONFIG_DEBUG_INFO_BTF"] == .yes)
    }

    @Test("each fixture plans, or fails with the error it exists for", arguments: FixturePlans.objects.filter { !$0.hasPrefix("bad/") })
    func fixture(_ object: String) throws {
        let outcomes = FixturePlans.outcomes(object, kernel: try KernelSnapshot.kernel(), facts: try FixturePlans.facts())
        let first = try #require(outcomes.first)
        if let reason = Self.refused[object] {
            #expect(first.contains(reason), "\(first.prefix(400))")
        } else {
            for outcome in outcomes { #expect(!outcome.contains(": error: "), "\(outcome.prefix(400))") }
        }
    }
}

/// Module BTF: the snapshot's `fou` module, split BTF on the snapshot's vmlinux, as planning
/// finds kfuncs and CO-RE types that only a module has.
@Suite("module BTF of the kernel snapshot")
struct SnapshotModuleTests {
    /// `int bpf_skb_set_fou_encap(struct __sk_buff *, struct bpf_fou_encap *, int)` as a BPF
    /// program declares it (`encapType` gives the second parameter another type).
    static func kfunc(encapType: String = "bpf_fou_encap") throws -> (CORETestBTF, Extern) {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let u16 = local.int("__u16", size: 2)
        let skb = local.structure("__sk_buff", size: 4, [("len", int, 0, 0)])
        let encap = local.structure(encapType, size: 4, [("sport", u16, 0, 0), ("dport", u16, 16, 0)])
        let proto = local.add(
            "",
            .functionProto(
                returns: int,
                params: [
                    BTFParam(nameOffset: local.string("skb"), type: local.pointer(skb)),
                    BTFParam(nameOffset: local.string("encap"), type: local.pointer(encap)),
                    BTFParam(nameOffset: local.string("type"), type: int),
                ]))
        return (local, Extern(name: "bpf_skb_set_fou_encap", symbolIndex: 0, btfID: 1, weak: false, kind: .kfunc(proto: proto)))
    }

    static func resolve(_ local: CORETestBTF, _ externs: [Extern], kernel: KernelTypes) throws(LoadError) -> [ExternResolution] {
        var notes: [String] = []
        return try KsymResolution.resolve(
            externs, local: try! local.btf(), kernel: kernel,
            facts: try! KernelSnapshot.facts(), notes: &notes)
    }

    @Test("a kfunc only the module has resolves to the module's FUNC")
    func kfuncInModule() throws {
        let module = try KernelSnapshot.module()
        let id = try #require(module.function(named: "bpf_skb_set_fou_encap"))
        let (local, extern) = try Self.kfunc()
        #expect(try Self.resolve(local, [extern], kernel: KernelSnapshot.kernel()) == [.btf(id: id, module: KernelSnapshot.moduleName)])
    }

    @Test("a kfunc declared with another prototype is refused, naming both")
    func kfuncPrototype() throws {
        let (local, extern) = try Self.kfunc(encapType: "bpf_fou_encap_other")
        var wrong = local
        // The third parameter as a pointer: no longer the kernel's int.
        let proto = wrong.add("", .functionProto(returns: 1, params: [BTFParam(nameOffset: 0, type: wrong.pointer(1))]))
        var changed = extern
        changed.kind = .kfunc(proto: proto)
        let kernel = try KernelSnapshot.kernel()
        do {
            _ = try Self.resolve(wrong, [changed], kernel: kernel)
            Issue.record("resolved a kfunc with the wrong prototype")
        } catch {
            #expect(error.description.hasPrefix("extern 'bpf_skb_set_fou_encap': declared as "), "\(error.description)")
            #expect(error.description.contains("but the kernel's function is"), "\(error.description)")
        }
    }

    @Test("without module BTF the same kfunc is missing")
    func kfuncWithoutModule() throws {
        let (local, extern) = try Self.kfunc()
        #expect(throws: LoadError.self) { try Self.resolve(local, [extern], kernel: try KernelSnapshot.vmlinuxOnly()) }
    }

    @Test("a CO-RE field of a struct only the module has relocates to the module's offset")
    func coreInModule() throws {
        var local = CORETestBTF()
        let u16 = local.int("__u16", size: 2)
        let encap = local.structure("bpf_fou_encap", size: 8, [("pad", u16, 0, 0), ("sport", u16, 16, 0), ("dport", u16, 32, 0)])
        let dport = local.string("0:2")
        let kernel = try KernelSnapshot.kernel()
        let btf = try local.btf()
        let candidates = CORECandidateIndex(local: btf, rootTypeIDs: [encap], kernel: kernel)
        let fixups = try CORERelocator.relocate(
            local: btf, candidates: candidates, records: [.at(0, encap, dport, .fieldByteOffset)],
            instructions: [COREInsn.load(4, size: 2)], section: "iter/task", program: "prog")
        #expect(fixups.first?.newValue == 2)
        #expect(fixups.first?.targetSpec?.hasSuffix("in module '\(KernelSnapshot.moduleName)'") == true, "\(fixups.first?.targetSpec ?? "")")
    }

    @Test("names vmlinux has are never looked up in modules")
    func vmlinuxFirst() throws {
        let modules = SnapshotModules(try KernelSnapshot.module(), named: KernelSnapshot.moduleName)
        let kernel = KernelTypes(vmlinux: try KernelSnapshot.vmlinux(), modules: modules)
        let object = try BPFObjectFile(bytes: ByteView(try TestPaths.fixtureBytes("iter_kfunc.bpf.o")), name: "iter_kfunc")
        _ = try Planner.plan(object, kernel: kernel, facts: try KernelSnapshot.facts())
        #expect(modules.requested.isEmpty)
    }
}

/// Proof that trimming the snapshot changed nothing planning sees: with the untrimmed BTF that
/// Tests/Data/make.sh extracted (ITER_FULL_BTF_DIR), every fixture plans to the very same plan
/// (every field, type ids included) or the very same error, and so do the module cases.
@Suite(
    "the trimmed snapshot plans as the full BTF",
    .enabled(
        if: FixturePlans.fullDirectory != nil,
        "runs from Tests/Data/make.sh, which sets ITER_FULL_BTF_DIR to the untrimmed BTF"))
struct SnapshotFidelity {
    static var fullDirectory: String? { FixturePlans.fullDirectory }

    static func fullKernel() throws -> KernelTypes {
        let directory = URL(fileURLWithPath: try #require(fullDirectory))
        let vmlinux = try BTF(ByteView([UInt8](try Data(contentsOf: directory.appendingPathComponent("vmlinux.btf")))))
        let module = try BTF(
            ByteView([UInt8](try Data(contentsOf: directory.appendingPathComponent("\(KernelSnapshot.moduleName).btf")))),
            base: vmlinux)
        return KernelTypes(vmlinux: vmlinux, modules: SnapshotModules(module, named: KernelSnapshot.moduleName))
    }

    @Test("every fixture, every program", arguments: FixturePlans.objects)
    func fixture(_ object: String) throws {
        let facts = try FixturePlans.facts()
        let trimmed = FixturePlans.outcomes(object, kernel: try KernelSnapshot.kernel(), facts: facts)
        let full = FixturePlans.outcomes(object, kernel: try Self.fullKernel(), facts: facts)
        #expect(trimmed.count == full.count)
        for (a, b) in zip(trimmed, full) { #expect(a == b) }
    }

    @Test("the module's kfunc and CO-RE type")
    func module() throws {
        let (local, extern) = try SnapshotModuleTests.kfunc()
        let full = try Self.fullKernel()
        #expect(
            try SnapshotModuleTests.resolve(local, [extern], kernel: full)
                == SnapshotModuleTests.resolve(local, [extern], kernel: KernelSnapshot.kernel()))
    }
}
