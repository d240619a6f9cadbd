/// BTF_KIND_*: every kind the kernel defines, by its number in the `info` word.
public enum BTFKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case void = 0
    case int = 1
    case pointer = 2
    case array = 3
    case structure = 4
    case union = 5
    case enumeration = 6
    case forward = 7
    case typedef = 8
    case volatile = 9
    case const = 10
    case restrict = 11
    case function = 12
    case functionProto = 13
    case variable = 14
    case dataSection = 15
    case float = 16
    case declTag = 17
    case typeTag = 18
    case enum64 = 19

    /// The kernel's spelling (`bpftool btf dump` uses the same).
    public var description: String {
        switch self {
        case .void: return "UNKN"
        case .int: return "INT"
        case .pointer: return "PTR"
        case .array: return "ARRAY"
        case .structure: return "STRUCT"
        case .union: return "UNION"
        case .enumeration: return "ENUM"
        case .forward: return "FWD"
        case .typedef: return "TYPEDEF"
        case .volatile: return "VOLATILE"
        case .const: return "CONST"
        case .restrict: return "RESTRICT"
        case .function: return "FUNC"
        case .functionProto: return "FUNC_PROTO"
        case .variable: return "VAR"
        case .dataSection: return "DATASEC"
        case .float: return "FLOAT"
        case .declTag: return "DECL_TAG"
        case .typeTag: return "TYPE_TAG"
        case .enum64: return "ENUM64"
        }
    }

    /// Bytes that follow the 12-byte common header for a record with `vlen` entries.
    func trailingSize(vlen: Int) -> Int {
        switch self {
        case .int, .variable, .declTag: return 4
        case .array: return 12
        case .structure, .union, .dataSection, .enum64: return 12 * vlen
        case .enumeration, .functionProto: return 8 * vlen
        case .void, .pointer, .forward, .typedef, .volatile, .const, .restrict, .function, .float, .typeTag: return 0
        }
    }
}
