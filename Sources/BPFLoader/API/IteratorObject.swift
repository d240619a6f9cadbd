import CLinuxBPF
import BTFParser
import Bytes
import ELFReader
import SyscallBPF

/// An iterator program of an object.
public struct IteratorProgram: Sendable, Equatable {
    /// The program's name (its function's symbol).
    public let name: String
    /// Its ELF section (`iter/task`).
    public let section: String
    /// The iterator target (`task`): the kernel's `bpf_iter_<target>`.
    public let target: String
    /// `iter.s/`: the program may sleep.
    public let sleepable: Bool
    /// False for `?` sections: loaded only when chosen by name.
    public let loadedByDefault: Bool
    /// The link option its target takes (`map`, `task`, `cgroup`), nil for none.
    public var option: OptionKind? { IteratorTargets.option(of: target) }
}

/// A clang-compiled BPF object with iterator programs, read and checked; nothing is loaded into
/// the kernel until `makeIterator`.
///
/// ```swift
/// let object = try IteratorObject(path: "iter_task.bpf.o")
/// let iterator = try object.makeIterator()
/// print(try iterator.read())
/// ```
public struct IteratorObject {
    /// The file it was read from (or the name given with its bytes).
    public let path: FilePath
    let file: BPFObjectFile

    /// Reads and parses the object at `path`. The object's name (for map names, as libbpf forms
    /// them) is the file's base name up to its first dot.
    public init(path: FilePath) throws(IteratorError) {
        try self.init(bytes: try ObjectFileReader.read(path), name: IteratorObject.objectName(path), path: path)
    }

    /// Reads and parses the object at `path`.
    public init(path: String) throws(IteratorError) {
        try self.init(path: FilePath(path))
    }

    /// Parses an object already in memory. `name` stands for the file name (`iter_task`).
    public init(bytes: [UInt8], name: String) throws(IteratorError) {
        try self.init(bytes: bytes, name: FilePath(name), path: FilePath(name))
    }

    init(bytes: [UInt8], name: FilePath, path: FilePath) throws(IteratorError) {
        self.path = path
        do { file = try BPFObjectFile(bytes: ByteView(bytes), name: name) } catch { throw .object(path: path, ObjectError(error)) }
    }

    /// The iterator programs, in section order (the first one loaded by default is the one
    /// `makeIterator()` attaches when given no name).
    public var programs: [IteratorProgram] {
        file.programs.map {
            IteratorProgram(name: $0.name, section: $0.sectionName, target: $0.kind.target,
                            sleepable: $0.kind.sleepable, loadedByDefault: !$0.kind.optional)
        }
    }

    /// Loads the object into the running kernel (BTF, maps, programs, relocated for this kernel)
    /// and attaches one program as an iterator.
    ///
    /// - Parameters:
    ///   - program: the program to attach; nil for the first iterator program.
    ///   - options: map, task or cgroup options for targets that take them.
    ///   - settings: values for the object's global variables (`variables` lists them), checked
    ///     against their types before anything is loaded.
    ///   - verifierLog: collect the verifier's log of successful loads too (for `trace`).
    ///   - trace: receives one line per step (what `iter -d` prints).
    /// - Throws: `IteratorError`, saying which step failed and why; nothing stays loaded or pinned.
    public func makeIterator(program: String? = nil, options: IteratorOptions = .none, settings: [VariableAssignment] = [],
                             verifierLog: Bool = false, trace: (String) -> Void = { _ in }) throws(IteratorError) -> Iterator {
        // Options first, as bpftool opens the map before the object.
        let resolved: ResolvedOptions
        do { resolved = try options.resolve() } catch { throw .option(error) }
        // The link options' types in the kernel's BTF, looked up while it is indexed.
        let optionNames = options.kind != nil ? LinkOptionSupport.kernelNames : []
        let loaded = try load(program: program, mainThreadOnly: options.mainThreadOnly, settings: settings, alsoLookingUp: optionNames,
                              verifierLog: verifierLog, trace: trace) { (plan, vmlinux) throws(IteratorError) in
            let chosen = plan.selectedProgram
            if let misplaced = options.misplaced(program: chosen.name, target: chosen.target) { throw .option(misplaced) }
            // Only options that reach the kernel are looked up in its BTF.
            if options.kind != nil, let unsupported = options.unsupported(by: LinkOptionSupport(kernel: vmlinux)) {
                throw .option(unsupported)
            }
        }
        let plan = loaded.plan
        let chosen = plan.selectedProgram
        let programFD = loaded.selectedProgram
        let link: FileDescriptor
        do {
            link = try BPFLink.createIterator(program: programFD.fd, options: resolved.link)
        } catch {
            loaded.unpinMaps()
            throw .attach(AttachError(program: chosen.name, target: chosen.target, options: options, cause: .refused(error)))
        }
        let info = try? BPFLink.info(link)
        trace("link created: id \(info?.id ?? 0), fd \(link.rawValue), target \(chosen.target)")
        if let ignored = options.ignored(by: info) {
            loaded.unpinMaps()
            throw .attach(AttachError(program: chosen.name, target: chosen.target, options: options, cause: .optionIgnored(ignored)))
        }
        return Iterator(program: chosen.name, section: chosen.sectionName, target: chosen.target, linkID: info?.id ?? 0,
                        options: options, mapID: resolved.mapID, loaded: loaded, object: file, link: OwnedDescriptor(link),
                        optionHolder: resolved.holder)
    }

