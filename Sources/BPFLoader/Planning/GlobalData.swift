import Bytes
import ELFReader
import SyscallBPF

/// Global data (`.rodata*`, `.data*`, `.bss*`) becomes one single-element array map per section,
/// named and flagged exactly as libbpf does, so `bpftool map` shows the same maps for both loaders.
enum GlobalData {

    /// libbpf's internal_map_name: up to 8 characters of the object name, then the section name
    /// padded to a 7-character budget (`iter_tas.rodata`, `iter_tas.bss`); custom sections
    /// (`.rodata.str1.1`: two dots) use the section name alone; at most 15 bytes; any character the
    /// kernel refuses becomes `_`.
    static func mapName(object: String, section: String) -> String {
        let objectBytes = Array(object.utf8)
        let sectionBytes = Array(section.utf8)
        let suffixLength = min(max(7, sectionBytes.count), 15)
        let isCustom = sectionBytes.dropFirst().contains(UInt8(ascii: "."))
        // BPF_OBJ_NAME_LEN is 16 with the NUL: the prefix gets what the suffix leaves of 15 bytes.
        let prefixLength = isCustom ? 0 : min(16 - suffixLength - 1, objectBytes.count)
        var name = Array(objectBytes.prefix(max(prefixLength, 0))) + Array(sectionBytes.prefix(suffixLength))
        name = Array(name.prefix(15))
        for i in name.indices {
            let c = name[i]
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2e
            if !ok { name[i] = 0x5f }
        }
        return String(decoding: name, as: UTF8.self)
    }

    /// The `.kconfig` map: one element holding every kconfig extern, read-only for programs and
    /// frozen, so the verifier treats its values as constants (dead-code-eliminating what the
    /// config turns off); mmapable, as every internal map of libbpf 1.1 is.
    /// `size` is at most `Externs.kconfigLimit` after `Externs.collect`; checked here all the same,
    /// as it comes from the object.
    static func planKconfig(object: BPFObjectFile, size: Int) throws(LoadError) -> PlannedMap {
        guard let valueSize = UInt32(exactly: size) else {
            throw .badSection(section: ".kconfig", reason: "\(size) bytes do not fit in a map value's 32-bit size")
        }
        return PlannedMap(
            name: mapName(object: object.name, section: ".kconfig"), origin: .globalData(.kconfig, section: ".kconfig"),
            attributes: MapAttributes(
                type: MapType.array, keySize: 4, valueSize: valueSize, maxEntries: 1,
                flags: MapType.readOnlyProgramFlag | MapType.mmapableFlag),
            initialValue: nil, freeze: true)
    }

    /// The map for one global data section. Flags as libbpf 1.1 (the reference bpftool's) sets them:
    /// `.rodata` and `.kconfig` read-only for programs, every section mmapable.
    static func plan(object: BPFObjectFile, section: ELFSection, kind: GlobalDataKind) throws(LoadError) -> PlannedMap {
        // A NOBITS section (.bss) claims any size without file bytes behind it: check, not clamp.
        guard let valueSize = UInt32(exactly: section.size) else {
            throw .badSection(section: section.name, reason: "size \(section.size) does not fit in a map value's 32-bit size")
        }
        let flags = (kind == .rodata || kind == .kconfig ? MapType.readOnlyProgramFlag : 0) | MapType.mmapableFlag
        let contents: [UInt8]?
        switch kind {
        case .rodata, .data: contents = object.elf.data(of: section).array
        case .bss, .kconfig: contents = nil
        }
        return PlannedMap(
            name: mapName(object: object.name, section: section.name),
            origin: .globalData(kind, section: section.name),
            attributes: MapAttributes(
                type: MapType.array, keySize: 4, valueSize: valueSize, maxEntries: 1, flags: flags),
            initialValue: contents,
            freeze: kind == .rodata)
    }
}
