import Bytes

/// Text to bytes (issue 18's rules), for setting a variable from a command line:
///
/// - integers of 1, 2, 4, 8 and 16 bytes, bitfields and `char`: decimal, `0x` hex, `0o` octal or
///   `0b` binary, `-` only for signed types, range-checked against the width;
/// - `bool`: `true`, `false`, `1` or `0`;
/// - enums: a constant's name, or a number in the enum's range;
/// - pointers: an address, as a number;
/// - `char[N]`: the text's bytes, NUL-padded, at most N - 1 of them;
/// - arrays of those scalars: `1,2,3`, at most N elements, the rest zero.
///
/// Typedefs and qualifiers are looked through. A struct is set member by member (`cfg.x=1`), a
/// multi-dimensional array row by row (`m[1]=1,2`).
extension BTF {
    /// No array set from text is larger: no map value the kernel takes is (it allows a few MiB),
    /// and BTF from a file may claim gigabytes.
    public static let maximumTextValueSize = 1 << 26

    /// The bytes `text` stands for as a value of the type at `location`, as a patch over the
    /// bytes of the value `location` was resolved in.
    public func encodeValue(_ text: String, at location: BTFLocation) throws(BTFTextError) -> BTFPatch {
        let type = displayName(location)
        let shape = try textShape(location.type)
        if let bitfield = location.bitfield {
            return try bitfieldPatch(text, shape, at: location.byteOffset, bitfield, type: type)
        }
        switch shape {
        case let .integer(size, _, bitOffset, bits) where bitOffset != 0 || bits != size * 8:
            // An old-style bitfield: the INT names its bits within its bytes.
            let bitfield = BTFBitfield(bitOffset: bitOffset % 8, bits: bits)
            return try bitfieldPatch(text, shape, at: location.byteOffset + bitOffset / 8, bitfield, type: type)
        case .integer, .bool, .char, .enumeration, .pointer:
            return BTFPatch(offset: location.byteOffset, bytes: try scalarBytes(text, shape, of: location.type, type: type))
        case let .array(element, count):
            return BTFPatch(offset: location.byteOffset, bytes: try arrayBytes(text, element: element, count: count, type: type))
        case let .record(members, _, isUnion):
            let names = (try? namedMembers(members, of: location.type))?.map { $0.name } ?? []
            throw .notSettable(
                type: type,
                reason: "set each member of the \(isUnion ? "union" : "struct") on its own, NAME.member=VALUE"
                    + (names.isEmpty ? "" : " (members: " + names.joined(separator: ", ") + ")"))
        case .float:
            throw .notSettable(type: type, reason: "floating-point values are not taken from text")
        case .none:
            throw .notSettable(type: type, reason: "it has no value")
        }
    }

    /// The value of type `id` that `text` stands for, as bytes (a patch at offset 0).
    public func encodeValue(_ text: String, of id: TypeID) throws(BTFTextError) -> BTFPatch {
        try encodeValue(text, at: BTFLocation(type: id, byteOffset: 0))
    }

    private func textShape(_ id: TypeID) throws(BTFTextError) -> ValueShape {
        do { return try shape(of: id) } catch { throw .value(.btf(error)) }
    }

    /// A whole-bytes scalar: `size(of:)` bytes in this BTF's byte order.
    private func scalarBytes(_ text: String, _ shape: ValueShape, of id: TypeID, type: String) throws(BTFTextError) -> [UInt8] {
        let size: UInt64
        do { size = try self.size(of: id) } catch { throw .value(.btf(error)) }
        guard [1, 2, 4, 8, 16].contains(size) else {
            throw .value(.unsupported(type: type, reason: "a whole number of \(size) bytes"))
        }
        let pattern = try scalar(text, shape, bits: Int(size) * 8, type: type)
        return RawBits.store(pattern, count: Int(size), order)
    }

    /// A bitfield: its bits, and a mask of them, over the bytes it spans.
    private func bitfieldPatch(
        _ text: String, _ shape: ValueShape, at byteOffset: Int, _ bitfield: BTFBitfield,
        type: String
    ) throws(BTFTextError) -> BTFPatch {
        switch shape {
        case .integer, .bool, .char, .enumeration: break
        case .pointer, .float, .array, .record, .none:
            throw .value(.unsupported(type: type, reason: "a bitfield must be an integer, bool, char or enum"))
        }
        guard bitfield.bits > 0, bitfield.bits <= RawBits.maximumBitfield else {
            throw .value(.unsupported(type: type, reason: "a bitfield of \(bitfield.bits) bits (at most \(RawBits.maximumBitfield))"))
        }
        guard (0..<8).contains(bitfield.bitOffset) else {
            throw .value(.unsupported(type: type, reason: "a bitfield starting at bit \(bitfield.bitOffset) of its byte (0 to 7)"))
        }
        let pattern = try scalar(text, shape, bits: bitfield.bits, type: type)
        let (count, shift) = RawBits.span(bitOffset: bitfield.bitOffset, bits: bitfield.bits, order)
        return BTFPatch(
            offset: byteOffset + bitfield.bitOffset / 8,
            bytes: RawBits.store(pattern << shift, count: count, order),
            mask: RawBits.store(RawBits.mask(bitfield.bits) << shift, count: count, order))
    }

