import ELFReader
import SyscallBPF

/// What an object holds, read from the object alone (nothing is loaded): `iter info`.
extension IteratorObject {
    /// The object's license (the `license` section), "" when it has none.
    public var license: String { file.license }

    /// The programs of other types (not iterators), in section order: never loaded by iter.
    public var otherPrograms: [OtherObjectProgram] {
        file.otherPrograms.map { OtherObjectProgram(name: $0.name, section: $0.sectionName, type: $0.kind.type) }
    }

    /// The maps the object declares (`.maps`), then one per global data section and the
    /// `.kconfig` map, in the order libbpf creates them, as the object declares them.
    /// - Throws: `IteratorError.object` when the object's BTF or map definitions are malformed.
    public var maps: [ObjectMap] {
        get throws(IteratorError) {
            do { return try Planner.describeMaps(file) } catch { throw .object(path: path, ObjectError(error)) }
        }
    }
}

extension Planner {
    /// The maps of `object` as declared: `.maps` definitions unsized, global data as planned.
    static func describeMaps(_ object: BPFObjectFile) throws(LoadError) -> [ObjectMap] {
        let prepared = try prepare(object)
        var maps: [ObjectMap] = []
        if let btf = prepared.btf {
            for declaration in try DeclaredMaps.parse(btf, object: object) {
                let a = declaration.attributes
                var inner: ObjectMap.Inner? = nil
                if case let .maps(i)? = declaration.values?.content {
                    inner = ObjectMap.Inner(type: MapKind(rawValue: i.type), keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries)
                }
                maps.append(
                    ObjectMap(
                        name: declaration.name, section: ".maps", type: MapKind(rawValue: a.type), keySize: a.keySize,
                        valueSize: a.valueSize, maxEntries: a.maxEntries, flags: a.flags,
                        pinnedByName: declaration.pinning == 1, inner: inner))
            }
        }
        for section in object.elf.sections {
            guard case let .globalData(kind) = object.roles[section.index], kind != .kconfig else { continue }
            maps.append(describe(try GlobalData.plan(object: object, section: section, kind: kind), section: section.name))
        }
        if prepared.externs.contains(where: { $0.isKconfig }) {
            maps.append(
                describe(
                    try GlobalData.planKconfig(object: object, size: Externs.kconfigSize(prepared.externs)),
                    section: Externs.kconfigSection))
        }
        return maps
    }

    private static func describe(_ map: PlannedMap, section: String) -> ObjectMap {
        let a = map.attributes
        return ObjectMap(
            name: map.name, section: section, type: MapKind(rawValue: a.type), keySize: a.keySize, valueSize: a.valueSize,
            maxEntries: a.maxEntries, flags: a.flags, pinnedByName: false, inner: nil)
    }
}
