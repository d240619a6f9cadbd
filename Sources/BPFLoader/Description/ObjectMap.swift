import SyscallBPF

/// A map an object declares, as the object describes it (before the loader sizes anything):
/// what `iter info` lists.
public struct ObjectMap: Equatable, Sendable {
    /// The name the kernel will see (`counts`, `iter_tas.rodata`).
    public let name: String
    /// Where it comes from: `.maps` for a declared map, else its global data section.
    public let section: String
    /// `enum bpf_map_type`, and its name as bpftool writes it (`hash`, `array_of_maps`).
    public let type: MapKind
    /// Key and value sizes in bytes.
    public let keySize: UInt32
    /// The value size in bytes.
    public let valueSize: UInt32
    /// `max_entries` as declared: 0 when the object leaves it to its loader.
    public let maxEntries: UInt32
    /// `map_flags` as declared.
    public let flags: UInt32
    /// Pinned by name (`LIBBPF_PIN_BY_NAME`) under /sys/fs/bpf.
    public let pinnedByName: Bool
    /// A map-in-map's inner map definition.
    public let inner: Inner?

    /// The definition every inner map of a map-in-map must match.
    public struct Inner: Equatable, Sendable {
        /// Its type.
        public let type: MapKind
        /// Its key size in bytes.
        public let keySize: UInt32
        /// Its value size in bytes.
        public let valueSize: UInt32
        /// Its `max_entries`.
        public let maxEntries: UInt32
    }
}

/// A map type: the kernel's number and bpftool's name for it.
public struct MapKind: Equatable, Sendable, CustomStringConvertible {
    /// `enum bpf_map_type`.
    public let rawValue: UInt32

    /// The type with this number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// bpftool's name (`hash`, `percpu_array`); `type N` for a number it does not know.
    public var description: String {
        Int(rawValue) < MapKind.names.count ? MapKind.names[Int(rawValue)] : "type \(rawValue)"
    }

    /// libbpf's map_type_name, by `enum bpf_map_type` value.
    static let names = [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
        "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
        "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
        "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
        "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
        "cgrp_storage", "arena",
    ]
}

/// A program of a type iter does not attach (`fentry`, `kprobe`, `xdp`…), listed by `iter info`.
public struct OtherObjectProgram: Equatable, Sendable {
    /// The program's name.
    public let name: String
    /// Its ELF section (`fentry/do_nanosleep`).
    public let section: String
    /// libbpf's section prefix, which names its type (`fentry`, `kprobe`, `xdp`).
    public let type: String
}
