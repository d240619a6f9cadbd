import Bytes
import CLinuxBPF

/// Name lookups in a large BTF (vmlinux: ~125k strings, ~127k types) without decoding it.
///
/// `ownTypeIDs(exact:essential:)` is the lookup planning uses: one walk over the type headers
/// that reads, for each named type, the first two bytes of its name and tests them against a
/// 65,536-bit table of the first two bytes of every wanted name; only the few types that pass are
/// compared in full. Asking for twenty names costs what asking for one does, so callers collect
/// every name a run needs and ask once.
///
/// `ownStringOffsets(exact:essential:)` finds where names start in the string section instead
/// (one pass from NUL to NUL), for callers that need string offsets rather than types.
extension BTF {
    /// Length of the CO-RE essential part of a name of `count` bytes read by `byte` (libbpf's
    /// `bpf_core_essential_name_len`): the name up to the last `___` that has a non-underscore on
    /// both sides, so `task_struct___old` → `task_struct` and `a____b`, `__x___` stay whole.
    @inline(__always)
    public static func essentialNameLength(count: Int, _ byte: (Int) -> UInt8) -> Int {
        let u = UInt8(ascii: "_")
        // The separator X___Y needs five bytes; search from the end so the last one wins.
        var i = count - 5
        while i >= 0 {
            if byte(i) != u, byte(i + 1) == u, byte(i + 2) == u, byte(i + 3) == u, byte(i + 4) != u {
                return i + 1
            }
            i -= 1
        }
        return count
    }

    /// One pass over this blob's own strings. `exact[i]`: offsets (in the combined string space)
    /// of the strings equal to `exact[i]`. `essential[i]`: offsets of the strings whose essential
    /// name is `essential[i]` (`task_struct` finds `task_struct` and `task_struct___2`; an empty
    /// name finds nothing). Offsets come in increasing order.
    public func ownStringOffsets(exact: [String], essential: [String]) -> (exact: [[UInt32]], essential: [[UInt32]]) {
        let names = NameSet(exact: exact, essential: essential)
        var results = [[UInt32]](repeating: [], count: names.names.count)
        if let base = stringSection.base, !names.names.isEmpty {
            let count = stringSection.count
            let first = firstStringOffset
            names.filter.withUnsafeBufferPointer { filter in
                var at = 0
                while at < count {
                    guard let hit = memchr(base + at, 0, count - at) else { break }
                    let end = UnsafeRawPointer(hit) - base
                    let length = end - at
                    let key = length == 0 ? 0 : Int(base.load(fromByteOffset: at, as: UInt8.self))
                        | Int(base.load(fromByteOffset: at + 1, as: UInt8.self)) << 8
                    if filter[key >> 6] & (1 << UInt64(key & 63)) != 0,
                       length == 0 || at &+ 8 > count || names.mayMatch(base, at: at) {
                        let offset = UInt32(truncatingIfNeeded: at) &+ first
                        names.forEachMatch(base, at: at, length: length) { results[$0].append(offset) }
                    }
                    at = end + 1
                }
            }
        }
        return (Array(results[0..<exact.count]), Array(results[exact.count...]))
    }

