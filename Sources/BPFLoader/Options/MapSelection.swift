import SyscallBPF

/// `map MAP`: the map a map-element iterator (`bpf_map_elem`, `bpf_sk_storage_map`, `sockmap`)
/// walks, by id, by pinned path, or by its (unique) name. Messages keep bpftool's words
/// (`get map by id (N)`, `several maps match this handle`).
public enum MapSelection: Sendable, Equatable, CustomStringConvertible {
    /// By map id (`BPF_MAP_GET_FD_BY_ID`).
    case id(UInt32)
    /// By bpffs path of a pinned map (`BPF_OBJ_GET`).
    case pinned(FilePath)
    /// By `bpf_map_info.name`: exactly one map of the system may have it (first 15 bytes compared).
    case name(String)

    /// `id 5`, `pinned /sys/fs/bpf/m`, `name counts`.
    public var description: String {
        switch self {
        case let .id(id): return "id \(id)"
        case let .pinned(path): return "pinned \(path)"
        case let .name(name): return "name \(name)"
        }
    }

    /// Opens the map read-only: the iterator only reads it.
    func resolve() throws(OptionError) -> ResolvedOptions {
        let map = try open()
        return ResolvedOptions(link: .map(map.fd), holder: map, mapID: (try? BPFMap.info(map.fd))?.id)
    }

    func open() throws(OptionError) -> OwnedDescriptor {
        switch self {
        case let .id(id):
            do { return OwnedDescriptor(try BPFMap.fd(id: id, readOnly: true)) } catch { throw .mapID(id, error) }
        case let .pinned(path):
            let fd: FileDescriptor
            do { fd = try BPFObject.get(path, readOnly: true) } catch {
                // Only maps open read-only: a pinned link or program answers EINVAL. Say what it is.
                if error == .EINVAL, let other = try? BPFObject.get(path), let kind = try? BPFObject.kind(of: other), kind != .map {
                    throw .notAMap(path, kind)
                }
                throw .pinnedMap(path, error, onBPFFS: error != .EACCES || Mounts.isBPFFS(path.directory))
            }
            let kind: BPFObjectKind
            do { kind = try BPFObject.kind(of: fd) } catch { throw .pinnedMapKind(path, error) }
            guard kind == .map else { throw .notAMap(path, kind) }
            return OwnedDescriptor(fd)
        case let .name(name):
            return try MapSelection.byName(name)
        }
    }

    /// Walks every map of the system; exactly one must have this name (compared as the kernel
    /// stores it: at most 15 bytes).
    static func byName(_ name: String) throws(OptionError) -> OwnedDescriptor {
        let wanted = String(decoding: Array(name.utf8).prefix(15), as: UTF8.self)
        var found: [OwnedDescriptor] = []
        var id: UInt32 = 0
        while true {
            let next: UInt32?
            do { next = try BPFMap.nextID(after: id) } catch { throw .mapWalk(error) }
            guard let next else { break }
            id = next
            // A map can disappear between the two calls (ENOENT): skip it. Any other failure (no
            // fd left) would make the answer wrong, so it is an error.
            let fd: FileDescriptor
            do { fd = try BPFMap.fd(id: id, readOnly: true) } catch {
                if error == .ENOENT { continue }
                throw .mapWalk(error)
            }
            let info: MapInfo
            do { info = try BPFMap.info(fd) } catch { throw .mapWalk(error) }
            if info.name == wanted { found.append(OwnedDescriptor(fd)) }
        }
        guard let first = found.first else { throw .noMapNamed(name) }
        guard found.count == 1 else { throw .severalMapsNamed(name, count: found.count) }
        return first
    }

    static func summary(mapID: UInt32?) -> [OptionField] {
        [OptionField("map_id", .number(UInt64(mapID ?? 0)))]
    }

    static func fields(of link: LinkInfo) -> [OptionField] {
        link.mapID == 0 ? [] : [OptionField("map_id", .number(UInt64(link.mapID)))]
    }

    static func attachHint(_ error: Errno) -> String? {
        error == .EINVAL ? "the map option needs a map-element target such as bpf_map_elem, sockmap or bpf_sk_storage_map" : nil
    }
}
