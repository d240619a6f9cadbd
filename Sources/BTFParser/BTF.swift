import Bytes
import CLinuxBPF

/// The 24-byte header of a BTF blob.
public struct BTFHeader: Sendable, Equatable {
    /// `BTF_MAGIC`, the first field of `struct btf_header`; read as 0x9feb, the blob is in the other byte order.
    public static let magic: UInt16 = 0xeb9f
    /// `sizeof(struct btf_header)` in bytes (version 1); a blob's `hdr_len` may be larger.
    public static let size = 24

    /// Byte order of the blob, from how `magic` reads; every other field is decoded in it.
    public let order: ByteOrder
    /// `btf_header.version`: always 1 (`BTF_VERSION`); anything else is rejected.
    public let version: UInt8
    /// `btf_header.flags`: none are defined and the kernel rejects non-zero; not checked here.
    public let flags: UInt8
    /// `btf_header.hdr_len`: header size in bytes (at least `size`); the section offsets count from its end.
    public let headerLength: UInt32
    /// `btf_header.type_off`: start of the type section, in bytes after the header (4-byte aligned).
    public let typeOffset: UInt32
    /// `btf_header.type_len`: size of the type section in bytes.
    public let typeLength: UInt32
    /// `btf_header.str_off`: start of the string section, in bytes after the header.
    public let stringOffset: UInt32
    /// `btf_header.str_len`: size of the string section in bytes, final NUL included.
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
        // The kernel defines no header flag and refuses any (btf_parse_hdr: "Unsupported flags").
        let flags = blob.u8(at: 3) ?? 0
        guard flags == 0 else { throw .unsupportedFlags(flags) }
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
    /// The base BTF (vmlinux for a module) whose type ids and string offsets the split BTF continues.
    public let btf: BTF
    /// Holds `btf` as a base.
    public init(_ btf: BTF) { self.btf = btf }
}

/// A parsed BTF blob: vmlinux, a kernel module's split BTF on top of vmlinux, or an object's `.BTF`.
///
/// `init` walks the type section once to record where each type starts and to reject what cannot be
/// walked (truncated records, unknown kinds); it decodes nothing. Types are decoded when asked for,
/// so a lookup in the 5 MB vmlinux BTF touches only what it reads. `validate()` adds the checks an
/// untrusted object's BTF needs (string offsets, type ids, reference cycles).
public struct BTF {
    /// The blob's header, as parsed.
    public let header: BTFHeader
    /// The type section (`type_off`, `type_len` after the header): a view into the blob, not a copy.
    public let typeSection: ByteView
    /// This blob's own strings (`str_off`, `str_len`); for split BTF, string offsets below
    /// `firstStringOffset` are in the base's.
    public let stringSection: ByteView
    /// The BTF this one is split on (vmlinux for module BTF); nil for standalone BTF.
    public let base: BaseBTF?
    /// Offset of each own type's record in `typeSection`; own type `firstTypeID + i` is at `offsets[i]`.
    let offsets: [UInt32]
    /// Decoded large types, when this copy remembers them (`withTypeCache()`).
    let typeCache: BTFTypeCache?
    /// The names asked for at `init(_:base:lookingUp:)` and the own types that have them.
    public let nameMatches: BTFNameMatches?

    /// Byte order of the blob (`header.order`).
    public var order: ByteOrder { header.order }
    /// The first id defined by this blob: 1, or the base's type count for split BTF.
    public let firstTypeID: TypeID
    /// Number of ids, void included: valid ids are `0..<typeCount`.
    public var typeCount: Int { Int(firstTypeID) + offsets.count }
    /// String offsets below this belong to the base's string section.
    public let firstStringOffset: UInt32
    /// Ids defined by this blob itself.
    public var ownTypeIDs: Range<TypeID> { firstTypeID..<TypeID(typeCount) }

    /// Parses the header and indexes the type records of `blob`; pass `base` (vmlinux) for a module's
    /// split BTF.
    /// - Throws: `BTFError` for a bad magic, version or `hdr_len`, a section outside the blob, a
    ///   misaligned type section, strings not NUL-terminated (or, without `base`, not starting
    ///   with ""), or a truncated or unknown-kind type record.
    public init(_ blob: ByteView, base: BTF? = nil) throws(BTFError) {
        try self.init(blob, base: base, lookingUp: nil)
    }