    /// The bit pattern `text` stands for in `bits` bits of a scalar of `shape`.
    private func scalar(_ text: String, _ shape: ValueShape, bits: Int, type: String) throws(BTFTextError) -> UInt128 {
        switch shape {
        case let .integer(_, signed, _, _), let .char(signed):
            return try integer(text, bits: bits, signed: signed, type: type, what: "an integer")
        case .pointer:
            return try integer(text, bits: bits, signed: false, type: type, what: "an address")
        case .bool:
            switch text {
            case "true", "1": return 1
            case "false", "0": return 0
            default: throw .invalid(text: text, type: type, expected: "true, false, 1 or 0")
            }
        case let .enumeration(size, signed, values):
            let range = IntegerRange(bits: bits, signed: signed)
            let names = values.map { string(at: $0.nameOffset)?.string ?? "" }
            let expected = "one of " + names.joined(separator: ", ") + " or a number \(range)"
            if let k = names.firstIndex(of: text) {
                let value = enumeratorValue(UInt64(bitPattern: values[k].value), size: size, signed: signed)
                guard let pattern = range.pattern(value) else {
                    throw .outOfRange(text: "\(text) (\(value))", type: type, expected: "a number \(range)")
                }
                return pattern
            }
            guard let number = IntegerText(text) else { throw .invalid(text: text, type: type, expected: expected) }
            guard let pattern = number.pattern(bits: bits, signed: signed) else {
                throw .outOfRange(text: text, type: type, expected: expected)
            }
            return pattern
        case .float, .array, .record, .none:
            throw .notSettable(type: type, reason: "not a number")
        }
    }

    private func integer(_ text: String, bits: Int, signed: Bool, type: String, what: String) throws(BTFTextError) -> UInt128 {
        let expected = "\(what) \(IntegerRange(bits: bits, signed: signed)) (decimal, 0x hex, 0o octal or 0b binary)"
        guard let number = IntegerText(text) else { throw .invalid(text: text, type: type, expected: expected) }
        guard let pattern = number.pattern(bits: bits, signed: signed) else {
            throw .outOfRange(text: text, type: type, expected: expected)
        }
        return pattern
    }

    /// A `char` array from a string, any other array of scalars from `1,2,3`; the rest zero.
    private func arrayBytes(_ text: String, element: TypeID, count: UInt32, type: String) throws(BTFTextError) -> [UInt8] {
        let stride: UInt64
        do { stride = try size(of: element) } catch { throw .value(.btf(error)) }
        let (total, overflow) = stride.multipliedReportingOverflow(by: UInt64(count))
        guard !overflow, total <= UInt64(BTF.maximumTextValueSize) else {
            throw .notSettable(type: type, reason: "more than \(BTF.maximumTextValueSize) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: Int(total))
        let shape = try textShape(element)
        if case .char = shape {
            let utf8 = Array(text.utf8)
            guard utf8.count < Int(count) else {
                throw .stringTooLong(text: text, bytes: utf8.count, type: type, room: max(Int(count) - 1, 0))
            }
            bytes.replaceSubrange(0..<utf8.count, with: utf8)
            return bytes
        }
        let elementType = displayName(element)
        switch shape {
        case .integer, .bool, .enumeration, .pointer: break
        case .array, .record:
            throw .notSettable(type: type, reason: "an array of '\(elementType)': set one element at a time, NAME[i]=VALUE")
        case .char, .float, .none:
            throw .notSettable(type: type, reason: "its elements ('\(elementType)') are not taken from text")
        }
        let items = text.isEmpty ? [] : text.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= Int(count) else { throw .tooManyElements(count: items.count, type: type, capacity: count) }
        for (i, item) in items.enumerated() {
            let value = try scalarBytes(BTF.trimmed(item), shape, of: element, type: elementType)
            bytes.replaceSubrange(i * value.count..<(i + 1) * value.count, with: value)
        }
        return bytes
    }

    /// `item` without the blanks around it (`1, 2, 3` reads as `1,2,3`).
    private static func trimmed(_ item: Substring) -> String {
        var part = item
        while part.first == " " { part = part.dropFirst() }
        while part.last == " " { part = part.dropLast() }
        return String(part)
    }
}
