import BTFParser
import Bytes

/// One step of a CO-RE access that means something in C: a named member, or an array index
/// (the first step is always an index: `&p->x` is `&p[0].x`).
struct COREAccessor: Equatable {
    /// For a named member: the struct or union holding it (modifiers and typedefs skipped).
    /// For an index: the element type (for the first step, the root type itself).
    var typeID: TypeID
    var index: Int
    /// The member name; nil for an array index.
    var name: String?
}

/// libbpf's `bpf_core_spec`: where a relocation points, in one BTF.
///
/// `raw` is the access string itself (`0:1:2:3`, one entry per member or index walked, anonymous
/// members included); `accessors` keeps only the steps that can be matched by name or index in
/// another BTF, so the same C access is found in a kernel whose anonymous unions are laid out
/// differently. `bitOffset` is where the access lands from the start of the root type.
struct CORESpec {
    /// libbpf's BPF_CORE_SPEC_MAX_LEN: deeper nesting is refused rather than followed.
    static let maxLength = 64

    let kind: CORERelocationKind
    var rootTypeID: TypeID
    var accessors: [COREAccessor] = []
    var raw: [Int] = []
    var bitOffset: Int = 0

    init(kind: CORERelocationKind, rootTypeID: TypeID) {
        self.kind = kind
        self.rootTypeID = rootTypeID
    }

    // MARK: - Parsing the local spec (bpf_core_parse_spec)

    /// Parses `record`'s access string against the local BTF, checking every step exists.
    static func parse(_ record: CORERelocationRecord, in btf: BTF) throws(COREProblem) -> CORESpec {
        guard let text = btf.string(at: record.accessStringOffset) else {
            throw .invalid("access string offset \(record.accessStringOffset) is outside the BTF strings")
        }
        var spec = CORESpec(kind: record.kind, rootTypeID: record.typeID)
        let access = text.string
        // Type-based relocations have no access path; clang writes "0".
        if record.kind.isTypeBased {
            guard access == "0" else { throw .invalid("access string '\(access)' for a type relocation, expected '0'") }
            return spec
        }
        spec.raw = try parseAccessString(access)

        let (rootID, root) = try btf.coreSkip(record.typeID)
        let first = spec.raw[0]
        spec.accessors.append(COREAccessor(typeID: rootID, index: first, name: nil))

        if record.kind.isEnumValueBased {
            let values: [BTFEnumValue]
            switch root.body {
            case let .enumeration(_, _, v), let .enum64(_, _, v): values = v
            default: throw .invalid("enum value relocation on [\(rootID)] \(btf.displayName(rootID)), which is not an enum")
            }
            guard spec.raw.count == 1, first < values.count else {
                throw .invalid("access string '\(access)' does not name one of the \(values.count) values of [\(rootID)] \(btf.displayName(rootID))")
            }
            spec.accessors[0].name = btf.coreName(values[first].nameOffset)
            return spec
        }

        // Field-based: the first index steps over whole root objects (`p[1].x`).
        spec.bitOffset = try scaledBits(first, elementSize: btf.coreSize(rootID))
        var id = rootID
        for step in spec.raw.dropFirst() {
            let (currentID, current) = try btf.coreSkip(id)
            id = currentID
            switch current.body {
            case .structure, .union:
                let members = current.members
                guard step < members.count else {
                    throw .invalid("access string '\(access)': member \(step) of [\(id)] \(btf.displayName(id)), which has \(members.count)")
                }
                let member = members[step]
                spec.bitOffset += Int(member.bitOffset)
                // Anonymous members are walked but leave no accessor: the target may nest differently.
                if member.nameOffset != 0 {
                    let name = btf.coreName(member.nameOffset)
                    guard !name.isEmpty else { throw .invalid("member \(step) of [\(id)] has an unreadable name") }
                    spec.accessors.append(COREAccessor(typeID: id, index: step, name: name))
                }
                id = member.type
            case let .array(element, _, count):
                let (elementID, _) = try btf.coreSkip(element)
                let flexible = try isFlexibleArray(btf, enclosing: spec.accessors.last, count: count)
                guard flexible || step < Int(count) else {
                    throw .invalid("access string '\(access)': index \(step) of [\(id)] \(btf.displayName(id)), which has \(count) elements")
                }
                spec.accessors.append(COREAccessor(typeID: elementID, index: step, name: nil))
                spec.bitOffset += try scaledBits(step, elementSize: btf.coreSize(elementID))
                id = elementID
            default:
                throw .invalid("access string '\(access)' steps into [\(id)] \(btf.displayName(id)), which is not a struct, union or array")
            }
        }
        return spec
    }

