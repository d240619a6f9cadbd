// The whole pure planning step: object bytes → BPFObjectFile → LoadPlan, against the host's
// vmlinux BTF (read once at start-up) and default KernelFacts. No system call may happen per input
// (scripts/fuzz.sh checks that with strace); module BTF comes from a source that has none.
import BPFLoader
import BTFParser
import Bytes

final class NoModules: ModuleBTFSource {
    func moduleNames() -> [String] { [] }
    func btf(of module: String) -> BTF? { nil }
}

nonisolated(unsafe) let kernel: KernelTypes = {
    do {
        let (vmlinux, _) = try KernelBTFFile.vmlinux()
        return KernelTypes(vmlinux: vmlinux, modules: NoModules())
    } catch {
        fatalError("fuzz-plan needs the host's BTF: \(error)")
    }
}()

/// Kernels iter supports: everything, and one that lacks every BTF kind after 5.2 and the empty
/// DATASEC (the sanitizer rewrites them), and one that cannot load BTF at all.
let factsVariants: [KernelFacts] = [
    KernelFacts(),
    KernelFacts(btf: {
        var old = BTFSupport(loads: true, functions: true, globalFunctions: false, dataSections: true, float: false,
                             declTag: false, typeTag: false, enum64: false)
        old.emptyDataSections = false
        return old
    }(), version: 5 << 16 | 10 << 8, release: "5.10.0"),
    KernelFacts(btf: .none, version: 4 << 16 | 19 << 8, release: "4.19.0"),
]

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    sink(kernel.vmlinux.typeCount)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let object: BPFObjectFile
    do { object = try BPFObjectFile(bytes: view(data, size), name: "fuzz") } catch {
        sink(error.description)
        return 0
    }
    // The kernel facts and options vary with the input's size, so each input is planned one way
    // (deterministically: a crash reproduces) and the corpus covers all of them.
    let facts = factsVariants[size % factsVariants.count]
    var options = PlanOptions()
    switch size / factsVariants.count % 4 {
    case 1: options.mainThreadOnly = true
    case 2: options.programName = object.programs.last?.name ?? object.functions.first?.name
    case 3: options.programName = "no_such_program"
    default: break
    }
    do throws(LoadError) {
        // The kernel is given the names planning will look up; the probe what the object needs
        // (its kinds and externs), and answers with fixed facts.
        let plan = try Planner.plan(object, options: options, kernel: { (names: BTFNameQuery) throws(LoadError) in
            sink(names.exact.count + names.essential.count)
            return kernel
        }, probe: { needs in
            sink(needs.kallsyms.count + needs.btfKinds.count)
            return facts
        })
        sink(plan.notes.count + plan.maps.count + (plan.btf?.count ?? 0))
        for program in plan.programs {
            sink(program.instructions.count)
            for reference in program.mapReferences {
                invariant(reference.map < plan.maps.count, "map reference in range")
                invariant(reference.instruction < program.instructions.count, "map reference on an instruction")
            }
        }
        invariant(plan.selected < plan.programs.count, "selected program exists")
        for map in plan.maps {
            for slot in map.slots {
                switch slot.target {
                case let .map(m): invariant(m < plan.maps.count, "map slot in range")
                case let .program(p): invariant(p < plan.programs.count, "program slot in range")
                }
            }
        }
    } catch {
        sink(error.description)
        sink(error.phase == .open ? 1 : 2)
    }
    return 0
}
