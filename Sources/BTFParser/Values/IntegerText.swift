/// A whole number as text: decimal, `0x` hex, `0o` octal or `0b` binary, after an optional `-`.
/// Whether it fits a type is for the caller, which knows the width and the signedness.
struct IntegerText {
    /// A `-` came first.
    let negative: Bool
    /// The digits' value; `UInt128.max` when `overflowed`.
    let magnitude: UInt128
    /// More than 128 bits of digits: out of any type's range.
    let overflowed: Bool

    /// Nil when `text` is not a number in one of the four notations.
    init?(_ text: String) {
        var digits = Substring(text)
        negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        var radix: UInt128 = 10
        for (prefix, base) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] as [(String, UInt128)]
        where digits.hasPrefix(prefix) {
            radix = base
            digits = digits.dropFirst(2)
            break
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt128 = 0
        var overflowed = false
        for byte in digits.utf8 {
            guard let digit = IntegerText.digit(byte), digit < radix else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            overflowed = overflowed || o1 || o2
            value = sum
        }
        self.overflowed = overflowed
        magnitude = overflowed ? .max : value
    }

    /// The two's complement bit pattern of this number in `bits` bits (1 to 128), or nil when it
    /// is outside the range of that width and signedness (a `-` is refused for unsigned types).
    func pattern(bits: Int, signed: Bool) -> UInt128? {
        guard !overflowed else { return nil }
        let range = IntegerRange(bits: bits, signed: signed)
        if negative {
            guard signed, magnitude <= range.lowestMagnitude else { return nil }
            return (~magnitude &+ 1) & RawBits.mask(bits)
        }
        return magnitude <= range.highest ? magnitude : nil
    }

    private static func digit(_ byte: UInt8) -> UInt128? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt128(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt128(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt128(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}

/// The values an integer of `bits` bits holds, for range checks and the messages that state them.
struct IntegerRange: CustomStringConvertible {
    let bits: Int
    let signed: Bool

    /// The largest value.
    var highest: UInt128 { signed ? RawBits.mask(bits - 1) : RawBits.mask(bits) }
    /// The magnitude of the smallest value (0 for unsigned).
    var lowestMagnitude: UInt128 { signed ? RawBits.mask(bits - 1) + 1 : 0 }

    /// `value`'s two's complement bit pattern in `bits` bits, nil when out of range.
    func pattern(_ value: Int128) -> UInt128? {
        let fits = value < 0 ? signed && value.magnitude <= lowestMagnitude : UInt128(value) <= highest
        return fits ? UInt128(truncatingIfNeeded: value) & RawBits.mask(bits) : nil
    }

    /// `from -128 to 127`.
    var description: String {
        "from \(signed ? "-" : "")\(lowestMagnitude) to \(highest)"
    }
}