    /// What making an iterator and updating one share: plan the object for the kernel (opening its
    /// BTF, looking up the names planning needs and `extraNames` while indexing it, unless `kernel`
    /// is given), run `check` on the plan (nothing is loaded yet), and load it.
    func load(program: String?, mainThreadOnly: Bool, settings: [VariableAssignment], kernel given: KernelTypes? = nil,
              alsoLookingUp extraNames: [String] = [], verifierLog: Bool, trace: (String) -> Void,
              check: (LoadPlan, BTF) throws(IteratorError) -> Void) throws(IteratorError) -> LoadedObject {
        trace("object '\(file.name)': \(file.elf.sections.count) sections, programs: "
              + file.programs.map { "\($0.name) (\($0.sectionName))" }.joined(separator: ", "))
        let plan: LoadPlan
        let planning = iter_monotonic_ns()
        var opening: UInt64 = 0
        var probing: UInt64 = 0
        var vmlinux = given?.vmlinux
        do {
            let options = PlanOptions(programName: program, mainThreadOnly: mainThreadOnly, settings: settings)
            plan = try Planner.plan(file, options: options,
                                    kernel: { (names: BTFNameQuery) throws(LoadError) -> KernelTypes in
                if let given { return given }
                let started = iter_monotonic_ns()
                var query = names
                query.exact += extraNames
                let kernel = try IteratorObject.openKernel(lookingUp: query, trace: trace)
                opening = iter_monotonic_ns() - started
                vmlinux = kernel.vmlinux
                return kernel
            }, probe: { needs in
                let started = iter_monotonic_ns()
                defer { probing = iter_monotonic_ns() - started }
                return KernelProbe.facts(for: needs)
            })
        } catch {
            // A setting that does not fit the object is the caller's mistake, not the object's.
            if case let .variable(problem) = error { throw .variable(problem) }
            throw .object(path: path, ObjectError(error))
        }
        let planned = (iter_monotonic_ns() - planning - opening - probing) / 1000
        trace("timing: planned \(plan.programs.count) programs in \(planned) us (and probed the kernel in \(probing / 1000) us)")
        for note in plan.notes { trace(note) }
        // Planning opened the kernel's BTF (or was given it): nothing plans without it.
        if let vmlinux { try check(plan, vmlinux) }
        do { return try Executor.execute(plan, verifierLog: verifierLog, debug: trace) } catch {
            throw .object(path: path, ObjectError(error))
        }
    }

    /// Opens and indexes the running kernel's vmlinux BTF, finding `names` while indexing it.
    static func openKernel(lookingUp names: BTFNameQuery, trace: (String) -> Void) throws(LoadError) -> KernelTypes {
        let started = iter_monotonic_ns()
        let (vmlinux, access) = try KernelBTFFile.vmlinux(lookingUp: names)
        switch access {
        case .mapped: trace("kernel BTF: \(vmlinux.typeCount) types, mapped from \(KernelBTFFile.vmlinuxPath)")
        case .read: trace("kernel BTF: \(vmlinux.typeCount) types, read from \(KernelBTFFile.vmlinuxPath)")
        case .kernelObject: trace("kernel BTF: \(vmlinux.typeCount) types, from the kernel's vmlinux BTF object (no sysfs)")
        }
        trace("timing: kernel BTF opened and indexed in \(microseconds(since: started)) us, "
              + "with the \(names.exact.count + names.essential.count) names planning looks up")
        return KernelTypes(vmlinux: vmlinux, modules: SysfsModuleBTF(vmlinux: vmlinux))
    }

    /// Microseconds since `start` (a CLOCK_MONOTONIC reading), for `-d` timing lines.
    static func microseconds(since start: UInt64) -> UInt64 {
        (iter_monotonic_ns() - start) / 1000
    }

    /// libbpf's object name: the base name up to its first dot (`iter_task` for x/iter_task.bpf.o).
    /// Bytes, as the file name is: `objectName(FilePath("x/a\\xffb.o"))` is `a\\xffb`.
    public static func objectName(_ path: FilePath) -> FilePath {
        FilePath(bytes: path.lastComponent.bytes.prefix { $0 != UInt8(ascii: ".") })
    }
}
