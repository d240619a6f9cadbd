import Bytes

/// The 24-byte header of a BTF blob.
public struct BTFHeader: Sendable, Equatable {
    public static let magic: UInt16 = 0xeb9f
    public static let size = 24

    public let order: ByteOrder
    public let version: UInt8
    public let flags: UInt8
    public let headerLength: UInt32
    public let typeOffset: UInt32
    public let typeLength: UInt32
    public let stringOffset: UInt32
    public let stringLength: UInt32

    static func parse(_ blob: ByteView) throws(BTFError) -> BTFHeader {
        guard blob.count >= size else { throw .truncatedHeader(size: blob.count) }
        let order: ByteOrder
        switch blob.u16(at: 0, .little) ?? 0 {
        case 0xeb9f: order = .little
        case 0x9feb: order = .big
        case let other: throw .badMagic(other)
        }
        let version = blob.u8(at: 2) ?? 0
        guard version == 1 else { throw .unsupportedVersion(version) }
        let headerLength = blob.u32(at: 4, order) ?? 0
        // Newer headers may be longer; the kernel accepts that only if the extra bytes are zero.
        guard headerLength >= UInt32(size), headerLength <= UInt32(blob.count) else {
            throw .badHeaderLength(headerLength)
        }
        return BTFHeader(
            order: order, version: version, flags: blob.u8(at: 3) ?? 0, headerLength: headerLength,
            typeOffset: blob.u32(at: 8, order) ?? 0, typeLength: blob.u32(at: 12, order) ?? 0,
            stringOffset: blob.u32(at: 16, order) ?? 0, stringLength: blob.u32(at: 20, order) ?? 0)
    }
}

/// Keeps the base of a split BTF alive (a struct cannot contain itself).
public final class BaseBTF {
    public let btf: BTF
    public init(_ btf: BTF) { self.btf = btf }
}

/// A parsed BTF blob: vmlinux, a kernel module's split BTF on top of vmlinux, or an object's `.BTF`.
///
/// `init` walks the type section once to record where each type starts and to reject what cannot be
/// walked (truncated records, unknown kinds); it decodes nothing. Types are decoded when asked for,
/// so a lookup in the 5 MB vmlinux BTF touches only what it reads. `validate()` adds the checks an
/// untrusted object's BTF needs (string offsets, type ids, reference cycles).
public struct BTF {
    public let header: BTFHeader
    public let typeSection: ByteView
    public let stringSection: ByteView
    public let base: BaseBTF?
    /// Offset of each own type's record in `typeSection`; own type `firstTypeID + i` is at `offsets[i]`.
    let offsets: [UInt32]

    public var order: ByteOrder { header.order }
    /// The first id defined by this blob: 1, or the base's type count for split BTF.
    public var firstTypeID: TypeID { base.map { TypeID($0.btf.typeCount) } ?? 1 }
    /// Number of ids, void included: valid ids are `0..<typeCount`.
    public var typeCount: Int { Int(firstTypeID) + offsets.count }
    /// String offsets below this belong to the base's string section.
    public var firstStringOffset: UInt32 { base.map { $0.btf.firstStringOffset + UInt32($0.btf.stringSection.count) } ?? 0 }
    /// Ids defined by this blob itself.
    public var ownTypeIDs: Range<TypeID> { firstTypeID..<TypeID(typeCount) }

    public init(_ blob: ByteView, base: BTF? = nil) throws(BTFError) {
        header = try BTFHeader.parse(blob)
        let start = Int(header.headerLength)
        func section(_ name: String, _ offset: UInt32, _ length: UInt32) throws(BTFError) -> ByteView {
            let (begin, overflow) = start.addingReportingOverflow(Int(offset))
            guard !overflow, let view = blob.slice(offset: begin, length: Int(length)) else {
                throw .sectionOutOfBounds(section: name, offset: offset, length: length, blobSize: blob.count)
            }
            return view
        }
        typeSection = try section("type", header.typeOffset, header.typeLength)
        stringSection = try section("string", header.stringOffset, header.stringLength)
        guard header.typeOffset % 4 == 0 else { throw .typeSectionMisaligned(offset: header.typeOffset) }
        if base == nil, let first = stringSection.u8(at: 0), first != 0 {
            throw .badStringSection("does not start with an empty string")
        }
        if let last = stringSection.u8(at: stringSection.count - 1), last != 0 {
            throw .badStringSection("does not end with a NUL byte")
        }
        self.base = base.map { BaseBTF($0) }
        offsets = try BTF.index(typeSection, header.order, firstID: base.map { TypeID($0.typeCount) } ?? 1)
    }

    /// One pass over the type section: record offsets, check each record fits and has a known kind.
    private static func index(_ types: ByteView, _ order: ByteOrder, firstID: TypeID) throws(BTFError) -> [UInt32] {
        var offsets: [UInt32] = []
        // vmlinux averages about 30 bytes a type; reserving avoids regrowing a 600 KB array.
        offsets.reserveCapacity(types.count / 24)
        var at = 0
        var id = firstID
        while at < types.count {
            guard let info = types.u32(at: at + 4, order) else { throw .truncatedType(id: id, offset: at) }
            let size = try BTFType.recordSize(info: info, id: id)
            guard types.contains(offset: at, length: size) else { throw .truncatedType(id: id, offset: at) }
            offsets.append(UInt32(at))
            at += size
            id &+= 1
        }
        return offsets
    }

