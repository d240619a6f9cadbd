import ELFReader
import Bytes
import BTFParser
import SyscallBPF

/// A map declared in `.maps` with BTF: `struct { __uint(type, …); __type(key, …); … } name SEC(".maps")`.
struct MapDeclaration {
    var name: String
    /// Offset of the map's variable in `.maps` (what relocations against it point at).
    var offset: UInt64
    /// Size of the map's variable in `.maps` (it grows with a `.values` initialiser).
    var size: UInt64 = 0
    var attributes: MapAttributes
    /// LIBBPF_PIN_BY_NAME (1) or LIBBPF_PIN_NONE (0).
    var pinning: UInt32
    /// `__array(values, …)`: what the slots hold and where the member starts in the definition.
    var values: ValuesMember? = nil
}

/// The `values` member of a map-in-map or program-array definition.
struct ValuesMember {
    enum Content {
        /// `__array(values, struct inner)`: maps like the inner definition (its attributes).
        case maps(inner: MapAttributes)
        /// `__array(values, int (void *))`: programs.
        case programs
    }
    var content: Content
    /// Byte offset of the member in the definition struct: slot i is the pointer at offset + 8 i.
    var offset: UInt64
}

/// Reads BTF-defined map declarations as libbpf's parse_btf_map_def does: each attribute is a
/// member whose type encodes the value (`int (*type)[BPF_MAP_TYPE_HASH]` is type = 1;
/// `typeof(struct k) *key` names the key type). Unknown attributes are errors, as in libbpf's
/// strict mode, so a typo is not silently a different map.
enum DeclaredMaps {
    /// Where maps with `LIBBPF_PIN_BY_NAME` are pinned (libbpf's default pin root).
    static let pinRoot = "/sys/fs/bpf"

    static func parse(_ btf: ObjectBTF, object: BPFObjectFile) throws(LoadError) -> [MapDeclaration] {
        guard let mapsSection = object.sections(where: { $0 == .maps }).first else { return [] }
        guard let datasecID = btf.dataSection(named: ".maps"),
              case let .dataSection(_, vars)? = btf.fixed.type(datasecID)?.body
        else {
            throw .badSection(section: mapsSection.name, reason: "BTF-defined maps need the object's BTF (compile with -g)")
        }
        // Decode against the fixed-up copy: offsets come from the ELF symbols.
        let types = btf.original
        var maps: [MapDeclaration] = []
        for info in vars {
            guard let variable = btf.fixed.type(info.type), case let .variable(structType, _) = variable.body else {
                throw .badSection(section: ".maps", reason: "DATASEC member [\(info.type)] is not a variable")
            }
            let name = btf.fixed.string(at: variable.nameOffset) ?? ""
            var map = try parseDefinition(name: name, offset: UInt64(info.offset), typeID: structType, types)
            map.size = UInt64(info.size)
            maps.append(map)
        }
        return maps
    }

    /// `inner`: the definition is a map-in-map's `__array(values, struct …)` (no pinning, no
    /// values of its own, as libbpf requires).
    static func parseDefinition(name: String, offset: UInt64, typeID: TypeID, _ btf: BTF,
                                inner: Bool = false) throws(LoadError) -> MapDeclaration {
        func fail(_ reason: String) -> LoadError { .map(name: name, reason: reason) }
        let definition: BTFType
        do { definition = try btf.skipModsAndTypedefs(typeID).type } catch { throw .btf(section: ".BTF", error) }
        guard case let .structure(_, members, _) = definition.body else {
            throw fail("expected a struct definition in '.maps', got \(definition.kind)")
        }
        var spec = MapAttributes(type: 0, keySize: 0, valueSize: 0, maxEntries: 0, name: name)
        var haveType = false
        var pinning: UInt32 = 0
        var values: ValuesMember? = nil
        for (position, member) in members.enumerated() {
            let field = btf.string(at: member.nameOffset)?.string ?? ""
            switch field {
            case "type":
                spec.type = try integer(field, member, btf, map: name)
                haveType = true
            case "max_entries": spec.maxEntries = try integer(field, member, btf, map: name)
            case "map_flags": spec.flags = try integer(field, member, btf, map: name)
            case "numa_node": spec.numaNode = try integer(field, member, btf, map: name)
            case "pinning":
                guard !inner else { throw fail("an inner map definition cannot be pinned") }
                pinning = try integer(field, member, btf, map: name)
            case "map_extra": spec.mapExtra = UInt64(try integer(field, member, btf, map: name))
            case "key_size", "value_size":
                let size = try integer(field, member, btf, map: name)
                let existing = field == "key_size" ? spec.keySize : spec.valueSize
                guard existing == 0 || existing == size else {
                    throw fail("\(field) \(size) conflicts with the size of its __type (\(existing))")
                }
                if field == "key_size" { spec.keySize = size } else { spec.valueSize = size }
            case "key", "value":
                let (type, size) = try pointee(field, member, btf, map: name)
                let existing = field == "key" ? spec.keySize : spec.valueSize
                guard existing == 0 || existing == size else {
                    throw fail("\(field) type is \(size) bytes but \(field)_size says \(existing)")
                }
                if field == "key" {
                    spec.keySize = size
                    spec.btfKeyTypeID = type
                } else {
                    spec.valueSize = size
                    spec.btfValueTypeID = type
                }
            case "values":
                guard !inner else { throw fail("an inner map definition cannot have values of its own (multi-level map-in-map)") }
                guard position == members.count - 1 else { throw fail("'values' must be the last member of the definition") }
                guard spec.valueSize == 0 || spec.valueSize == 4 else {
                    throw fail("value size \(spec.valueSize) conflicts with 'values' (slots hold 4-byte fds)")
                }
                spec.valueSize = 4
                let content = try valuesContent(member, type: spec.type, haveType: haveType, btf, map: name)
                values = ValuesMember(content: content, offset: UInt64(member.bitOffset / 8))
            default:
                throw fail("unknown attribute '\(field)' (expected type, max_entries, key, value, key_size, value_size, map_flags, numa_node, pinning or map_extra)")
            }
        }
        guard haveType else { throw fail("no 'type' attribute (__uint(type, BPF_MAP_TYPE_…))") }
        if MapType.isMapInMap(spec.type) && values == nil && !inner {
            throw fail("map-in-map without an inner map definition (declare it with __array(values, struct …))")
        }
        return MapDeclaration(name: name, offset: offset, attributes: spec, pinning: pinning, values: values)
    }

