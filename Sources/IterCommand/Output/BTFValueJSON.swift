import BTFParser

/// Decoded BTF values (global variables, iterator records) in `-j` output.
extension JSONValue {
    /// `value` as JSON: integers as numbers (64-bit ones too; 128-bit ones as numbers when they
    /// fit 64 bits, else as decimal strings), `bool` as true/false, a `char` as its byte, enums by
    /// constant name (the number when none matches), pointers as numbers, `char` arrays as
    /// strings up to the first NUL (bytes that are not UTF-8 become U+FFFD: the plain form
    /// escapes them instead), other arrays as arrays, structs and unions as objects with the
    /// members of anonymous ones in their place. JSONValue has no fractional numbers: floats are
    /// strings (`"1.5"`).
    init(_ value: BTFValue) {
        switch value {
        case let .int(number): self = .int(number)
        case let .uint(number): self = .uint(number)
        case let .int128(number): self = JSONValue.number(number)
        case let .uint128(number): self = UInt64(exactly: number).map { .uint($0) } ?? .string(String(number))
        case let .bool(flag): self = .bool(flag)
        case let .char(byte): self = .uint(UInt64(byte))
        case let .enumerator(name, number): self = name.map { .string($0) } ?? JSONValue.number(number)
        case let .pointer(address): self = .uint(address)
        case let .float(number): self = .string(number.description)
        case let .string(string): self = .string(string.text ?? String(decoding: string.bytes, as: UTF8.self))
        case let .array(elements): self = .array(elements.map { JSONValue($0) })
        case .record: self = .object(value.fields.map { ($0.name, JSONValue($0.value)) })
        }
    }

    /// A signed 128-bit number: `.int` or `.uint` when it fits, else its decimal digits.
    private static func number(_ value: Int128) -> JSONValue {
        if let small = Int64(exactly: value) { return .int(small) }
        if let large = UInt64(exactly: value) { return .uint(large) }
        return .string(String(value))
    }
}
