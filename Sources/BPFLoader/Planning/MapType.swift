import CLinuxBPF
import SyscallBPF

/// Map types, from the UAPI header, that the loader treats specially.
enum MapType {
    static let array = UInt32(BPF_MAP_TYPE_ARRAY.rawValue)
    static let percpuArray = UInt32(BPF_MAP_TYPE_PERCPU_ARRAY.rawValue)
    static let progArray = UInt32(BPF_MAP_TYPE_PROG_ARRAY.rawValue)
    static let perfEventArray = UInt32(BPF_MAP_TYPE_PERF_EVENT_ARRAY.rawValue)
    static let arrayOfMaps = UInt32(BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue)
    static let hashOfMaps = UInt32(BPF_MAP_TYPE_HASH_OF_MAPS.rawValue)
    static let ringbuf = UInt32(BPF_MAP_TYPE_RINGBUF.rawValue)
    static let userRingbuf = UInt32(BPF_MAP_TYPE_USER_RINGBUF.rawValue)
    /// Newer than the UAPI headers of Debian 12 (linux-libc-dev 6.1) that the builds use: the
    /// values of `enum bpf_map_type` in Linux 6.2 and 6.9.
    static let cgroupLocalStorage: UInt32 = 32  // BPF_MAP_TYPE_CGRP_STORAGE
    static let arena: UInt32 = 33               // BPF_MAP_TYPE_ARENA

    /// BPF_F_INNER_MAP: an array inner map whose size may differ between the slots.
    static let innerMapFlag = UInt32(BPF_F_INNER_MAP)
    /// BPF_F_RDONLY_PROG: programs may only read the map (global `.rodata`, `.kconfig`).
    static let readOnlyProgramFlag = UInt32(BPF_F_RDONLY_PROG)
    /// BPF_F_MMAPABLE: user space may mmap the map (global data).
    static let mmapableFlag = UInt32(BPF_F_MMAPABLE)

    static func isMapInMap(_ type: UInt32) -> Bool { type == arrayOfMaps || type == hashOfMaps }

    /// Arrays, whose inner-map compatibility includes max_entries.
    static func isArray(_ type: UInt32) -> Bool {
        type == array || type == percpuArray
    }

    /// Types whose `max_entries` must be 0 (local storage: one element per owner, sized by the
    /// kernel); every other type needs a size, except a perf event array, which libbpf sizes to
    /// the possible CPUs.
    static func takesNoSize(_ type: UInt32) -> Bool {
        type == cgroupLocalStorage
            || [BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_INODE_STORAGE, BPF_MAP_TYPE_TASK_STORAGE,
                BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE].contains { UInt32($0.rawValue) == type }
    }

    /// Types created without BTF for key and value, as libbpf's bpf_object__create_map does (the
    /// kernel refuses BTF for maps whose values are fds, or that have no keys).
    static func takesNoBTF(_ type: UInt32) -> Bool {
        type == arena
            || [BPF_MAP_TYPE_PERF_EVENT_ARRAY, BPF_MAP_TYPE_CGROUP_ARRAY, BPF_MAP_TYPE_STACK_TRACE, BPF_MAP_TYPE_ARRAY_OF_MAPS,
                BPF_MAP_TYPE_HASH_OF_MAPS, BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH, BPF_MAP_TYPE_CPUMAP,
                BPF_MAP_TYPE_XSKMAP, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH, BPF_MAP_TYPE_QUEUE,
                BPF_MAP_TYPE_STACK].contains { UInt32($0.rawValue) == type }
    }

    /// The first attribute the kernel compares for compatibility (libbpf's map_is_reuse_compat,
    /// the kernel's bpf_map_meta_equal) in which a map differs from `expected`: what, the map's
    /// value, the expected value. `maxEntries` nil leaves the size out of the comparison.
    static func difference(type: UInt32, keySize: UInt32, valueSize: UInt32, maxEntries: UInt32?, flags: UInt32,
                           from expected: MapAttributes) -> (what: String, actual: UInt32, expected: UInt32)? {
        var compared: [(String, UInt32, UInt32)] = [
            ("type", type, expected.type), ("key size", keySize, expected.keySize),
            ("value size", valueSize, expected.valueSize),
        ]
        if let maxEntries { compared.append(("max entries", maxEntries, expected.maxEntries)) }
        compared.append(("flags", flags, expected.flags))
        return compared.first { $0.1 != $0.2 }.map { (what: $0.0, actual: $0.1, expected: $0.2) }
    }
}
