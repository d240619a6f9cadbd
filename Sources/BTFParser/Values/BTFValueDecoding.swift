import Bytes

/// Bytes to values. Everything about the bytes and the BTF is untrusted: every size is checked
/// against the bytes there are, nesting is bounded, and so is the number of values one decode
/// may produce (an array of a billion empty structs has no bytes to check).
extension BTF {
    /// Decodes the value of type `id` at the start of `bytes`, in this BTF's byte order (extra
    /// bytes are ignored).
    public func decodeValue(of id: TypeID, from bytes: ByteView) throws(BTFValueError) -> BTFValue {
        var decoder = ValueDecoder(btf: self, bytes: bytes)
        return try decoder.value(id, at: 0, depth: 0)
    }

    /// Decodes what `location` (from `locate`) names in `bytes`, the bytes of the type it was
    /// resolved in: a member, an element, a bitfield.
    public func decodeValue(at location: BTFLocation, in bytes: ByteView) throws(BTFValueError) -> BTFValue {
        var decoder = ValueDecoder(btf: self, bytes: bytes)
        // A location made by hand may lie anywhere: past the bytes it decodes as truncated.
        guard location.byteOffset >= 0, location.byteOffset <= min(bytes.count, BTFLocation.maximumOffset) else {
            throw .truncated(type: displayName(location), needed: 1, available: 0)
        }
        guard let bitfield = location.bitfield else { return try decoder.value(location.type, at: location.byteOffset, depth: 0) }
        guard (0..<8).contains(bitfield.bitOffset) else {
            throw .unsupported(type: displayName(location), reason: "a bitfield starting at bit \(bitfield.bitOffset) of its byte (0 to 7)")
        }
        return try decoder.bitfield(
            location.type, bitOffset: location.byteOffset * 8 + bitfield.bitOffset,
            bits: bitfield.bits, depth: 0)
    }
}

/// One decode: the bytes, and how many more values it may produce.
struct ValueDecoder {
    let btf: BTF
    let bytes: ByteView
    /// Values left to produce: 8 per byte (a bitfield can be 1 bit) and some for empty types.
    var budget: Int
    let limit: Int

    init(btf: BTF, bytes: ByteView) {
        self.btf = btf
        self.bytes = bytes
        limit = bytes.count * 8 + 4096
        budget = limit
    }

    /// The value of type `id` at byte `offset` of `bytes`.
    mutating func value(_ id: TypeID, at offset: Int, depth: Int) throws(BTFValueError) -> BTFValue {
        let shape = try start(id, depth: depth)
        if case .none = shape { throw .unsized(type: btf.displayName(id)) }
        let size: UInt64
        do { size = try btf.size(of: id) } catch { throw .btf(error) }
        let available = offset >= 0 && offset <= bytes.count ? bytes.count - offset : 0
        guard size <= UInt64(available) else { throw .truncated(type: btf.displayName(id), needed: size, available: available) }
        let width = Int(size)
        switch shape {
        case let .integer(intSize, _, bitOffset, bits) where bitOffset != 0 || bits != intSize * 8:
            // An old-style bitfield: the INT names its bits within its bytes.
            guard bits > 0, bitOffset + bits <= intSize * 8 else {
                throw .unsupported(type: btf.displayName(id), reason: "\(bits) bits at bit \(bitOffset) of a \(intSize)-byte INT")
            }
            return try bitfield(id, bitOffset: offset * 8 + bitOffset, bits: bits, depth: depth)
        case .integer, .bool, .char, .enumeration, .pointer:
            guard [1, 2, 4, 8, 16].contains(width), let raw = RawBits.load(bytes, at: offset, count: width, btf.order) else {
                throw .unsupported(type: btf.displayName(id), reason: "a whole number of \(width) bytes")
            }
            return scalar(raw, bits: width * 8, shape)
        case let .float(size):
            guard let raw = RawBits.load(bytes, at: offset, count: size, btf.order), let number = ValueDecoder.float(raw, size: size) else {
                throw .unsupported(type: btf.displayName(id), reason: "a FLOAT of \(size) bytes (2, 4 and 8 are)")
            }
            return .float(number)
        case let .array(element, count):
            return try array(element, count: Int(count), at: offset, depth: depth)
        case let .record(members, _, _):
            return try record(id, members: members, size: width, at: offset, depth: depth)
        case .none:
            throw .unsized(type: btf.displayName(id))
        }
    }

