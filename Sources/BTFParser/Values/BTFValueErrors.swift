/// Why bytes could not be decoded as a value of a type. Types are named as C writes them.
public enum BTFValueError: Error, Equatable, CustomStringConvertible {
    /// The BTF itself is malformed where the value needed it.
    case btf(BTFError)
    /// The value needs more bytes than there are.
    case truncated(type: String, needed: UInt64, available: Int)
    /// The type has no size, so no value: void, a forward declaration, a function.
    case unsized(type: String)
    /// A type BTF allows that no value of can be decoded here: an INT of 3 bytes, a FLOAT of
    /// 16, a bitfield wider than 64 bits or of a struct.
    case unsupported(type: String, reason: String)
    /// A member placed beyond the end of its struct or union (malformed BTF).
    case memberOutside(type: String, member: String, bitOffset: UInt64, bits: UInt64, size: UInt64)
    /// Aggregates nested deeper than `BTF.maxResolveDepth` (a struct that contains itself).
    case tooDeep(type: String)
    /// More values than the bytes could hold: arrays of empty structs, by the billion.
    case tooLarge(type: String, limit: Int)

    public var description: String {
        switch self {
        case let .btf(error):
            return error.description
        case let .truncated(type, needed, available):
            return "a value of type '\(type)' needs \(needed) bytes, only \(available) remain"
        case let .unsized(type):
            return "type '\(type)' has no size, so no value"
        case let .unsupported(type, reason):
            return "values of type '\(type)' are not supported: \(reason)"
        case let .memberOutside(type, member, bitOffset, bits, size):
            return "member '\(member)' of '\(type)' (\(bits) bits at bit \(bitOffset)) lies outside its \(size) bytes"
        case let .tooDeep(type):
            return "type '\(type)' nests more than \(BTF.maxResolveDepth) levels deep"
        case let .tooLarge(type, limit):
            return "a value of type '\(type)' has more than \(limit) parts"
        }
    }
}

/// Why text is not a value of a type (issue 18's rules). Each case names the type as C writes it
/// and what it accepts.
public enum BTFTextError: Error, Equatable, CustomStringConvertible {
    /// Not a number, bool or enum constant the type takes; `expected` says what it takes
    /// (`an integer from 0 to 4294967295`).
    case invalid(text: String, type: String, expected: String)
    /// A number outside the type's range.
    case outOfRange(text: String, type: String, expected: String)
    /// A string longer than a `char` array holds with its NUL.
    case stringTooLong(text: String, bytes: Int, type: String, room: Int)
    /// More elements than the array has.
    case tooManyElements(count: Int, type: String, capacity: UInt32)
    /// A type no text stands for: a struct (set its members), a float, void.
    case notSettable(type: String, reason: String)
    /// The BTF is malformed or holds a type values cannot have.
    case value(BTFValueError)

    public var description: String {
        switch self {
        case let .invalid(text, type, expected):
            return "'\(text)' is not a value of type '\(type)': expected \(expected)"
        case let .outOfRange(text, type, expected):
            return "\(text) is out of range for type '\(type)': expected \(expected)"
        case let .stringTooLong(text, bytes, type, room):
            return "'\(text)' is \(bytes) bytes, but '\(type)' holds at most \(room) and a NUL"
        case let .tooManyElements(count, type, capacity):
            return "\(count) elements given, but '\(type)' has \(capacity)"
        case let .notSettable(type, reason):
            return "type '\(type)' cannot be set from text: \(reason)"
        case let .value(error):
            return error.description
        }
    }
}

/// Why a path (`cfg.ports[2]`) names nothing in a type. `path` is the part that was resolved,
/// so the message names what it was looking in.
public enum BTFPathError: Error, Equatable, CustomStringConvertible {
    /// Not `NAME`, `NAME.member` or `NAME[index]` chained.
    case syntax(text: String, reason: String)
    /// No member of that name; `members` lists the ones there are.
    case noSuchMember(path: String, member: String, type: String, members: [String])
    /// An index at or past the end of the array.
    case indexOutOfRange(path: String, index: UInt64, type: String, count: UInt32)
    /// `[i]` on something that is not an array.
    case notAnArray(path: String, type: String)
    /// `.member` on something that is not a struct or union.
    case notARecord(path: String, member: String, type: String)
    /// The BTF is malformed where the path went.
    case btf(BTFError)

    public var description: String {
        switch self {
        case let .syntax(text, reason):
            return "'\(text)' is not a variable path (NAME, NAME.member, NAME[index]): \(reason)"
        case let .noSuchMember(path, member, type, members):
            let list = members.isEmpty ? "it has none" : "its members: " + members.joined(separator: ", ")
            return "\(path) (\(type)) has no member '\(member)' (\(list))"
        case let .indexOutOfRange(path, index, type, count):
            let valid = count == 0 ? "it has no elements" : "0 to \(count - 1)"
            return "index \(index) is out of range for \(path) (\(type)): \(valid)"
        case let .notAnArray(path, type):
            return "\(path) is not an array but '\(type)': it takes no index"
        case let .notARecord(path, member, type):
            return "\(path) is not a struct or union but '\(type)': it has no member '\(member)'"
        case let .btf(error):
            return error.description
        }
    }
}