    /// The same, and the own types named `names` found in the same walk over the type headers that
    /// indexes them (`nameMatches`): what `ownTypeIDs(exact:essential:)` would return, for the
    /// cost of a two-byte test per record instead of a second walk over the 5 MB of vmlinux BTF.
    public init(_ blob: ByteView, base: BTF? = nil, lookingUp names: BTFNameQuery?) throws(BTFError) {
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
        firstTypeID = base.map { TypeID($0.typeCount) } ?? 1
        firstStringOffset = base.map { $0.firstStringOffset + UInt32($0.stringSection.count) } ?? 0
        typeCache = nil
        let firstID = base.map { TypeID($0.typeCount) } ?? 1
        guard let names, !names.isEmpty else {
            offsets = try BTF.index(typeSection, header.order, firstID: firstID)
            nameMatches = nil
            return
        }
        let set = NameSet(exact: names.exact, essential: names.essential)
        let (offsets, candidates) = try BTF.index(typeSection, header.order, firstID: firstID, strings: stringSection,
                                                  firstString: Int(firstStringOffset), names: set)
        self.offsets = offsets
        nameMatches = BTFNameMatches(query: names, ids: BTF.match(candidates, set, strings: stringSection, firstID: firstID))
    }

    private init(_ other: BTF, typeCache: BTFTypeCache?) {
        header = other.header
        typeSection = other.typeSection
        stringSection = other.stringSection
        base = other.base
        firstTypeID = other.firstTypeID
        firstStringOffset = other.firstStringOffset
        offsets = other.offsets
        nameMatches = other.nameMatches
        self.typeCache = typeCache
    }

    /// A copy that remembers the large types it decodes (structs, unions and enums with many
    /// members, decoded again and again when CO-RE matches thousands of relocations against
    /// `task_struct`). Results are the same; the cache is not synchronised, so keep the copy to
    /// one thread (planning makes one per `plan` call).
    public func withTypeCache() -> BTF {
        BTF(self, typeCache: BTFTypeCache())
    }

