import CLinuxBPF
import SyscallBPF

/// Turns `IteratorOptions` into the kernel's link info, opening what the options name: the map
/// (read-only), the cgroup directory. The descriptors stay open in `holder` until the link exists.
/// Messages keep bpftool's words (`get map by id (N)`, `several maps match this handle`).
struct ResolvedOptions {
    var holder: OwnedDescriptor?
    var link: IteratorLinkOptions
    var mainThreadOnly: Bool
    var mapID: UInt32?
}

enum OptionResolution {
    static func resolve(_ options: IteratorOptions) throws(IteratorError) -> ResolvedOptions {
        switch options {
        case .none:
            return ResolvedOptions(holder: nil, link: .none, mainThreadOnly: false)
        case let .map(selection):
            let map = try openMap(selection)
            return ResolvedOptions(holder: map, link: .map(map.fd), mainThreadOnly: false,
                                   mapID: (try? BPFMap.info(map.fd))?.id)
        case .task(.mainThreadOnly):
            return ResolvedOptions(holder: nil, link: .none, mainThreadOnly: true)
        case let .task(.thread(tid)):
            return ResolvedOptions(holder: nil, link: .task(tid: tid), mainThreadOnly: false)
        case let .task(.process(pid)):
            return ResolvedOptions(holder: nil, link: .task(pid: pid), mainThreadOnly: false)
        case let .task(.processDescriptor(fd)):
            return ResolvedOptions(holder: fd, link: .task(pidFD: fd.fd), mainThreadOnly: false)
        case let .cgroup(.id(id), order):
            return ResolvedOptions(holder: nil, link: .cgroup(order: order.rawValue, id: id), mainThreadOnly: false)
        case let .cgroup(.path(path), order):
            let fd: FileDescriptor
            do { fd = try Files.open(path, flags: O_DIRECTORY) } catch {
                throw .option("can't open cgroup \(path)", error)
            }
            let owned = OwnedDescriptor(fd)
            // The kernel answers a directory outside cgroupfs with a bare EBADF at BPF_LINK_CREATE
            // (on hosts where /sys/fs/cgroup is a tmpfs of v1 hierarchies, the common mistake).
            let type = try? Mounts.fileSystemType(path)
            guard type == cgroup2Magic || type == cgroup1Magic else {
                throw .option("can't use cgroup \(path): not a directory of a cgroup file system (cgroup2 is mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems)", nil)
            }
            return ResolvedOptions(holder: owned, link: .cgroup(order: order.rawValue, cgroup: owned.fd), mainThreadOnly: false)
        }
    }

    /// statfs(2) f_type of cgroup2 (CGROUP2_SUPER_MAGIC) and of a cgroup v1 hierarchy (CGROUP_SUPER_MAGIC).
    static let cgroup2Magic: Int64 = 0x6367_7270
    static let cgroup1Magic: Int64 = 0x27_e0eb

    static func openMap(_ selection: IteratorOptions.MapSelection) throws(IteratorError) -> OwnedDescriptor {
        switch selection {
        case let .id(id):
            do { return OwnedDescriptor(try BPFMap.fd(id: id, readOnly: true)) } catch {
                throw .option("get map by id (\(id))", error)
            }
        case let .pinned(path):
            let fd: FileDescriptor
            do { fd = try BPFObject.get(path, readOnly: true) } catch {
                if error == .EACCES && !Mounts.isBPFFS(parentDirectory(path)) {
                    throw .option("bpf obj get (\(path)): directory not in bpf file system (bpffs)", error)
                }
                throw .option("bpf obj get (\(path))", error)
            }
            let kind = BPFObject.kind(of: fd)
            guard kind == .map else { throw .option("incorrect object type: \(kind)", nil) }
            return OwnedDescriptor(fd)
        case let .name(name):
            return try mapByName(name)
        }
    }

    /// Walks every map of the system; exactly one must have this name (compared as the kernel
    /// stores it: at most 15 bytes).
    static func mapByName(_ name: String) throws(IteratorError) -> OwnedDescriptor {
        let wanted = String(decoding: Array(name.utf8).prefix(15), as: UTF8.self)
        var found: [OwnedDescriptor] = []
        var id: UInt32 = 0
        while true {
            let next: UInt32?
            do { next = try BPFMap.nextID(after: id) } catch { throw .option("can't walk maps", error) }
            guard let next else { break }
            id = next
            // A map can disappear between the two calls: skip it.
            guard let fd = try? BPFMap.fd(id: id, readOnly: true), let info = try? BPFMap.info(fd) else { continue }
            if info.name == wanted { found.append(OwnedDescriptor(fd)) }
        }
        guard let first = found.first else { throw .option("no map named '\(name)'", .ENOENT) }
        guard found.count == 1 else { throw .option("several maps match this handle (\(found.count) maps named '\(name)')", nil) }
        return first
    }

    /// Everything before the last slash (`.` for a bare name, `/` for a file in the root).
    static func parentDirectory(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }
}
