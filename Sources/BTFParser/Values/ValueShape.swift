import Bytes

/// What a type is to its values, typedefs and qualifiers looked through: the one classification
/// decoding, parsing text and resolving paths all use, so they agree on what a `char`, a `bool`
/// or a bitfield is.
enum ValueShape {
    /// An INT that is neither bool nor char. `bitOffset` and `bits` are the INT's own (BTF_INT_OFFSET,
    /// BTF_INT_BITS): old-style bitfields keep them narrower than `size`.
    case integer(size: Int, signed: Bool, bitOffset: Int, bits: Int)
    /// BTF_INT_BOOL.
    case bool(size: Int)
    /// A 1-byte INT that is a character: BTF_INT_CHAR, or named `char` (clang marks none CHAR).
    /// `signed char` and `unsigned char` (`__s8`, `__u8`) are small integers, not characters.
    case char(signed: Bool)
    /// ENUM or ENUM64.
    case enumeration(size: Int, signed: Bool, values: [BTFEnumValue])
    /// A pointer: an 8-byte address on BPF.
    case pointer
    /// FLOAT.
    case float(size: Int)
    case array(element: TypeID, count: UInt32)
    /// STRUCT or UNION.
    case record(members: [BTFMember], size: Int, isUnion: Bool)
    /// A kind with no value: void, a forward declaration, a function, a VAR or DATASEC.
    case none(BTFKind)
}

extension BTF {
    /// The shape of `id`'s values.
    func shape(of id: TypeID) throws(BTFError) -> ValueShape {
        let (resolved, type) = try skipModsAndTypedefs(id)
        switch type.body {
        case let .int(size, encoding, bitOffset, bits):
            if encoding.contains(.bool) { return .bool(size: Int(size)) }
            if size == 1 && (encoding.contains(.char) || name(of: resolved) == "char") {
                return .char(signed: encoding.contains(.signed))
            }
            return .integer(size: Int(size), signed: encoding.contains(.signed), bitOffset: Int(bitOffset), bits: Int(bits))
        case let .enumeration(size, signed, values), let .enum64(size, signed, values):
            return .enumeration(size: Int(size), signed: signed, values: values)
        case .pointer:
            return .pointer
        case let .float(size):
            return .float(size: Int(size))
        case let .array(element, _, count):
            return .array(element: element, count: count)
        case let .structure(size, members, _):
            return .record(members: members, size: Int(size), isUnion: false)
        case let .union(size, members, _):
            return .record(members: members, size: Int(size), isUnion: true)
        case .void, .forward, .function, .functionProto, .variable, .dataSection, .declTag, .typedef, .const,
            .volatile, .restrict, .typeTag:
            return .none(type.kind)
        }
    }

    /// Whether `id` is an array of characters, which holds a string.
    func isString(_ id: TypeID) throws(BTFError) -> Bool {
        guard case let .array(element, _) = try shape(of: id), case .char = try shape(of: element) else { return false }
        return true
    }
}

/// An enumerator's value as a number of its enum's width and signedness: BTF widens ENUM values
/// to 64 bits and stores ENUM64 ones as bit patterns; bytes read from memory are `size` wide.
/// Both become this, so they compare.
func enumeratorValue(_ pattern: UInt64, size: Int, signed: Bool) -> Int128 {
    // Shifting the low `size` bytes to the top and back extends them: with the sign as an Int64.
    let shift = UInt64(64 - min(max(size, 1), 8) * 8)
    return signed ? Int128(Int64(bitPattern: pattern << shift) >> shift) : Int128((pattern << shift) >> shift)
}

/// Whole bytes and bit ranges of a buffer as unsigned numbers, in a byte order. Bitfields follow
/// the kernel's btf_bitfield_show: the field's bits are counted from the first byte's least
/// significant bit on a little-endian target and from its most significant bit on a big-endian
/// one, so the bytes that hold a field read as one number and the field is a shift and a mask.
enum RawBits {
    /// The widest bitfield read or written here (C allows up to the type's width; kernel BTF has
    /// none wider than 64).
    static let maximumBitfield = 64

    /// `count` bytes (1 to 16) at `offset` as an unsigned number; nil if they are not all there.
    static func load(_ bytes: ByteView, at offset: Int, count: Int, _ order: ByteOrder) -> UInt128? {
        guard count > 0, count <= 16, bytes.contains(offset: offset, length: count) else { return nil }
        var value: UInt128 = 0
        for i in 0..<count {
            let byte = UInt128(bytes.u8(at: offset + i) ?? 0)
            switch order {
            case .little: value |= byte << (8 * i)
            case .big: value = value << 8 | byte
            }
        }
        return value
    }

    /// The low `count` bytes (1 to 16) of `value`, in `order`.
    static func store(_ value: UInt128, count: Int, _ order: ByteOrder) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * i))
            out[order == .little ? i : count - 1 - i] = byte
        }
        return out
    }

    /// How many bytes from `bitOffset`'s byte hold `bits` bits, and how far the field sits from
    /// the least significant bit of those bytes read as one number.
    static func span(bitOffset: Int, bits: Int, _ order: ByteOrder) -> (count: Int, shift: Int) {
        let within = bitOffset % 8
        let count = (within + bits + 7) / 8
        return (count, order == .little ? within : count * 8 - within - bits)
    }

    /// The `bits`-wide field (at most `maximumBitfield`) starting `bitOffset` bits into `bytes`.
    static func field(_ bytes: ByteView, bitOffset: Int, bits: Int, _ order: ByteOrder) -> UInt64? {
        guard bits > 0, bits <= maximumBitfield, bitOffset >= 0 else { return nil }
        let (count, shift) = span(bitOffset: bitOffset, bits: bits, order)
        guard let raw = load(bytes, at: bitOffset / 8, count: count, order) else { return nil }
        return UInt64(truncatingIfNeeded: (raw >> shift) & mask(bits))
    }

    /// All ones in the low `bits` bits (at most 128).
    static func mask(_ bits: Int) -> UInt128 {
        bits >= 128 ? UInt128.max : (UInt128(1) << bits) - 1
    }
}
