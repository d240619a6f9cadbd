import BTFParser
import Bytes

/// CO-RE "flavors": `task_struct___old` in a program stands for the kernel's `task_struct`. The
/// essential name is the name up to the last `___` that has a non-underscore on both sides (so
/// `a____b` and `__x___` keep their underscores), exactly libbpf's `bpf_core_essential_name_len`.
enum CORENames {
    static let underscore = UInt8(ascii: "_")

    /// Length of the essential part of `name`, given as a byte accessor of `count` bytes.
    @inline(__always)
    static func essentialLength(count: Int, _ byte: (Int) -> UInt8) -> Int {
        // The separator X___Y needs five bytes; search from the end so the last one wins.
        var i = count - 5
        while i >= 0 {
            if byte(i) != underscore, byte(i + 1) == underscore, byte(i + 2) == underscore,
               byte(i + 3) == underscore, byte(i + 4) != underscore {
                return i + 1
            }
            i -= 1
        }
        return count
    }

    static func essentialLength(_ name: [UInt8]) -> Int {
        essentialLength(count: name.count) { name[$0] }
    }

    /// `task_struct___old` → `task_struct`.
    static func essential(_ name: String) -> String {
        let bytes = Array(name.utf8)
        let length = essentialLength(bytes)
        if length == bytes.count { return name }
        return String(decoding: bytes[0..<length], as: UTF8.self)
    }

    /// True when two names are equal once flavors are dropped (libbpf compares essential parts).
    static func essentialNamesEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        let lx = essentialLength(x), ly = essentialLength(y)
        return lx == ly && x[0..<lx].elementsEqual(y[0..<ly])
    }
}

extension BTF {
    /// Offsets of this blob's own strings whose essential name is one of `names` (themselves
    /// essential names), grouped per name: `task_struct` finds `task_struct` and `task_struct___2`.
    ///
    /// One pass over the string section. A string is compared only when its length equals a wanted
    /// length, or when a `___` separator sits right after a wanted length; so the pass costs a few
    /// byte loads per string whatever the number of names.
    func ownStringOffsets(ofEssentialNames names: [String]) -> [[UInt32]] {
        var result = [[UInt32]](repeating: [], count: names.count)
        guard !names.isEmpty else { return result }
        let wanted = names.map { Array($0.utf8) }
        // Names by length, and the distinct lengths in increasing order.
        var byLength: [Int: [Int]] = [:]
        for (i, name) in wanted.enumerated() where !name.isEmpty { byLength[name.count, default: []].append(i) }
        let lengths = byLength.keys.sorted()
        let groups = lengths.map { byLength[$0] ?? [] }
        let strings = stringSection
        guard let base = strings.base, let shortest = lengths.first else { return result }
        let u = CORENames.underscore
        // Every index below lies before the NUL that memchr found inside the view, so unchecked
        // loads are in bounds; this loop runs over every string of vmlinux.
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        func prefixEquals(_ at: Int, _ name: [UInt8]) -> Bool {
            for (k, expected) in name.enumerated() where byte(at + k) != expected { return false }
            return true
        }

        var at = 0
        while at < strings.count {
            guard let end = strings.firstIndex(of: 0, from: at) else { break }
            let length = end - at
            if length >= shortest {
                for (li, l) in lengths.enumerated() {
                    if l > length { break }
                    if l == length {
                        // The whole string: equal to an essential name means it is that name.
                        for i in groups[li] where prefixEquals(at, wanted[i]) { result[i].append(UInt32(at) + firstStringOffset) }
                    } else if l + 4 <= length, byte(at + l) == u, byte(at + l + 1) == u, byte(at + l + 2) == u,
                              byte(at + l - 1) != u, byte(at + l + 3) != u {
                        // A flavor separator right after the prefix; it counts only if it is the last one.
                        let essential = CORENames.essentialLength(count: length) { byte(at + $0) }
                        guard essential == l else { continue }
                        for i in groups[li] where prefixEquals(at, wanted[i]) { result[i].append(UInt32(at) + firstStringOffset) }
                    }
                }
            }
            at = end + 1
        }
        return result
    }
}
