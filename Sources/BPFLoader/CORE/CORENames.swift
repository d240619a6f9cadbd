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
        BTF.essentialNameLength(count: count, byte)
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
    /// One pass over the string section (`ownStringOffsets(exact:essential:)`).
    func ownStringOffsets(ofEssentialNames names: [String]) -> [[UInt32]] {
        ownStringOffsets(exact: [], essential: names).essential
    }
}