    /// One walk over this blob's own type headers. `exact[i]`: ids of the own types whose name (a
    /// string of this blob's own string section) equals `exact[i]`; `essential[i]`: those whose
    /// name has the essential name `essential[i]`. In id order. The same as looking up the
    /// string offsets (`ownStringOffsets`) and then the types that use them, without reading the
    /// string section from end to end.
    public func ownTypeIDs(exact: [String], essential: [String]) -> (exact: [[TypeID]], essential: [[TypeID]]) {
        let names = NameSet(exact: exact, essential: essential)
        var results = [[TypeID]](repeating: [], count: names.names.count)
        guard let strings = stringSection.base, let types = typeSection.base, !names.names.isEmpty else {
            return (Array(results[0..<exact.count]), Array(results[exact.count...]))
        }
        let count = stringSection.count
        let first = Int(firstStringOffset)
        let firstID = firstTypeID
        // First the walk, which only collects the types whose name passes the two-byte filter
        // (a few thousand of vmlinux's 127k); then the full test of those.
        let candidates = offsets.withUnsafeBufferPointer { records in
            names.filter.withUnsafeBufferPointer { filter in
                order == ByteOrder.host
                    ? BTF.filterNames(records, types, strings, count, first, filter, names.wantsEmpty, NativeOrder.self)
                    : BTF.filterNames(records, types, strings, count, first, filter, names.wantsEmpty, SwappedOrder.self)
            }
        }
        results = BTF.match(candidates, names, strings: stringSection, firstID: firstID)
        return (Array(results[0..<exact.count]), Array(results[exact.count...]))
    }

    /// The full test of the records whose name passed the two-byte filter: for each wanted name
    /// (exact ones first), the ids of the types it matches, in id order.
    static func match(_ candidates: [(index: UInt32, local: UInt32)], _ names: NameSet, strings stringSection: ByteView,
                      firstID: TypeID) -> [[TypeID]] {
        var results = [[TypeID]](repeating: [], count: names.names.count)
        guard let strings = stringSection.base else { return results }
        let count = stringSection.count
        for candidate in candidates {
            let index = Int(candidate.index)
            let local = Int(candidate.local)
            guard local &+ 8 > count || strings.load(fromByteOffset: local, as: UInt8.self) == 0
                    || names.mayMatch(strings, at: local) else { continue }
            // Only a name that starts a string counts (what a pass over the strings finds).
            guard local == 0 || strings.load(fromByteOffset: local - 1, as: UInt8.self) == 0 else { continue }
            // The section ends with a NUL (checked by init), so memchr finds one.
            guard let end = memchr(strings + local, 0, count - local) else { continue }
            let length = UnsafeRawPointer(end) - (strings + local)
            let id = firstID &+ TypeID(truncatingIfNeeded: index)
            names.forEachMatch(strings, at: local, length: length) { results[$0].append(id) }
        }
        return results
    }

    /// One walk over this blob's own type headers: for each group of name offsets, the ids of
    /// the own types whose name offset is in the group, in id order. An offset listed in several
    /// groups counts for each.
    public func ownTypeIDs(groupedBy groups: [[UInt32]]) -> [[TypeID]] {
        var result = [[TypeID]](repeating: [], count: groups.count)
        var pairs: [(offset: UInt32, group: Int)] = []
        for (group, offsets) in groups.enumerated() {
            for offset in offsets { pairs.append((offset, group)) }
        }
        guard !pairs.isEmpty, let types = typeSection.base else { return result }
        let matcher = OffsetMatcher(pairs.map { $0.offset })
        // Groups of each matcher slot (its sorted, distinct offsets).
        var groupsOf = [[Int]](repeating: [], count: matcher.sorted.count)
        for pair in pairs {
            if let slot = matcher.slot(of: pair.offset), !groupsOf[slot].contains(pair.group) {
                groupsOf[slot].append(pair.group)
            }
        }
        let swap = order != ByteOrder.host
        let firstID = firstTypeID
        offsets.withUnsafeBufferPointer { records in
            for index in 0..<records.count {
                let raw = types.loadUnaligned(fromByteOffset: Int(records[index]), as: UInt32.self)
                guard let slot = matcher.slot(of: swap ? raw.byteSwapped : raw) else { continue }
                for group in groupsOf[slot] { result[group].append(firstID &+ TypeID(truncatingIfNeeded: index)) }
            }
        }
        return result
    }
}

/// Names to find while a BTF blob is indexed (`BTF.init(_:base:lookingUp:)`): exact names, and
/// CO-RE essential names (`task_struct` finds `task_struct___2` too).
public struct BTFNameQuery: Sendable, Equatable {
    /// Names matched whole.
    public var exact: [String]
    /// Names matched by their essential part.
    public var essential: [String]