    /// The `bits`-wide field at bit `bitOffset` of `bytes`, holding a value of type `id`.
    mutating func bitfield(_ id: TypeID, bitOffset: Int, bits: Int, depth: Int) throws(BTFValueError) -> BTFValue {
        let shape = try start(id, depth: depth)
        switch shape {
        case .integer, .bool, .char, .enumeration: break
        case .pointer, .float, .array, .record, .none:
            throw .unsupported(type: btf.displayName(id), reason: "a bitfield must be an integer, bool, char or enum")
        }
        guard bits > 0, bits <= RawBits.maximumBitfield else {
            throw .unsupported(type: btf.displayName(id), reason: "a bitfield of \(bits) bits (at most \(RawBits.maximumBitfield))")
        }
        guard let raw = RawBits.field(bytes, bitOffset: bitOffset, bits: bits, btf.order) else {
            let available = max(0, bytes.count - bitOffset / 8)
            throw .truncated(type: btf.displayName(id), needed: UInt64((bitOffset % 8 + bits + 7) / 8), available: available)
        }
        return scalar(UInt128(raw), bits: bits, shape)
    }

    /// Counts one value against the budget and the depth, and classifies its type.
    private mutating func start(_ id: TypeID, depth: Int) throws(BTFValueError) -> ValueShape {
        guard depth <= BTF.maxResolveDepth else { throw .tooDeep(type: btf.displayName(id)) }
        budget -= 1
        guard budget >= 0 else { throw .tooLarge(type: btf.displayName(id), limit: limit) }
        do { return try btf.shape(of: id) } catch { throw .btf(error) }
    }

    private mutating func array(_ element: TypeID, count: Int, at offset: Int, depth: Int) throws(BTFValueError) -> BTFValue {
        let elementShape: ValueShape
        do { elementShape = try btf.shape(of: element) } catch { throw .btf(error) }
        if case .char = elementShape {
            // The caller checked the array's size against the bytes: `count` bytes are there.
            let all = bytes.bytes(offset: offset, length: count) ?? []
            return .string(BTFString(bytes: Array(all.prefix { $0 != 0 })))
        }
        let stride: UInt64
        do { stride = try btf.size(of: element) } catch { throw .btf(error) }
        var elements: [BTFValue] = []
        elements.reserveCapacity(min(count, budget))
        for i in 0..<count {
            elements.append(try value(element, at: offset + i * Int(stride), depth: depth + 1))
        }
        return .array(elements)
    }

    private mutating func record(
        _ id: TypeID, members: [BTFMember], size: Int, at offset: Int,
        depth: Int
    ) throws(BTFValueError) -> BTFValue {
        var fields: [BTFField] = []
        fields.reserveCapacity(members.count)
        for member in members {
            let name = btf.string(at: member.nameOffset)?.string ?? ""
            let at = UInt64(member.bitOffset)
            let value: BTFValue
            if member.bitfieldSize > 0 {
                try check(id, member: name, bitOffset: at, bits: UInt64(member.bitfieldSize), size: size)
                value = try bitfield(member.type, bitOffset: offset * 8 + Int(at), bits: Int(member.bitfieldSize), depth: depth + 1)
            } else if at % 8 == 0 {
                let memberSize: UInt64
                do { memberSize = try btf.size(of: member.type) } catch { throw .btf(error) }
                try check(id, member: name, bitOffset: at, bits: memberSize * 8, size: size)
                value = try self.value(member.type, at: offset + Int(at / 8), depth: depth + 1)
            } else {
                // Off a byte boundary without kind_flag: the member's INT says which bits it uses.
                let shape: ValueShape
                do { shape = try btf.shape(of: member.type) } catch { throw .btf(error) }
                guard case let .integer(_, _, intOffset, bits) = shape else {
                    throw .unsupported(type: btf.displayName(id), reason: "member '\(name)' starts at bit \(at), inside a byte")
                }
                let start = at + UInt64(intOffset)
                try check(id, member: name, bitOffset: start, bits: UInt64(bits), size: size)
                value = try bitfield(member.type, bitOffset: offset * 8 + Int(start), bits: bits, depth: depth + 1)
            }
            fields.append(BTFField(name: name, value: value))
        }
        return .record(fields)
    }

