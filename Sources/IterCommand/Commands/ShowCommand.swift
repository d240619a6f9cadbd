import BPFLoader
import SyscallBPF

/// `iter show [PATH | id LINK_ID]`: the iterator links of the system, what they run and where
/// they are pinned, from the kernel's own link and program info.
enum ShowCommand {
    static let iteratorLinkType: UInt32 = 4  // BPF_LINK_TYPE_ITER

    struct Shown {
        var link: LinkInfo
        var program: ProgramInfo?
        var pins: [String]
    }

    static func run(_ target: ShowTarget, console: Console) throws(CommandFailure) {
        var shown: [Shown] = []
        switch target {
        case .all:
            let pins = pinnedLinks()
            var id: UInt32 = 0
            while true {
                let next: UInt32?
                do { next = try BPFLink.nextID(after: id) } catch { throw CommandFailure("can't walk links", errno: error) }
                guard let next else { break }
                id = next
                guard let fd = try? BPFLink.fd(id: id), let info = try? BPFLink.info(fd), info.type == iteratorLinkType else { continue }
                shown.append(Shown(link: info, program: programInfo(info.programID), pins: pins[id] ?? []))
            }
        case let .linkID(id):
            let fd: FileDescriptor
            do { fd = try BPFLink.fd(id: id) } catch { throw CommandFailure("get link by id (\(id))", errno: error) }
            let info = try linkInfo(fd, what: "link \(id)")
            shown.append(Shown(link: info, program: programInfo(info.programID), pins: pinnedLinks()[id] ?? []))
        case let .path(path):
            let fd: FileDescriptor
            do { fd = try BPFObject.get(path) } catch { throw CommandFailure("bpf obj get (\(path))", errno: error) }
            let kind = BPFObject.kind(of: fd)
            guard kind == .link else { throw CommandFailure("\(path) is a pinned \(kind), not an iterator link") }
            let info = try linkInfo(fd, what: path)
            shown.append(Shown(link: info, program: programInfo(info.programID), pins: [path]))
        }
        if console.json {
            console.emit(.array(shown.map(json)))
        } else {
            for item in shown { lines(item).forEach(console.out) }
        }
    }

    static func linkInfo(_ fd: borrowing FileDescriptor, what: String) throws(CommandFailure) -> LinkInfo {
        let info: LinkInfo
        do { info = try BPFLink.info(fd) } catch { throw CommandFailure("can't get info of \(what)", errno: error) }
        guard info.type == iteratorLinkType else { throw CommandFailure("\(what) is not an iterator link (link type \(info.type))") }
        return info
    }

    static func programInfo(_ id: UInt32) -> ProgramInfo? {
        guard let fd = try? BPFProgram.fd(id: id) else { return nil }
        return try? BPFProgram.info(fd)
    }

    /// Link id → bpffs paths where it is pinned, over every bpffs mount.
    static func pinnedLinks() -> [UInt32: [String]] {
        var result: [UInt32: [String]] = [:]
        for mount in BPFFSMounts.mountPoints() {
            for path in BPFFSMounts.files(under: mount) {
                guard let fd = try? BPFObject.get(path), BPFObject.kind(of: fd) == .link,
                      let info = try? BPFLink.info(fd) else { continue }
                result[info.id, default: []].append(path)
            }
        }
        return result
    }

    /// The options as the kernel reports them. The link info keeps them in unions (a cgroup id
    /// and a task tid share bytes), so they are read by the kind of option the target takes;
    /// fields an older kernel leaves zero are left out.
    static func options(_ link: LinkInfo) -> [(String, String)] {
        var options: [(String, String)] = []
        switch IteratorTargets.option(of: link.iteratorTarget) {
        case .map?:
            if link.mapID != 0 { options.append(("map_id", String(link.mapID))) }
        case .cgroup?:
            if link.cgroupID != 0 { options.append(("cgroup_id", String(link.cgroupID))) }
            if let order = CgroupOrder(rawValue: link.cgroupOrder) { options.append(("order", order.keyword)) }
        case .task?:
            if link.taskTID != 0 { options.append(("tid", String(link.taskTID))) }
            if link.taskPID != 0 { options.append(("pid", String(link.taskPID))) }
        case nil:
            break
        }
        return options
    }

    /// `12: iter  prog 34 name dump_task  target task  map_id 5` then `\tpinned PATH` lines, like bpftool link show.
    static func lines(_ item: Shown) -> [String] {
        var head = "\(item.link.id): iter  prog \(item.link.programID)"
        if let name = item.program?.name, !name.isEmpty { head += " name \(name)" }
        head += "  target \(item.link.iteratorTarget)"
        for (key, value) in options(item.link) { head += "  \(key) \(value)" }
        return [head] + item.pins.map { "\tpinned \($0)" }
    }

    static func json(_ item: Shown) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .uint(UInt64(item.link.id))),
            ("type", .string("iter")),
            ("prog_id", .uint(UInt64(item.link.programID))),
        ]
        if let name = item.program?.name { fields.append(("prog_name", .string(name))) }
        fields.append(("target", .string(item.link.iteratorTarget)))
        for (key, value) in options(item.link) {
            if let number = UInt64(value) { fields.append((key, .uint(number))) } else { fields.append((key, .string(value))) }
        }
        fields.append(("pinned", .array(item.pins.map { .string($0) })))
        return .object(fields)
    }
}