    /// A query for these names.
    public init(exact: [String] = [], essential: [String] = []) {
        self.exact = exact
        self.essential = essential
    }

    /// Nothing asked for.
    public var isEmpty: Bool { exact.isEmpty && essential.isEmpty }
}

/// What `BTFNameQuery` found: the own type ids of each name, in id order.
public struct BTFNameMatches: Sendable {
    /// The names asked for.
    public let query: BTFNameQuery
    /// `exact[i]`: the types named `query.exact[i]`.
    public let exact: [[TypeID]]
    /// `essential[i]`: the types whose essential name is `query.essential[i]`.
    public let essential: [[TypeID]]

    init(query: BTFNameQuery, ids: [[TypeID]]) {
        self.query = query
        exact = Array(ids[0..<query.exact.count])
        essential = Array(ids[query.exact.count...])
    }
}

/// The two-byte name test of `filterNames`, for one record at a time (the indexing walk).
struct NameFilter {
    let strings: UnsafeRawPointer
    let count: Int
    let first: Int
    let bits: UnsafePointer<UInt64>
    let wantsEmpty: Bool

    /// The name's offset in the own string section when the record named by `nameOffset` passes.
    @inline(__always)
    func passes(_ nameOffset: UInt32) -> UInt32? {
        let local = Int(nameOffset) &- first
        guard UInt(bitPattern: local) < UInt(bitPattern: count) else { return nil }
        let b0 = strings.load(fromByteOffset: local, as: UInt8.self)
        guard b0 != 0 else { return wantsEmpty ? UInt32(truncatingIfNeeded: local) : nil }
        let key = Int(b0) | Int(strings.load(fromByteOffset: local &+ 1, as: UInt8.self)) << 8
        return bits[key >> 6] & (1 << UInt64(key & 63)) != 0 ? UInt32(truncatingIfNeeded: local) : nil
    }
}

extension BTF {
    /// The own types (by index) whose name's first two bytes pass `filter`, with the name's offset
    /// in the own string section; every type with an empty name too when `wantsEmpty`. `init`
    /// checked that every record lies in the type section and that the string section ends with
    /// a NUL, so the unchecked loads stay inside: a name at `local < count` whose first byte is
    /// not NUL has a second byte before that final NUL. Kept small so the loop stays in registers.
    @inline(never)
    static func filterNames<Order: LoadOrder>(_ records: UnsafeBufferPointer<UInt32>, _ types: UnsafeRawPointer,
                                              _ strings: UnsafeRawPointer, _ count: Int, _ first: Int,
                                              _ filter: UnsafeBufferPointer<UInt64>, _ wantsEmpty: Bool,
                                              _: Order.Type) -> [(index: UInt32, local: UInt32)] {
        var found: [(index: UInt32, local: UInt32)] = []
        guard let base = records.baseAddress, let bits = filter.baseAddress else { return found }
        let total = records.count
        let limit = UInt(bitPattern: count)
        var index = 0
        while index < total {
            let local = Int(Order.load(types, base[index])) &- first
            if UInt(bitPattern: local) < limit {
                let b0 = strings.load(fromByteOffset: local, as: UInt8.self)
                if b0 != 0 {
                    let key = Int(b0) | Int(strings.load(fromByteOffset: local &+ 1, as: UInt8.self)) << 8
                    if bits[key >> 6] & (1 << UInt64(key & 63)) != 0 {
                        found.append((UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: local)))
                    }
                } else if wantsEmpty {
                    found.append((UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: local)))
                }
            }
            index &+= 1
        }
        return found
    }
}

/// How a 32-bit field of a BTF record is read: as stored (the blob's order is the host's) or
/// byte-swapped. A type parameter rather than a flag, so each walk is compiled for one of them.
protocol LoadOrder {
    static func load(_ base: UnsafeRawPointer, _ offset: UInt32) -> UInt32
}