    /// A member must lie inside its struct: BTF says where, and BTF is input.
    private func check(_ id: TypeID, member: String, bitOffset: UInt64, bits: UInt64, size: Int) throws(BTFValueError) {
        let (end, overflow) = bitOffset.addingReportingOverflow(bits)
        guard !overflow, end <= UInt64(size) * 8 else {
            throw .memberOutside(
                type: btf.displayName(id), member: member.isEmpty ? "(anon)" : member,
                bitOffset: bitOffset, bits: bits, size: UInt64(size))
        }
    }

    /// A scalar from its `bits` low bits: signed ones sign-extended, enums named.
    func scalar(_ raw: UInt128, bits: Int, _ shape: ValueShape) -> BTFValue {
        switch shape {
        case let .integer(_, signed, _, _):
            if bits > 64 { return signed ? .int128(ValueDecoder.signExtended(raw, bits: bits)) : .uint128(raw) }
            return signed
                ? .int(Int64(truncatingIfNeeded: ValueDecoder.signExtended(raw, bits: bits)))
                : .uint(UInt64(truncatingIfNeeded: raw))
        case .bool:
            return .bool(raw != 0)
        case .char:
            return .char(UInt8(truncatingIfNeeded: raw))
        case let .enumeration(size, signed, values):
            let value = signed ? ValueDecoder.signExtended(raw, bits: bits) : Int128(truncatingIfNeeded: raw)
            let match = values.first { enumeratorValue(UInt64(bitPattern: $0.value), size: size, signed: signed) == value }
            return .enumerator(name: match.map { btf.string(at: $0.nameOffset)?.string ?? "" }, value: value)
        case .pointer:
            return .pointer(UInt64(truncatingIfNeeded: raw))
        case .float, .array, .record, .none:
            // Not reached: callers pass the shapes a bitfield or a whole-bytes scalar can have.
            return .uint(UInt64(truncatingIfNeeded: raw))
        }
    }

    /// `raw`'s low `bits` bits as a two's complement number.
    static func signExtended(_ raw: UInt128, bits: Int) -> Int128 {
        let shift = 128 - max(1, min(bits, 128))
        return Int128(bitPattern: raw << shift) >> shift
    }

    /// A FLOAT's bits as a Double: IEEE 754 half, single and double precision.
    static func float(_ raw: UInt128, size: Int) -> Double? {
        switch size {
        case 2:
            let bits = UInt16(truncatingIfNeeded: raw)
            let sign: FloatingPointSign = bits >> 15 == 1 ? .minus : .plus
            let exponent = Int(bits >> 10 & 0x1f)
            let fraction = Double(bits & 0x3ff)
            switch exponent {
            case 0: return Double(sign: sign, exponent: -24, significand: fraction)
            case 0x1f: return fraction == 0 ? (sign == .minus ? -.infinity : .infinity) : .nan
            default: return Double(sign: sign, exponent: exponent - 15, significand: 1 + fraction / 1024)
            }
        case 4: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
        case 8: return Double(bitPattern: UInt64(truncatingIfNeeded: raw))
        default: return nil
        }
    }
}