    /// `0:1:2` → [0, 1, 2]: decimal numbers separated by single colons, nothing else.
    static func parseAccessString(_ text: String) throws(COREProblem) -> [Int] {
        var result: [Int] = []
        var current: Int? = nil
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") {
                guard let value = current else { throw .invalid("malformed access string '\(text)'") }
                result.append(value)
                current = nil
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let value = (current ?? 0) * 10 + Int(byte - UInt8(ascii: "0"))
                guard value <= Int(Int32.max) else { throw .invalid("index too large in access string '\(text)'") }
                current = value
            } else {
                throw .invalid("malformed access string '\(text)'")
            }
            guard result.count < maxLength else { throw .invalid("access string '\(text)' nests deeper than \(maxLength)") }
        }
        guard let last = current else { throw .invalid("malformed access string '\(text)'") }
        result.append(last)
        return result
    }

    /// `index * size * 8`, refusing what does not fit (a malicious index times a huge array).
    static func scaledBits(_ index: Int, elementSize: UInt64) throws(COREProblem) -> Int {
        guard elementSize <= UInt64(Int.max / 8) else { throw .invalid("element size \(elementSize) is too large") }
        let (bytes, overflow) = index.multipliedReportingOverflow(by: Int(elementSize))
        let (bits, overflow2) = bytes.multipliedReportingOverflow(by: 8)
        guard !overflow, !overflow2, bits <= Int(UInt32.max) else { throw .invalid("offset of element \(index) overflows") }
        return bits
    }

    /// A zero-length array that is the last member of a struct (`char data[]`): any index is fine.
    static func isFlexibleArray(_ btf: BTF, enclosing accessor: COREAccessor?, count: UInt32) throws(COREProblem) -> Bool {
        guard let accessor, accessor.name != nil, count == 0 else { return false }
        let holder = try btf.coreType(accessor.typeID)
        return accessor.index == holder.members.count - 1
    }

    // MARK: - Text

    /// libbpf's `bpf_core_format_spec` without the kind: `[7] struct task_struct.pid (0:1 @ offset 4)`,
    /// `[9] enum foo::BAR = 3`, `[7] struct task_struct`.
    func text(_ btf: BTF) -> String {
        let name = btf.name(of: rootTypeID)
        let kindText = btf.kind(of: rootTypeID).map { CORESpec.kindName($0) + " " } ?? ""
        var s = "[\(rootTypeID)] " + kindText + (name.isEmpty ? "<anon>" : name)
        if kind.isTypeBased { return s }
        if kind.isEnumValueBased {
            guard let first = raw.first, let root = try? btf.skipModsAndTypedefs(rootTypeID).type else { return s }
            switch root.body {
            case let .enumeration(_, _, values) where first < values.count:
                s += "::\(btf.coreName(values[first].nameOffset)) = \(values[first].value)"
            case let .enum64(_, signed, values) where first < values.count:
                let value = values[first].value
                s += "::\(btf.coreName(values[first].nameOffset)) = " + (signed ? "\(value)" : "\(UInt64(bitPattern: value))")
            default: break
            }
            return s
        }
        s += accessPath
        s += " ("
        for (i, step) in raw.enumerated() { s += (i == 0 ? "" : ":") + "\(step)" }
        s += bitOffset % 8 == 0 ? " @ offset \(bitOffset / 8))" : " @ offset \(bitOffset / 8).\(bitOffset % 8))"
        return s
    }

    /// The C-like path after the root type: `.pid`, `[1].x`, `.arr[3]`.
    var accessPath: String {
        var s = ""
        for (i, accessor) in accessors.enumerated() {
            if let name = accessor.name {
                s += "." + name
            } else if i > 0 || accessor.index > 0 {
                s += "[\(accessor.index)]"
            }
        }
        return s
    }

    /// How a failure names the access: `task_struct.comm`, `foo::BAR` (root by its essential name).
    func path(_ btf: BTF) -> String {
        let root = CORENames.essential(btf.name(of: rootTypeID))
        let rootText = root.isEmpty ? "(anon)" : root
        if kind.isEnumValueBased { return rootText + "::" + (accessors.first?.name ?? "?") }
        return rootText + accessPath
    }

    /// libbpf's lower-case kind names (`btf_kind_str`).
    static func kindName(_ kind: BTFKind) -> String {
        switch kind {
        case .void: return "void"
        case .int: return "int"
        case .pointer: return "ptr"
        case .array: return "array"
        case .structure: return "struct"
        case .union: return "union"
        case .enumeration: return "enum"
        case .forward: return "fwd"
        case .typedef: return "typedef"
        case .volatile: return "volatile"
        case .const: return "const"
        case .restrict: return "restrict"
        case .function: return "func"
        case .functionProto: return "func_proto"
        case .variable: return "var"
        case .dataSection: return "datasec"
        case .float: return "float"
        case .declTag: return "decl_tag"
        case .typeTag: return "type_tag"
        case .enum64: return "enum64"
        }
    }
}