    /// What `__array(values, T)` declares, as libbpf's parse_btf_map_def reads it: a zero-sized
    /// array of pointers, to a map definition struct (map-in-map) or a function prototype
    /// (program array).
    static func valuesContent(_ member: BTFMember, type: UInt32, haveType: Bool, _ btf: BTF,
                              map: String) throws(LoadError) -> ValuesMember.Content {
        func fail(_ reason: String) -> LoadError { .map(name: map, reason: reason) }
        let isMapInMap = MapType.isMapInMap(type)
        guard haveType, isMapInMap || type == MapType.progArray else {
            throw fail("'values' needs a map-in-map (ARRAY_OF_MAPS, HASH_OF_MAPS) or PROG_ARRAY type, declared before it")
        }
        let what = isMapInMap ? "map-in-map inner" : "prog-array value"
        func resolve<T>(_ body: () throws(BTFError) -> T) throws(LoadError) -> T {
            do { return try body() } catch { throw .btf(section: ".BTF", error) }
        }
        let array = try resolve { () throws(BTFError) in try btf.type(member.type) }
        guard case let .array(element, _, count) = array.body, count == 0 else {
            throw fail("\(what) spec is not a zero-sized array (__array(values, …))")
        }
        let pointer = try resolve { () throws(BTFError) in try btf.skipModsAndTypedefs(element).type }
        guard case let .pointer(target) = pointer.body else {
            throw fail("\(what) definition is \(pointer.kind), expected a pointer")
        }
        let resolved = try resolve { () throws(BTFError) in try btf.skipModsAndTypedefs(target) }
        if !isMapInMap {
            guard case .functionProto = resolved.type.body else {
                throw fail("prog-array value definition is \(resolved.type.kind), expected a function prototype")
            }
            return .programs
        }
        guard case .structure = resolved.type.body else {
            throw fail("map-in-map inner definition is \(resolved.type.kind), expected a struct")
        }
        let inner = try parseDefinition(name: map + ".inner", offset: 0, typeID: resolved.id, btf, inner: true)
        return .maps(inner: inner.attributes)
    }

    /// `__uint(name, value)`: a pointer to an array whose element count is the value. `__ulong`
    /// encodes values above 32 bits as an enum instead.
    static func integer(_ field: String, _ member: BTFMember, _ btf: BTF, map: String) throws(LoadError) -> UInt32 {
        let type: BTFType
        do { type = try btf.skipModsAndTypedefs(member.type).type } catch { throw .btf(section: ".BTF", error) }
        switch type.body {
        case let .pointer(target):
            let array: BTFType
            do { array = try btf.type(target) } catch { throw .btf(section: ".BTF", error) }
            guard case let .array(_, _, count) = array.body else {
                throw .map(name: map, reason: "attribute '\(field)': expected a pointer to an array (__uint), got a pointer to \(array.kind)")
            }
            return count
        case let .enumeration(_, _, values), let .enum64(_, _, values):
            if let first = values.first { return UInt32(truncatingIfNeeded: first.value) }
        default:
            break
        }
        throw .map(name: map, reason: "attribute '\(field)': expected __uint(\(field), …), got \(type.kind)")
    }

    /// `__type(name, T)`: a pointer to T; returns T's id and size.
    static func pointee(_ field: String, _ member: BTFMember, _ btf: BTF, map: String) throws(LoadError) -> (TypeID, UInt32) {
        let type: BTFType
        do { type = try btf.type(member.type) } catch { throw .btf(section: ".BTF", error) }
        guard case let .pointer(target) = type.body else {
            throw .map(name: map, reason: "attribute '\(field)': expected __type(\(field), T), got \(type.kind)")
        }
        let size: UInt64
        do { size = try btf.size(of: target) } catch {
            throw .map(name: map, reason: "attribute '\(field)': type [\(target)] has no size (\(error.description))")
        }
        guard size > 0, size <= UInt64(UInt32.max) else { throw .map(name: map, reason: "attribute '\(field)': size \(size) is invalid") }
        return (target, UInt32(size))
    }
}
