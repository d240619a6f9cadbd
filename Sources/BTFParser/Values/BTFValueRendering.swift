/// The plain form of values (issue 19's record lines): `field=value` separated by spaces,
/// strings quoted with what is not printable escaped, enums by name, bools as true/false,
/// pointers in hex, nested structs in braces (`{x=1 y=2}`) and arrays in braces with commas, as
/// `set` takes them (`{22,80,0,0}`).
extension BTFValue: CustomStringConvertible {
    /// The value as it appears inside a record line (a record in braces).
    public var description: String {
        switch self {
        case let .int(value): return String(value)
        case let .uint(value): return String(value)
        case let .int128(value): return String(value)
        case let .uint128(value): return String(value)
        case let .bool(value): return value ? "true" : "false"
        case let .char(byte): return BTFValue.quoted([byte], quote: "'")
        case let .enumerator(name, value): return name ?? String(value)
        case let .pointer(address): return "0x" + String(address, radix: 16)
        case let .float(value): return value.description
        case let .string(string): return BTFValue.quoted(string.bytes, quote: "\"")
        case let .array(elements): return "{" + elements.map { $0.description }.joined(separator: ",") + "}"
        case .record: return "{" + plainText + "}"
        }
    }

    /// The value as a line of its own: a record's fields without the braces around them
    /// (`pid=1 comm="init"`), any other value as `description`.
    public var plainText: String {
        guard case .record = self else { return description }
        return fields.map { $0.description }.joined(separator: " ")
    }

    /// A record's members as C reaches them: the members of an anonymous struct or union in its
    /// place (names stay unique, as C requires). Empty for any other value.
    public var fields: [BTFField] {
        guard case let .record(members) = self else { return [] }
        var flat: [BTFField] = []
        for member in members {
            if !member.name.isEmpty {
                flat.append(member)
            } else if case .record = member.value {
                flat += member.value.fields
            }
            // An unnamed member that is not an aggregate holds padding bits: nothing to show.
        }
        return flat
    }

    /// `bytes` between `quote`s, escaped as C would write them: `\"`, `\\`, `\n`, `\t`, `\r`,
    /// and `\xNN` for any other control byte and for bytes that are not UTF-8.
    static func quoted(_ bytes: [UInt8], quote: Character) -> String {
        let mark = UInt8(ascii: quote == "'" ? "'" : "\"")
        var out = String(quote)
        func ascii(_ byte: UInt8) {
            switch byte {
            case mark, UInt8(ascii: "\\"): out += "\\" + String(Unicode.Scalar(byte))
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case UInt8(ascii: "\r"): out += "\\r"
            case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(byte))
            default: escaped(byte)
            }
        }
        func escaped(_ byte: UInt8) {
            let digits = String(byte, radix: 16)
            out += "\\x" + (digits.count == 1 ? "0" : "") + digits
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            for scalar in text.unicodeScalars {
                switch scalar.value {
                case 0..<0x80: ascii(UInt8(scalar.value))
                // C1 controls: their two UTF-8 bytes, escaped.
                case 0x80..<0xa0: escaped(0xc2); escaped(UInt8(scalar.value))
                default: out.unicodeScalars.append(scalar)
                }
            }
        } else {
            for byte in bytes {
                if byte < 0x80 { ascii(byte) } else { escaped(byte) }
            }
        }
        out += String(quote)
        return out
    }
}

extension BTFField: CustomStringConvertible {
    /// `name=value`.
    public var description: String { name + "=" + value.description }
}
