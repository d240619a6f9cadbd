import CLinuxBPF

/// What BPF_MAP_CREATE needs.
public struct MapAttributes: Sendable, Equatable {
    /// `map_type`: `enum bpf_map_type`.
    public var type: UInt32
    /// `key_size` in bytes.
    public var keySize: UInt32
    /// `value_size` in bytes.
    public var valueSize: UInt32
    /// `max_entries`.
    public var maxEntries: UInt32
    /// `map_flags`: BPF_F_* (BPF_F_NUMA_NODE is added when `numaNode` is set).
    public var flags: UInt32
    /// `map_name`, truncated to 15 bytes (BPF_OBJ_NAME_LEN).
    public var name: String
    /// `numa_node`, or nil for no preference.
    public var numaNode: UInt32?
    /// `map_extra`: bloom filter hash count, arena mapping address; 0 for other maps.
    public var mapExtra: UInt64
    /// `btf_key_type_id` in the object's BTF; sent only when `create` is given a BTF fd.
    public var btfKeyTypeID: UInt32
    /// `btf_value_type_id` in the object's BTF; sent only when `create` is given a BTF fd.
    public var btfValueTypeID: UInt32

    /// The attributes of one map; everything after `maxEntries` defaults to "none".
    public init(type: UInt32, keySize: UInt32, valueSize: UInt32, maxEntries: UInt32, flags: UInt32 = 0,
                name: String = "", numaNode: UInt32? = nil, mapExtra: UInt64 = 0,
                btfKeyTypeID: UInt32 = 0, btfValueTypeID: UInt32 = 0) {
        self.type = type
        self.keySize = keySize
        self.valueSize = valueSize
        self.maxEntries = maxEntries
        self.flags = flags
        self.name = name
        self.numaNode = numaNode
        self.mapExtra = mapExtra
        self.btfKeyTypeID = btfKeyTypeID
        self.btfValueTypeID = btfValueTypeID
    }
}

/// What the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD).
public struct MapInfo: Sendable, Equatable {
    /// `bpf_map_info.id`.
    public var id: UInt32
    /// `bpf_map_info.type`: `enum bpf_map_type`.
    public var type: UInt32
    /// `bpf_map_info.key_size`.
    public var keySize: UInt32
    /// `bpf_map_info.value_size`.
    public var valueSize: UInt32
    /// `bpf_map_info.max_entries`.
    public var maxEntries: UInt32
    /// `bpf_map_info.map_flags`.
    public var flags: UInt32
    /// `bpf_map_info.name` (at most 15 bytes).
    public var name: String
    /// `bpf_map_info.btf_id`: the BTF object the map's types are in; 0 when created without BTF.
    public var btfID: UInt32 = 0
    /// `bpf_map_info.btf_value_type_id`: the value's type in that BTF (a DATASEC for global data).
    public var btfValueTypeID: UInt32 = 0
}

/// BPF_MAP_* commands.
public enum BPFMap {
    /// BPF_MAP_CREATE, with BTF key/value types when `btf` is given, and for a map-in-map the
    /// template its inner maps must match (`inner_map_fd`).
    public static func create(_ spec: MapAttributes, btf: OwnedDescriptor? = nil,
                              innerMap: OwnedDescriptor? = nil) throws(Errno) -> FileDescriptor {
        let btfFD = btf?.fd.rawValue ?? -1
        var attr = bpf_attr()
        if let innerMap { attr.inner_map_fd = UInt32(bitPattern: innerMap.fd.rawValue) }
        attr.map_type = spec.type
        attr.key_size = spec.keySize
        attr.value_size = spec.valueSize
        attr.max_entries = spec.maxEntries
        attr.map_flags = spec.flags
        if let node = spec.numaNode {
            attr.numa_node = node
            attr.map_flags |= UInt32(BPF_F_NUMA_NODE)
        }
        attr.map_extra = spec.mapExtra
        setObjectName(spec.name, into: &attr.map_name)
        if btfFD >= 0 {
            attr.btf_fd = UInt32(bitPattern: btfFD)
            attr.btf_key_type_id = spec.btfKeyTypeID
            attr.btf_value_type_id = spec.btfValueTypeID
        }
        return try BPFSyscall.callForFD(BPF_MAP_CREATE, &attr)
    }

    /// BPF_MAP_UPDATE_ELEM.
    public static func update(_ map: borrowing FileDescriptor, key: [UInt8], value: [UInt8], flags: UInt64 = 0) throws(Errno) {
        var attr = bpf_attr()
        attr.map_fd = UInt32(bitPattern: map.rawValue)
        attr.flags = flags
        let result = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                attr.key = address(k.baseAddress)
                attr.value = address(v.baseAddress)
                return BPFSyscall.invoke(BPF_MAP_UPDATE_ELEM, &attr)
            }
        }
        _ = try result.get()
    }

    /// BPF_MAP_LOOKUP_ELEM into a buffer of `valueSize` bytes.
    public static func lookup(_ map: borrowing FileDescriptor, key: [UInt8], valueSize: Int) throws(Errno) -> [UInt8] {
        var attr = bpf_attr()
        attr.map_fd = UInt32(bitPattern: map.rawValue)
        var value = [UInt8](repeating: 0, count: valueSize)
        let result = key.withUnsafeBytes { k in
            value.withUnsafeMutableBytes { v in
                attr.key = address(k.baseAddress)
                attr.value = address(UnsafeRawPointer(v.baseAddress))
                return BPFSyscall.invoke(BPF_MAP_LOOKUP_ELEM, &attr)
            }
        }
        _ = try result.get()
        return value
    }

    /// BPF_MAP_FREEZE: no more writes from user space (global `.rodata` and `.kconfig`).
    public static func freeze(_ map: borrowing FileDescriptor) throws(Errno) {
        var attr = bpf_attr()
        attr.map_fd = UInt32(bitPattern: map.rawValue)
        try BPFSyscall.call(BPF_MAP_FREEZE, &attr)
    }

    /// BPF_MAP_GET_FD_BY_ID, optionally read-only (BPF_F_RDONLY).
    public static func fd(id: UInt32, readOnly: Bool = false) throws(Errno) -> FileDescriptor {
        var attr = bpf_attr()
        attr.map_id = id
        attr.open_flags = readOnly ? UInt32(BPF_F_RDONLY) : 0
        return try BPFSyscall.callForFD(BPF_MAP_GET_FD_BY_ID, &attr)
    }

    /// BPF_MAP_GET_NEXT_ID: the next map id after `id`, nil at the end.
    public static func nextID(after id: UInt32) throws(Errno) -> UInt32? {
        try ObjectIDs.next(BPF_MAP_GET_NEXT_ID, after: id)
    }

    /// BPF_OBJ_GET_INFO_BY_FD for a map.
    public static func info(_ map: borrowing FileDescriptor) throws(Errno) -> MapInfo {
        var info = bpf_map_info()
        try ObjectInfo.get(map, into: &info)
        return MapInfo(
            id: info.id, type: info.type, keySize: info.key_size, valueSize: info.value_size,
            maxEntries: info.max_entries, flags: info.map_flags, name: objectName(info.name),
            btfID: info.btf_id, btfValueTypeID: info.btf_value_type_id)
    }
}
