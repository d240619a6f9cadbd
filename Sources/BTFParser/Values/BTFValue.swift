/// A value of a BTF type, decoded from bytes (`BTF.decodeValue`): what a global variable holds,
/// or a record an iterator wrote. Its cases are what JSON and the plain `field=value` form need:
/// integers keep their signedness, `char` arrays are strings, enums carry their constant's name.
public indirect enum BTFValue: Equatable, Sendable {
    /// A signed integer of 1, 2, 4 or 8 bytes (and `char` read as a number in a bitfield).
    case int(Int64)
    /// An unsigned integer of 1, 2, 4 or 8 bytes.
    case uint(UInt64)
    /// A signed 16-byte integer (`__int128`).
    case int128(Int128)
    /// An unsigned 16-byte integer (`unsigned __int128`).
    case uint128(UInt128)
    /// A `bool` (`_Bool`: BTF_INT_BOOL); any non-zero byte is true.
    case bool(Bool)
    /// A single `char`, as its byte.
    case char(UInt8)
    /// An enum: the name of the constant with this value, nil when none has it. `value` is exact
    /// for every ENUM and ENUM64, signed or not.
    case enumerator(name: String?, value: Int128)
    /// A pointer, as the address it holds.
    case pointer(UInt64)
    /// A FLOAT of 2, 4 or 8 bytes.
    case float(Double)
    /// A `char` array: its bytes up to the first NUL.
    case string(BTFString)
    /// Any other array, element by element (an array of arrays for more dimensions).
    case array([BTFValue])
    /// A struct or union, member by member in declaration order (a union shows every member
    /// read from the same bytes).
    case record([BTFField])
}

/// A member of a struct or union and its value.
public struct BTFField: Equatable, Sendable {
    /// The member's name; empty for an anonymous struct or union member, whose own members C
    /// reaches as if they were the parent's (`rendered` flattens them in the same way).
    public var name: String
    /// What the member holds.
    public var value: BTFValue

    /// A member called `name` holding `value`.
    public init(name: String, value: BTFValue) {
        self.name = name
        self.value = value
    }
}

/// The contents of a `char` array up to its first NUL: the bytes as they are, and the text when
/// they are UTF-8 (a `comm` can hold any bytes).
public struct BTFString: Equatable, Sendable {
    /// The bytes before the first NUL (all of them when there is none).
    public let bytes: [UInt8]

    /// The bytes of a string, without its NUL.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The bytes as text, nil when they are not valid UTF-8.
    public var text: String? {
        String(validating: bytes, as: UTF8.self)
    }
}
