import CLinuxBPF
import SyscallBPF

/// A BPF iterator in the kernel: a loaded program attached as an iterator link. The kernel
/// objects live as long as this value (and its copies) and, once pinned, as long as the pin.
public struct Iterator {
    /// The attached program's name.
    public let program: String
    /// Its ELF section (`iter/task`).
    public let section: String
    /// The iterator target (`task`).
    public let target: String
    /// The link's id (as `bpftool link` and `iter show` show it).
    public let linkID: UInt32
    /// The id of the map a map-element iterator walks.
    public let mapID: UInt32?
    let loaded: LoadedObject
    let link: OwnedDescriptor
    /// Descriptors the options named (map, cgroup), kept while the iterator lives.
    let options: OwnedDescriptor?

    /// The id of the attached program.
    public var programID: UInt32? {
        (try? BPFProgram.info(loaded.selectedProgram.fd))?.id
    }

    /// Reads the iterator's output: one full pass, as text (invalid UTF-8 becomes U+FFFD).
    public func read() throws(IteratorError) -> String {
        var bytes: [UInt8] = []
        try read { chunk in
            bytes.append(contentsOf: chunk)
            return true
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads one full pass in chunks, as the kernel produces them; `body` returns false to stop.
    /// Each call runs the iterator afresh (BPF_ITER_CREATE).
    public func read(_ body: (UnsafeRawBufferPointer) -> Bool) throws(IteratorError) {
        let instance: FileDescriptor
        do { instance = try BPFLink.createIteratorInstance(link: link.fd) } catch { throw .read(program: program, error) }
        try Iterator.pump(instance, program: program, body)
    }

    /// Copies the iterator's output to `body` in 256 KiB reads: the kernel fills as much of the
    /// buffer as it has per read(2), so large outputs (ksym: millions of lines) stream fast.
    static func pump(_ instance: borrowing FileDescriptor, program: String,
                     _ body: (UnsafeRawBufferPointer) -> Bool) throws(IteratorError) {
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in CLinuxBPF.read(instance.rawValue, raw.baseAddress, raw.count) }
            if n < 0 {
                let error = Errno.current
                if error == .EINTR || error == .EAGAIN { continue }
                throw .read(program: program, error)
            }
            if n == 0 { return }
            let more = buffer.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
            if !more { return }
        }
    }

    /// Pins the iterator at `path`, which must be on bpffs and must not exist; reading that file
    /// then runs the iterator, for as long as the pin exists.
    public func pin(at path: String) throws(IteratorError) {
        do { try BPFObject.pin(link.fd, at: path) } catch { throw .pin(program: program, path: path, error) }
    }

    /// Removes the maps this load pinned by name (`LIBBPF_PIN_BY_NAME`), for a caller that gives
    /// up on the iterator after creating it.
    public func unpinMaps() {
        loaded.unpinMaps()
    }

    /// For the command line: access to the link's descriptor without giving up ownership.
    package func withLink<R>(_ body: (borrowing FileDescriptor) throws(IteratorError) -> R) throws(IteratorError) -> R {
        try body(link.fd)
    }

    /// The task option the kernel did not apply, as its link info shows (6.1+ reports tid and pid).
    static func ignoredTaskOption(_ options: IteratorOptions, _ info: LinkInfo?) -> String? {
        guard case let .task(selection) = options else { return nil }
        switch selection {
        case let .thread(tid) where info?.taskTID != tid: return "task tid \(tid)"
        case let .process(pid) where info?.taskPID != pid: return "task pid \(pid)"
        case .processDescriptor where info?.taskPID == 0: return "task pid_fd"
        default: return nil
        }
    }

    /// An option given for a target that does not take it, found before anything is loaded:
    /// the kernel would read the bytes of `union bpf_iter_link_info` as its own option (a map
    /// fd as a tid) or ignore them, and iterate something else than asked.
    static func misplacedOption(_ options: IteratorOptions, target: String) -> String? {
        let takes = IteratorTargets.option(of: target)
        let given: (IteratorTarget.Option, String)
        switch options {
        case .none: return nil
        case .map: given = (.map, "map")
        case .task(.mainThreadOnly): return nil  // a filter iter adds itself; checked when it is planned
        case .task: given = (.task, "task")
        case .cgroup: given = (.cgroup, "cgroup")
        }
        guard takes != given.0 else { return nil }
        let what: String
        switch takes {
        case nil: what = "takes no option"
        case .map?: what = "takes a 'map' option"
        case .task?: what = "takes a 'task' option"
        case .cgroup?: what = "takes a 'cgroup' option"
        }
        return "target '\(target)' \(what), not '\(given.1)' (`iter list` shows each target's option)"
    }

    /// Why the kernel may have refused a link, when the errno alone does not say.
    static func attachHint(_ options: IteratorOptions, target: String, _ error: Errno) -> String {
        // A target that takes a map, given none: the kernel says EBADF (map fd 0) or EINVAL.
        if case .none = options, IteratorTargets.option(of: target) == .map {
            return " (target '\(target)' walks a map's elements: add 'map { id MAP_ID | pinned FILE | name MAP_NAME }')"
        }
        // A cgroup iterator needs a starting cgroup and an order: the kernel says EINVAL or EBADF.
        if case .none = options, IteratorTargets.option(of: target) == .cgroup {
            return " (target '\(target)' walks cgroups: add 'cgroup { id CGROUP_ID | path PATH } order ORDER')"
        }
        switch (options, error) {
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