    /// One pass over the type section: record offsets, check each record fits and has a known kind.
    /// This walks every record of vmlinux (~127k) on each run, so it reads the info word with an
    /// unchecked load once the bounds are known and sizes records from a table, not a decode.
    private static func index(_ types: ByteView, _ order: ByteOrder, firstID: TypeID) throws(BTFError) -> [UInt32] {
        guard let base = types.base else { return [] }
        var failure: BTFError? = nil
        // Every record is at least 12 bytes: that bounds the number of records. The capacity past
        // what is used is never touched, so it costs address space, not memory.
        let offsets = [UInt32](unsafeUninitializedCapacity: types.count / 12 + 1) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            initialized = BTF.recordSizeTable.withUnsafeBufferPointer { table in
                order == ByteOrder.host
                    ? walkRecords(base, types.count, firstID, table.baseAddress!, out, &failure, NativeOrder.self)
                    : walkRecords(base, types.count, firstID, table.baseAddress!, out, &failure, SwappedOrder.self)
            }
        }
        if let failure { throw failure }
        return offsets
    }

    /// The index walk that also collects the records whose name passes `names`' two-byte filter
    /// (as `filterNames` does in a walk of its own). Only a blob in the host's order (vmlinux and
    /// its modules always are) gets the combined walk; a byte-swapped one is indexed, then
    /// filtered in a second pass. One instance of the combined loop also keeps the linker's
    /// machine outliner from moving its record sizing and name test into calls shared with a
    /// twin, which cost a sixth of a pin's time.
    private static func index(_ types: ByteView, _ order: ByteOrder, firstID: TypeID, strings: ByteView, firstString: Int,
                              names: NameSet) throws(BTFError) -> ([UInt32], [(index: UInt32, local: UInt32)]) {
        guard order == ByteOrder.host, let base = types.base, let stringBase = strings.base else {
            let offsets = try index(types, order, firstID: firstID)
            guard let typeBase = types.base, let stringBase = strings.base else { return (offsets, []) }
            let candidates = offsets.withUnsafeBufferPointer { records in
                names.filter.withUnsafeBufferPointer { filter in
                    order == ByteOrder.host
                        ? filterNames(records, typeBase, stringBase, strings.count, firstString, filter, names.wantsEmpty, NativeOrder.self)
                        : filterNames(records, typeBase, stringBase, strings.count, firstString, filter, names.wantsEmpty, SwappedOrder.self)
                }
            }
            return (offsets, candidates)
        }
        var failure: BTFError? = nil
        var candidates: [(index: UInt32, local: UInt32)] = []
        let offsets = [UInt32](unsafeUninitializedCapacity: types.count / 12 + 1) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            initialized = BTF.recordSizeTable.withUnsafeBufferPointer { table in
                names.filter.withUnsafeBufferPointer { filter in
                    let scan = NameFilter(strings: stringBase, count: strings.count, first: firstString,
                                          bits: filter.baseAddress!, wantsEmpty: names.wantsEmpty)
                    return walkRecords(base, types.count, firstID, table.baseAddress!, out, &failure, scan, &candidates)
                }
            }
        }
        if let failure { throw failure }
        return (offsets, candidates)
    }

    /// `walkRecords` plus the name filter on each record's name offset (its first word), for a
    /// blob in the host's order.
    @inline(never)
    private static func walkRecords(_ base: UnsafeRawPointer, _ count: Int, _ firstID: TypeID,
                                    _ table: UnsafePointer<UInt32>, _ out: UnsafeMutablePointer<UInt32>,
                                    _ failure: inout BTFError?, _ scan: NameFilter,
                                    _ candidates: inout [(index: UInt32, local: UInt32)]) -> Int {
        var at = 0
        var n = 0
        while at < count {
            guard count &- at >= 8 else {
                failure = .truncatedType(id: firstID &+ TypeID(truncatingIfNeeded: n), offset: at)
                break
            }
            let info = NativeOrder.load(base, UInt32(truncatingIfNeeded: at &+ 4))
            let sizes = table[Int(info >> 24) & 0x1f]
            let size = Int(sizes & 0xffff) &+ Int(sizes >> 16) &* Int(info & 0xffff)
            guard size > 0, size <= count &- at else {
                let id = firstID &+ TypeID(truncatingIfNeeded: n)
                failure = size == 0 ? .unknownKind(id: id, kind: UInt8((info >> 24) & 0x1f)) : .truncatedType(id: id, offset: at)
                break
            }
            out[n] = UInt32(truncatingIfNeeded: at)
            if let local = scan.passes(NativeOrder.load(base, UInt32(truncatingIfNeeded: at))) {
                candidates.append((UInt32(truncatingIfNeeded: n), local))
            }
            n &+= 1
            at &+= size
        }
        return n
    }

    /// The walk itself: writes each record's offset to `out`, returns how many; stops at the first
    /// record that does not fit or has an unknown kind, and says why in `failure`. The same loop
    /// as the filtering walk above without the name test, which would read a string for every
    /// named record: kept as two loops because each is the whole cost of opening a BTF.
    @inline(never)
    private static func walkRecords<Order: LoadOrder>(_ base: UnsafeRawPointer, _ count: Int, _ firstID: TypeID,
                                                      _ table: UnsafePointer<UInt32>, _ out: UnsafeMutablePointer<UInt32>,
                                                      _ failure: inout BTFError?, _: Order.Type) -> Int {
        var at = 0
        var n = 0
        while at < count {
            guard count &- at >= 8 else {
                failure = .truncatedType(id: firstID &+ TypeID(truncatingIfNeeded: n), offset: at)
                break
            }
            let info = Order.load(base, UInt32(truncatingIfNeeded: at &+ 4))
            let sizes = table[Int(info >> 24) & 0x1f]
            let size = Int(sizes & 0xffff) &+ Int(sizes >> 16) &* Int(info & 0xffff)
            guard size > 0, size <= count &- at else {
                let id = firstID &+ TypeID(truncatingIfNeeded: n)
                failure = size == 0 ? .unknownKind(id: id, kind: UInt8((info >> 24) & 0x1f)) : .truncatedType(id: id, offset: at)
                break
            }
            out[n] = UInt32(truncatingIfNeeded: at)
            n &+= 1
            at &+= size
        }
        return n
    }

    /// Record size of each raw kind number, packed: the fixed part in the low 16 bits (0 for a
    /// kind the kernel does not define), the size of each of the vlen entries in the high 16.
    /// Must agree with `BTFKind.trailingSize`.
    static let recordSizeTable: [UInt32] = (0..<32).map { raw in
        guard let kind = BTFKind(rawValue: UInt8(raw)) else { return 0 }
        let fixed = 12 + kind.trailingSize(vlen: 0)
        let perEntry = kind.trailingSize(vlen: 1) - kind.trailingSize(vlen: 0)
        return UInt32(fixed) | UInt32(perEntry) << 16
    }

    // MARK: - Types

    /// The type with this id (id 0 is void). Decodes one record.
    public func type(_ id: TypeID) throws(BTFError) -> BTFType {
        if id == 0 { return BTFType(nameOffset: 0, body: .void) }
        if id < firstTypeID, let base { return try base.btf.type(id) }
        let index = Int(id) - Int(firstTypeID)
        guard index >= 0, index < offsets.count else { throw .noSuchType(id) }
        let offset = Int(offsets[index])
        guard let typeCache else { return try BTFType.decode(typeSection, at: offset, id: id, order) }
        if let known = typeCache.types[id] { return known }
        let type = try BTFType.decode(typeSection, at: offset, id: id, order)
        // Small records decode faster than a dictionary lookup: remember only the large ones.
        let next = index + 1 < offsets.count ? Int(offsets[index + 1]) : typeSection.count
        if next - offset >= BTFTypeCache.minimumRecordSize { typeCache.types[id] = type }
        return type
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
        guard !names.isEmpty else { return [[UInt32]](repeating: [], count: names.count) }
        return ownStringOffsets(exact: names, essential: []).exact
    }

    /// Every own string that starts with `prefix`, with its offset (one pass over the strings).
    public func ownStrings(withPrefix prefix: String) -> [(offset: UInt32, text: String)] {
        var found: [(offset: UInt32, text: String)] = []
        guard let base = stringSection.base else { return found }
        let count = stringSection.count
        let first = firstStringOffset
        let wanted = Array(prefix.utf8)
        wanted.withUnsafeBufferPointer { wanted in
            var at = 0
            while at < count {
                guard let hit = memchr(base + at, 0, count - at) else { break }
                let end = UnsafeRawPointer(hit) - base
                if end - at >= wanted.count,
                   wanted.isEmpty || (base.load(fromByteOffset: at, as: UInt8.self) == wanted[0]
                                      && memcmp(base + at, wanted.baseAddress!, wanted.count) == 0) {
                    let text = String(decoding: UnsafeRawBufferPointer(start: base + at, count: end - at), as: UTF8.self)
                    found.append((UInt32(truncatingIfNeeded: at) &+ first, text))
                }
                at = end + 1
            }
        }
        return found
    }

    /// Own types (not the base's) whose name offset is one of `nameOffsets`, optionally of one kind.
    public func ownTypeIDs(nameOffsets: Set<UInt32>, kind: BTFKind? = nil) -> [TypeID] {
        guard !nameOffsets.isEmpty else { return [] }
        let found = ownTypeIDs(groupedBy: [Array(nameOffsets)])[0]
        guard let kind else { return found }
        return found.filter { self.kind(of: $0) == kind }
    }

    /// Types named `name` (of `kind`, if given), in this blob and its base.
    public func typeIDs(named name: String, kind: BTFKind? = nil) -> [TypeID] {
        var found = base?.btf.typeIDs(named: name, kind: kind) ?? []
        let own = ownTypeIDs(exact: [name], essential: []).exact[0]
        found += kind.map { kind in own.filter { self.kind(of: $0) == kind } } ?? own
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

/// Decoded types of one BTF copy (see `BTF.withTypeCache()`).
final class BTFTypeCache {
    /// Records this long (a struct with 6 members and up) are worth remembering.
    static let minimumRecordSize = 84
    var types: [TypeID: BTFType] = [:]

    init() {}
}