    // MARK: - Types

    /// The type with this id (id 0 is void). Decodes one record.
    public func type(_ id: TypeID) throws(BTFError) -> BTFType {
        if id == 0 { return BTFType(nameOffset: 0, body: .void) }
        if id < firstTypeID, let base { return try base.btf.type(id) }
        let index = Int(id) - Int(firstTypeID)
        guard index >= 0, index < offsets.count else { throw .noSuchType(id) }
        return try BTFType.decode(typeSection, at: Int(offsets[index]), id: id, order)
    }

    /// The raw info word of a type, for cheap kind/vlen checks without decoding.
    func info(_ id: TypeID) -> UInt32? {
        if id < firstTypeID, let base { return base.btf.info(id) }
        let index = Int(id) - Int(firstTypeID)
        guard id != 0, index >= 0, index < offsets.count else { return nil }
        return typeSection.u32(at: Int(offsets[index]) + 4, order)
    }

    /// The kind of a type without decoding it.
    public func kind(of id: TypeID) -> BTFKind? {
        if id == 0 { return .void }
        guard let info = info(id) else { return nil }
        return BTFKind(rawValue: UInt8((info >> 24) & 0x1f))
    }

    /// The name offset of a type without decoding it.
    public func nameOffset(of id: TypeID) -> UInt32? {
        if id == 0 { return 0 }
        if id < firstTypeID, let base { return base.btf.nameOffset(of: id) }
        let index = Int(id) - Int(firstTypeID)
        guard index >= 0, index < offsets.count else { return nil }
        return typeSection.u32(at: Int(offsets[index]), order)
    }

    // MARK: - Strings

    /// The string at `offset` (in the combined base + own string space); nil if out of range.
    public func string(at offset: UInt32) -> ByteView? {
        if offset < firstStringOffset, let base { return base.btf.string(at: offset) }
        let local = Int(offset) - Int(firstStringOffset)
        guard local >= 0 else { return nil }
        return stringSection.cString(at: local)
    }

    /// The name of a type as a String ("" for anonymous or unreadable).
    public func name(of id: TypeID) -> String {
        guard let offset = nameOffset(of: id), offset != 0 else { return "" }
        return string(at: offset)?.string ?? ""
    }

    /// Every offset in this blob's own string section where exactly one of `names` starts, grouped
    /// per name. One pass, memchr from string to string: for vmlinux, a few hundred microseconds.
    public func ownStringOffsets(of names: [String]) -> [[UInt32]] {
        var result = [[UInt32]](repeating: [], count: names.count)
        guard !names.isEmpty else { return result }
        var lengths = Set<Int>()
        for name in names { lengths.insert(name.utf8.count) }
        let strings = stringSection
        var at = 0
        while at < strings.count {
            guard let end = strings.firstIndex(of: 0, from: at) else { break }
            let length = end - at
            if lengths.contains(length), let candidate = strings.slice(offset: at, length: length) {
                for (i, name) in names.enumerated() where candidate.equals(name) {
                    result[i].append(UInt32(at) + firstStringOffset)
                }
            }
            at = end + 1
        }
        return result
    }

    /// Every own string that starts with `prefix`, with its offset (one pass over the strings).
    public func ownStrings(withPrefix prefix: String) -> [(offset: UInt32, text: String)] {
        var found: [(offset: UInt32, text: String)] = []
        let strings = stringSection
        var at = 0
        while at < strings.count {
            guard let end = strings.firstIndex(of: 0, from: at) else { break }
            if let candidate = strings.slice(offset: at, length: end - at), candidate.hasPrefix(prefix) {
                found.append((UInt32(at) + firstStringOffset, candidate.string))
            }
            at = end + 1
        }
        return found
    }

    /// Own types (not the base's) whose name offset is one of `nameOffsets`, optionally of one kind.
    public func ownTypeIDs(nameOffsets: Set<UInt32>, kind: BTFKind? = nil) -> [TypeID] {
        guard !nameOffsets.isEmpty else { return [] }
        var found: [TypeID] = []
        for (index, offset) in offsets.enumerated() {
            guard let nameOffset = typeSection.u32(at: Int(offset), order), nameOffsets.contains(nameOffset) else { continue }
            if let kind {
                guard let info = typeSection.u32(at: Int(offset) + 4, order), UInt8((info >> 24) & 0x1f) == kind.rawValue else { continue }
            }
            found.append(firstTypeID + TypeID(index))
        }
        return found
    }

    /// Types named `name` (of `kind`, if given), in this blob and its base.
    public func typeIDs(named name: String, kind: BTFKind? = nil) -> [TypeID] {
        var found = base?.btf.typeIDs(named: name, kind: kind) ?? []
        let offsets = Set(ownStringOffsets(of: [name])[0])
        found += ownTypeIDs(nameOffsets: offsets, kind: kind)
        return found
    }

    /// The FUNC named `name`, if there is exactly one (the kernel's BTF has one per function).
    public func function(named name: String) -> TypeID? {
        typeIDs(named: name, kind: .function).first
    }

    /// Every own type, decoded (for small blobs: an object's `.BTF`).
    public func allOwnTypes() throws(BTFError) -> [BTFType] {
        var types: [BTFType] = []
        types.reserveCapacity(offsets.count)
        for id in ownTypeIDs { types.append(try type(id)) }
        return types
    }
}
