import ELFReader
import BPFLoader
import BTFParser
import CLinuxBPF
import SyscallBPF

/// An iterator link and what it was made from: the common part of `pin` and `run`.
struct PreparedIterator {
    let loaded: LoadedObject
    let link: OwnedDescriptor
    let linkID: UInt32
    let option: ResolvedLinkOption

    var program: PlannedProgram { loaded.plan.selectedProgram }
}

/// From command line to iterator link: resolve the option's fds (first, as bpftool does), read
/// and plan the object against the kernel, load it, attach. Every failure carries bpftool's words.
enum IteratorSetup {
    static func prepare(_ request: IteratorRequest, console: Console) throws(CommandFailure) -> PreparedIterator {
        let option = try LinkOptionResolver.resolve(request.option, console: console)
        let object = try ObjectSource.load(request.object)
        console.trace("object '\(object.name)': \(object.elf.sections.count) sections, programs: "
                      + object.programs.map { "\($0.name) (\($0.sectionName))" }.joined(separator: ", "))

        let vmlinux: BTF
        let opening = iter_monotonic_ns()
        do {
            let (btf, access) = try KernelBTFFile.vmlinux()
            vmlinux = btf
            let how: String
            switch access {
            case .mapped: how = "mapped from " + KernelBTFFile.vmlinuxPath
            case .read: how = "read from " + KernelBTFFile.vmlinuxPath
            case .kernelObject: how = "from the kernel's vmlinux BTF object (no sysfs)"
            }
            console.trace("kernel BTF: \(btf.typeCount) types, \(how)")
            console.trace("timing: kernel BTF opened and indexed in \(microseconds(since: opening)) us")
        } catch {
            throw CommandFailure(error, object: request.object)
        }
        let kernel = KernelTypes(vmlinux: vmlinux, modules: SysfsModuleBTF(vmlinux: vmlinux))
        let facts = KernelProbe.facts(for: Planner.needs(of: object))

        let plan: LoadPlan
        let planning = iter_monotonic_ns()
        do {
            let options = PlanOptions(programName: request.program, mainThreadOnly: request.option == .task(.mainThreadOnly))
            plan = try Planner.plan(object, kernel: kernel, facts: facts, options: options)
        } catch {
            throw CommandFailure(error, object: request.object)
        }
        console.trace("timing: planned \(plan.programs.count) programs in \(microseconds(since: planning)) us")
        for note in plan.notes { console.trace(note) }

        let loaded: LoadedObject
        do {
            loaded = try Executor.execute(plan, verifierLog: console.debug) { line in console.trace(line) }
        } catch {
            throw CommandFailure(error, object: request.object)
        }
        let program = plan.selectedProgram
        guard let programFD = loaded.selectedProgram else {
            loaded.unpinMaps()
            throw CommandFailure("can't find bpf program in objfile \(request.object)")
        }
        let link: FileDescriptor
        do {
            link = try BPFLink.createIterator(program: programFD.fd, options: option.options)
        } catch {
            loaded.unpinMaps()
            throw CommandFailure("attach_iter failed for program \(program.name)"
                                 + attachHint(request.option, target: program.target, error), errno: error)
        }
        let info = try? BPFLink.info(link)
        let linkID = info?.id ?? 0
        console.trace("link created: id \(linkID), fd \(link.rawValue), target \(program.target)")
        if let ignored = ignoredTaskOption(request.option, info) {
            // Before 6.1, union bpf_iter_link_info is the 4-byte map fd: a tid lands in it, the zero
            // tail passes the kernel's check, and a task iterator ignores it and walks every task.
            loaded.unpinMaps()
            throw CommandFailure("attach_iter failed for program \(program.name): this kernel ignored '\(ignored)' "
                                 + "(task iterator options need Linux 6.1 or later)", errno: .EOPNOTSUPP)
        }
        return PreparedIterator(loaded: loaded, link: OwnedDescriptor(link), linkID: linkID, option: option)
    }

    /// Microseconds from a `iter_monotonic_ns()` reading to now, for `-d` timing lines.
    static func microseconds(since start: UInt64) -> UInt64 {
        (iter_monotonic_ns() &- start) / 1000
    }

    /// The task option the kernel did not apply, as its link info shows (6.1+ reports tid and pid).
    static func ignoredTaskOption(_ option: IteratorOption, _ info: LinkInfo?) -> String? {
        guard case let .task(spec) = option else { return nil }
        switch spec {
        case let .tid(tid) where info?.taskTID != tid: return "task tid \(tid)"
        case let .pid(pid) where info?.taskPID != pid: return "task pid \(pid)"
        case let .pidFD(fd) where info?.taskPID == 0: return "task pid_fd \(fd)"
        default: return nil
        }
    }

    /// Why the kernel may have refused a link, when the errno alone does not say.
    static func attachHint(_ option: IteratorOption, target: String, _ error: Errno) -> String {
        // A target that takes a map, given none: the kernel says EBADF (map fd 0) or EINVAL.
        if case .none = option, IteratorTargets.option(of: target) == .map {
            return " (target '\(target)' walks a map's elements: add 'map { id MAP_ID | pinned FILE | name MAP_NAME }')"
        }
        switch (option, error) {
        case (.task, .EINVAL), (.task, .E2BIG):
            // E2BIG: before 6.1 the kernel's bpf_iter_link_info is 4 bytes and ours has more in it.
            return " (task iterator options need Linux 6.1 or later, and a task target)"
        case (.cgroup, .EINVAL), (.cgroup, .E2BIG):
            return " (cgroup iterators need Linux 6.1 or later and a cgroup target)"
        case (.map, .EINVAL):
            return " (the map option needs a map-element target such as bpf_map_elem, sockmap or bpf_sk_storage_map)"
        case (.none, .EINVAL):
            return " (does this target need an option, such as 'map' for map elements?)"
        default:
            return ""
        }
    }
}
