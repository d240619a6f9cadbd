import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// Planning: a pure function from an object (and the kernel's BTF and facts) to a `LoadPlan`.
/// Everything that can be wrong with an object is found here, before any system call.
public enum Planner {
    /// Plans loading `object` on a kernel with `kernel` types and `facts`.
    public static func plan(_ object: BPFObjectFile, kernel: KernelTypes, facts: KernelFacts,
                            options: PlanOptions = PlanOptions()) throws(LoadError) -> LoadPlan {
        var notes: [String] = []
        let selected = try selectProgram(object, options: options)

        // Maps: global data sections in section order, as libbpf creates them.
        var maps: [PlannedMap] = []
        var index = MapIndex()
        for section in object.elf.sections {
            guard case let .globalData(kind) = object.roles[section.index], kind != .kconfig else { continue }
            index.globalData[section.index] = maps.count
            let map = GlobalData.plan(object: object, section: section, kind: kind, mmapable: false)
            notes.append("map '\(map.name)': \(section.name), \(map.attributes.valueSize) bytes")
            maps.append(map)
        }

        // Programs: link each one; `?` programs not chosen are planned but not loaded.
        let linker = Linker(object: object, code: object.code, maps: index)
        var programs: [PlannedProgram] = []
        for (i, program) in object.programs.enumerated() {
            let linked = try linker.link(program)
            if let extern = linked.externReferences.first {
                throw .extern(name: extern.symbol.name, reason: "externs (__kconfig, __ksym) are not supported by this build")
            }
            let attachID = try attachTarget(program, kernel: kernel)
            let autoload = i == selected || !program.kind.optional
            notes.append("program '\(program.name)' (\(program.sectionName)): \(linked.instructions.count) instructions, "
                         + "target bpf_iter_\(program.kind.target) = BTF id \(attachID)"
                         + (autoload ? "" : ", not loaded ('?' section)"))
            programs.append(PlannedProgram(
                name: program.name, sectionName: program.sectionName, target: program.kind.target,
                attachBTFID: attachID, sleepable: program.kind.sleepable, autoload: autoload,
                instructions: linked.instructions, mapReferences: linked.mapReferences))
        }
        return LoadPlan(objectName: object.name, license: object.license, btf: nil, maps: maps,
                        programs: programs, selected: selected, notes: notes)
    }

    /// The program to attach: the one named, or the first iterator program in section order.
    static func selectProgram(_ object: BPFObjectFile, options: PlanOptions) throws(LoadError) -> Int {
        guard let wanted = options.programName else {
            guard let first = object.programs.firstIndex(where: { !$0.kind.optional }) ?? (object.programs.isEmpty ? nil : 0) else {
                throw .noIteratorProgram
            }
            return first
        }
        if let found = object.programs.firstIndex(where: { $0.name == wanted }) { return found }
        if let function = object.functions.first(where: { $0.name == wanted }) {
            throw .notAnIterator(name: wanted, section: object.elf.sections[function.section].name)
        }
        throw .noSuchProgram(name: wanted, available: object.programs.map { $0.name })
    }

    /// BTF id of `bpf_iter_<target>` in vmlinux: the attach point of an iterator program.
    static func attachTarget(_ program: ObjectProgram, kernel: KernelTypes) throws(LoadError) -> TypeID {
        guard let id = kernel.vmlinux.function(named: "bpf_iter_" + program.kind.target) else {
            throw .unknownTarget(program: program.name, target: program.kind.target)
        }
        return id
    }
}
