import BTFParser
import Bytes

/// Small BTF blobs for the value tests: types added by name, parsed back in either byte order.
struct ValueTestBTF {
    var editable = EditableBTF()

    @discardableResult
    mutating func add(_ name: String, _ body: BTFTypeBody) -> TypeID {
        editable.append(BTFType(nameOffset: editable.addString(name), body: body))
    }

    mutating func int(_ name: String, size: UInt32 = 4, signed: Bool = false, encoding: IntEncoding = []) -> TypeID {
        add(name, .int(size: size, encoding: signed ? encoding.union(.signed) : encoding, bitOffset: 0, bits: UInt8(truncatingIfNeeded: size * 8)))
    }

    mutating func array(_ element: TypeID, _ count: UInt32) -> TypeID {
        let index = int("__ARRAY_SIZE_TYPE__")
        return add("", .array(element: element, index: index, count: count))
    }

    /// Members as (name, type, bit offset, bitfield size); kind_flag when any is a bitfield.
    mutating func record(_ name: String, size: UInt32, union: Bool = false, _ members: [(String, TypeID, UInt32, UInt32)]) -> TypeID {
        let list = members.map { BTFMember(nameOffset: editable.addString($0.0), type: $0.1, bitOffset: $0.2, bitfieldSize: $0.3) }
        let bitfields = members.contains { $0.3 > 0 }
        return add(
            name,
            union
                ? .union(size: size, members: list, bitfields: bitfields)
                : .structure(size: size, members: list, bitfields: bitfields))
    }

    mutating func enumeration(
        _ name: String, size: UInt32 = 4, signed: Bool = false, wide: Bool = false,
        _ values: [(String, Int64)]
    ) -> TypeID {
        let list = values.map { BTFEnumValue(nameOffset: editable.addString($0.0), value: $0.1) }
        return add(name, wide ? .enum64(size: size, signed: signed, values: list) : .enumeration(size: size, signed: signed, values: list))
    }

    func parse(_ order: ByteOrder = .little) throws -> BTF {
        try BTF(ByteView(editable.encoded(order: order)))
    }
}

/// `value` as `count` bytes in `order`.
func bytes<T: FixedWidthInteger>(_ value: T, _ order: ByteOrder) -> [UInt8] {
    let v = order == .little ? value.littleEndian : value.bigEndian
    return withUnsafeBytes(of: v) { Array($0) }
}

/// The error a throwing body threw, or nil.
func failure<E: Error, R>(_ body: () throws(E) -> R) -> E? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
