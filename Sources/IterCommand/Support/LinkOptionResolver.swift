import CLinuxBPF
import SyscallBPF

/// The fds an iterator option refers to, opened (read-only where it matters) and owned until the
/// link exists; plus the `union bpf_iter_link_info` built from them.
struct ResolvedLinkOption {
    var holder: OwnedDescriptor?
    var options: IteratorLinkOptions
    var summary: [(String, JSONValue)]
}

enum LinkOptionResolver {
    static func resolve(_ option: IteratorOption, console: Console) throws(CommandFailure) -> ResolvedLinkOption {
        switch option {
        case .none:
            return ResolvedLinkOption(holder: nil, options: .none, summary: [])
        case let .map(spec):
            let map = try openMap(spec)
            let info = try? BPFMap.info(map.fd)
            console.trace("map for the iterator: id \(info?.id ?? 0) '\(info?.name ?? "")', fd \(map.fd.rawValue) (read-only)")
            return ResolvedLinkOption(holder: map, options: .map(map.fd),
                                      summary: [("map_id", .uint(UInt64(info?.id ?? 0)))])
        case .task(.mainThreadOnly):
            // Done by rewriting the program (see MainThreadFilter), not through link info.
            return ResolvedLinkOption(holder: nil, options: .none, summary: [("main_thread_only", .bool(true))])
        case let .task(.tid(tid)):
            return ResolvedLinkOption(holder: nil, options: .task(tid: tid), summary: [("tid", .uint(UInt64(tid)))])
        case let .task(.pid(pid)):
            return ResolvedLinkOption(holder: nil, options: .task(pid: pid), summary: [("pid", .uint(UInt64(pid)))])
        case let .task(.pidFD(number)):
            // Our own duplicate: the user's fd stays theirs, ours closes with the link setup.
            let raw = dup(number)
            guard raw >= 0 else { throw CommandFailure("task pid_fd \(number)", errno: Errno.current) }
            let fd = OwnedDescriptor(FileDescriptor(adopting: raw))
            return ResolvedLinkOption(holder: fd, options: .task(pidFD: fd.fd), summary: [("pid_fd", .int(Int64(number)))])
        case let .cgroup(spec):
            let order: [(String, JSONValue)] = [("cgroup_order", .string(spec.order.keyword))]
            switch spec.start {
            case let .id(id):
                return ResolvedLinkOption(holder: nil, options: .cgroup(order: spec.order.rawValue, id: id),
                                          summary: [("cgroup_id", .uint(id))] + order)
            case let .path(path):
                let fd: FileDescriptor
                do { fd = try Files.open(path, flags: O_DIRECTORY) } catch {
                    throw CommandFailure("can't open cgroup \(path)", errno: error)
                }
                let owned = OwnedDescriptor(fd)
                return ResolvedLinkOption(holder: owned, options: .cgroup(order: spec.order.rawValue, cgroup: owned.fd),
                                          summary: [("cgroup_path", .string(path))] + order)
            }
        }
    }

    /// `map { id | pinned | name }`, with bpftool's messages.
    static func openMap(_ spec: MapSpec) throws(CommandFailure) -> OwnedDescriptor {
        switch spec {
        case let .id(id):
            do { return OwnedDescriptor(try BPFMap.fd(id: id, readOnly: true)) } catch {
                throw CommandFailure("get map by id (\(id))", errno: error)
            }
        case let .pinned(path):
            let fd: FileDescriptor
            do { fd = try BPFObject.get(path, readOnly: true) } catch {
                if error == .EACCES && !Mounts.isBPFFS(directoryName(path)) {
                    throw CommandFailure("bpf obj get (\(path)): directory not in bpf file system (bpffs)", exitCode: error.exitCode)
                }
                throw CommandFailure("bpf obj get (\(path))", errno: error)
            }
            let kind = BPFObject.kind(of: fd)
            guard kind == .map else { throw CommandFailure("incorrect object type: \(kind)") }
            return OwnedDescriptor(fd)
        case let .name(name):
            return try mapByName(name)
        }
    }

    /// Walks every map of the system; exactly one must have this name (compared as the kernel
    /// stores it: at most 15 bytes).
    static func mapByName(_ name: String) throws(CommandFailure) -> OwnedDescriptor {
        let wanted = String(decoding: Array(name.utf8).prefix(15), as: UTF8.self)
        var found: [OwnedDescriptor] = []
        var id: UInt32 = 0
        while true {
            let next: UInt32?
            do { next = try BPFMap.nextID(after: id) } catch { throw CommandFailure("can't walk maps", errno: error) }
            guard let next else { break }
            id = next
            // A map can disappear between the two calls: skip it.
            guard let fd = try? BPFMap.fd(id: id, readOnly: true), let info = try? BPFMap.info(fd) else { continue }
            if info.name == wanted { found.append(OwnedDescriptor(fd)) }
        }
        guard let first = found.first else { throw CommandFailure("no map named '\(name)'", errno: .ENOENT) }
        guard found.count == 1 else { throw CommandFailure("several maps match this handle (\(found.count) maps named '\(name)')") }
        return first
    }
}