enum NativeOrder: LoadOrder {
    @inline(__always)
    static func load(_ base: UnsafeRawPointer, _ offset: UInt32) -> UInt32 {
        base.loadUnaligned(fromByteOffset: Int(offset), as: UInt32.self)
    }
}

enum SwappedOrder: LoadOrder {
    @inline(__always)
    static func load(_ base: UnsafeRawPointer, _ offset: UInt32) -> UInt32 {
        base.loadUnaligned(fromByteOffset: Int(offset), as: UInt32.self).byteSwapped
    }
}

/// A set of string offsets tested a hundred thousand times a pass: a 4096-bit filter first (one
/// load, almost always a miss), then a binary search of the few offsets wanted.
struct OffsetMatcher {
    let sorted: [UInt32]
    private var filter = [UInt64](repeating: 0, count: 64)

    init(_ offsets: [UInt32]) {
        var unique = offsets.sorted()
        var kept = 0
        for value in unique where kept == 0 || unique[kept - 1] != value {
            unique[kept] = value
            kept += 1
        }
        unique.removeLast(unique.count - kept)
        sorted = unique
        for value in sorted {
            let bit = OffsetMatcher.bit(value)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    @inline(__always)
    static func bit(_ value: UInt32) -> Int { Int((value ^ (value >> 12)) & 4095) }

    /// Index of `value` in `sorted`, or nil.
    @inline(__always)
    func slot(of value: UInt32) -> Int? {
        let bit = OffsetMatcher.bit(value)
        guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0 else { return nil }
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == value ? low : nil
    }
}

/// Wanted names, prepared for testing a string in a few instructions.
struct NameSet {
    /// Exact names first, then essential ones; match `i` reports index `i`.
    let names: [[UInt8]]
    let exactCount: Int
    /// Names by length (`byLength[n]`: every name of `n` bytes, exact or essential).
    var byLength: [[Int]]
    /// Distinct lengths of essential names, increasing, and the names of each.
    var essentialLengths: [Int] = []
    var essentialGroups: [[Int]] = []
    /// The first two bytes (the second is 0 for a one-byte string) that some wanted name's
    /// strings can start with: 65,536 bits. Most strings fail this test and cost nothing more.
    var filter = [UInt64](repeating: 0, count: 1024)
    /// An exact empty name is wanted: it matches empty strings (an essential one matches nothing).
    var wantsEmpty = false
    /// The first (up to) eight bytes of each name, as `mask` and `value` of an unaligned 8-byte
    /// load: a string that matches some name has `load & mask == value` for it. The second test
    /// after `filter`, before finding the string's end.
    var prefixes: [(mask: UInt64, value: UInt64)] = []
    /// With many names (a thousand ksyms), a string is compared only with the names of the same
    /// hash: whole names by the hash of the whole name, essential ones also by that of their
    /// prefix. Without, with the few names of each length.
    var byHash: [UInt64: [Int]]? = nil
    static let hashedAbove = 16
    /// The most prefixes `mayMatch` tests; with more, `prefixes` holds one more than this.
    static let prefixTestLimit = 8

    init(exact: [String], essential: [String]) {
        var names: [[UInt8]] = []
        for name in exact { names.append(Array(name.utf8)) }
        for name in essential { names.append(Array(name.utf8)) }
        self.names = names
        exactCount = exact.count
        var longest = 0
        for name in names { longest = max(longest, name.count) }
        byLength = [[Int]](repeating: [], count: longest + 1)
        var essentialByLength = [[Int]](repeating: [], count: longest + 1)
        for (i, name) in names.enumerated() {
            let isEssential = i >= exactCount
            if name.isEmpty {
                if !isEssential {
                    byLength[0].append(i)
                    wantsEmpty = true
                    mark(0, 0)
                }
                continue
            }
            byLength[name.count].append(i)
            mark(name[0], name.count > 1 ? name[1] : 0)
            if isEssential {
                essentialByLength[name.count].append(i)
                if name.count == 1 { mark(name[0], UInt8(ascii: "_")) }
            }
        }
        for (length, group) in essentialByLength.enumerated() where !group.isEmpty {
            essentialLengths.append(length)
            essentialGroups.append(group)
        }
        if names.count > NameSet.hashedAbove {
            var table: [UInt64: [Int]] = [:]
            for (i, name) in names.enumerated() where !name.isEmpty {
                let hash = name.withUnsafeBytes { NameSet.hash($0.baseAddress!, name.count) }
                table[hash, default: []].append(i)
            }
            byHash = table
        }
        // Past `prefixTestLimit` distinct prefixes `mayMatch` is skipped, so collecting more would
        // only cost a search of those found per name: names × names for thousands of ksyms.
        for name in names where !name.isEmpty && prefixes.count <= NameSet.prefixTestLimit {
            var bytes = [UInt8](repeating: 0, count: 8)
            var ones = [UInt8](repeating: 0, count: 8)
            for k in 0..<min(name.count, 8) {
                bytes[k] = name[k]
                ones[k] = 0xff
            }
            let value = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let mask = ones.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            if !prefixes.contains(where: { $0.mask == mask && $0.value == value }) { prefixes.append((mask, value)) }
        }
    }

    /// False when the string at `base + at` cannot match any name: its first eight bytes (all
    /// inside the section, `at + 8 <= count`) start no name. Callers test `filter` first.
    @inline(__always)
    func mayMatch(_ base: UnsafeRawPointer, at: Int) -> Bool {
        // Past a few prefixes the hash lookup that follows is the cheaper test.
        guard prefixes.count <= NameSet.prefixTestLimit else { return true }
        let word = base.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        for prefix in prefixes where word & prefix.mask == prefix.value { return true }
        return false
    }

    private mutating func mark(_ first: UInt8, _ second: UInt8) {
        let key = Int(first) | Int(second) << 8
        filter[key >> 6] |= 1 << UInt64(key & 63)
    }

    /// Calls `found(i)` for every wanted name `i` that the string of `length` bytes at `base + at`
    /// (followed by its NUL) matches.
    @inline(__always)
    func forEachMatch(_ base: UnsafeRawPointer, at: Int, length: Int, _ found: (Int) -> Void) {
        @inline(__always) func byte(_ offset: Int) -> UInt8 { base.load(fromByteOffset: at + offset, as: UInt8.self) }
        func equal(_ name: [UInt8]) -> Bool {
            name.withUnsafeBufferPointer { memcmp(base + at, $0.baseAddress!, $0.count) == 0 }
        }
        if length < byLength.count {
            if length == 0 {
                for i in byLength[0] { found(i) }
            } else if let byHash {
                for i in byHash[NameSet.hash(base + at, length)] ?? [] where names[i].count == length && equal(names[i]) {
                    found(i)
                }
            } else {
                for i in byLength[length] where equal(names[i]) { found(i) }
            }
        }
        let u = UInt8(ascii: "_")
        for (li, l) in essentialLengths.enumerated() {
            if l &+ 4 > length { break }
            // A flavor separator right after the prefix; it counts only if it is the last one.
            guard byte(l) == u, byte(l + 1) == u, byte(l + 2) == u, byte(l - 1) != u, byte(l + 3) != u,
                  BTF.essentialNameLength(count: length, { byte($0) }) == l
            else { continue }
            if let byHash {
                for i in byHash[NameSet.hash(base + at, l)] ?? [] where i >= exactCount && names[i].count == l && equal(names[i]) {
                    found(i)
                }
            } else {
                for i in essentialGroups[li] where equal(names[i]) { found(i) }
            }
        }
    }

    /// FNV-1a over `count` bytes.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawPointer, _ count: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0..<count { hash = (hash ^ UInt64(bytes.load(fromByteOffset: k, as: UInt8.self))) &* 0x100_0000_01b3 }
        return hash
    }
}
