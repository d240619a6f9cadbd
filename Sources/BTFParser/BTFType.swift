import Bytes

/// A BTF type id. Id 0 is `void`; split BTF (kernel modules) continues the numbering of its base.
public typealias TypeID = UInt32

/// INT encoding bits (BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL).
public struct IntEncoding: OptionSet, Sendable, Equatable {
    /// The encoding bits, `BTF_INT_ENCODING()`: bits 24-27 of the word after an INT's `struct btf_type`.
    public let rawValue: UInt8
    /// Wraps raw encoding bits; unknown bits are kept.
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `BTF_INT_SIGNED`.
    public static let signed = IntEncoding(rawValue: 1)
    /// `BTF_INT_CHAR`: print as a character.
    public static let char = IntEncoding(rawValue: 2)
    /// `BTF_INT_BOOL`.
    public static let bool = IntEncoding(rawValue: 4)
}

/// A struct or union member. `bitOffset` is from the start of the aggregate; `bitfieldSize` is
/// non-zero only for bitfields of an aggregate whose kind_flag is set.
public struct BTFMember: Sendable, Equatable {
    /// `btf_member.name_off`: offset of the member name in the string section; 0 for an anonymous member.
    public var nameOffset: UInt32
    /// `btf_member.type`: the member's type id.
    public var type: TypeID
    /// `btf_member.offset` (its low 24 bits under kind_flag): offset in bits from the start of the aggregate.
    public var bitOffset: UInt32
    /// Bitfield width in bits (`btf_member.offset >> 24` under kind_flag); 0 for a plain member.
    public var bitfieldSize: UInt32

    /// A member; `bitfieldSize` is encoded only when the aggregate's `bitfields` (kind_flag) is set.
    public init(nameOffset: UInt32, type: TypeID, bitOffset: UInt32, bitfieldSize: UInt32) {
        self.nameOffset = nameOffset
        self.type = type
        self.bitOffset = bitOffset
        self.bitfieldSize = bitfieldSize
    }
}

/// An ENUM or ENUM64 enumerator (ENUM values are widened; `signed` on the type tells how).
public struct BTFEnumValue: Sendable, Equatable {
    /// `btf_enum.name_off` / `btf_enum64.name_off`: offset of the enumerator's name in the string section.
    public var nameOffset: UInt32
    /// The value: ENUM's 32-bit `val`, sign-extended under kind_flag, else zero-extended;
    /// ENUM64's `val_hi32:val_lo32` as a bit pattern.
    public var value: Int64

    /// An enumerator; encoding it in an ENUM keeps only the low 32 bits of `value`.
    public init(nameOffset: UInt32, value: Int64) {
        self.nameOffset = nameOffset
        self.value = value
    }
}

/// A FUNC_PROTO parameter (name offset 0 for unnamed; type 0 for a trailing `...`).
public struct BTFParam: Sendable, Equatable {
    /// `btf_param.name_off`: offset of the parameter name in the string section; 0 when unnamed.
    public var nameOffset: UInt32
    /// `btf_param.type`: the parameter's type id; 0 (void) only for a trailing `...`.
    public var type: TypeID

    /// A parameter with this name offset and type.
    public init(nameOffset: UInt32, type: TypeID) {
        self.nameOffset = nameOffset
        self.type = type
    }
}

/// One VAR of a DATASEC, placed at `offset` in the section.
public struct BTFVarSecInfo: Sendable, Equatable {
    /// `btf_var_secinfo.type`: the VAR placed in the section (an extern FUNC in `.ksyms`).
    public var type: TypeID
    /// `btf_var_secinfo.offset`: byte offset of the variable from the start of the section.
    public var offset: UInt32
    /// `btf_var_secinfo.size`: size of the variable in bytes.
    public var size: UInt32

    /// An entry for `type` at byte `offset`, `size` bytes long.
    public init(type: TypeID, offset: UInt32, size: UInt32) {
        self.type = type
        self.offset = offset
        self.size = size
    }
}

/// BTF_FUNC_STATIC / GLOBAL / EXTERN.
public enum FunctionLinkage: UInt16, Sendable {
    case `static` = 0
    case global = 1
    case external = 2
}

/// BTF_VAR_STATIC / GLOBAL_ALLOCATED / GLOBAL_EXTERN.
public enum VariableLinkage: UInt32, Sendable {
    case `static` = 0
    case global = 1
    case external = 2
}

/// What a type is, by kind, with the fields that kind carries.
public enum BTFTypeBody: Sendable, Equatable {
    case void
    case int(size: UInt32, encoding: IntEncoding, bitOffset: UInt8, bits: UInt8)
    case pointer(TypeID)
    case array(element: TypeID, index: TypeID, count: UInt32)
    case structure(size: UInt32, members: [BTFMember], bitfields: Bool)
    case union(size: UInt32, members: [BTFMember], bitfields: Bool)
    case enumeration(size: UInt32, signed: Bool, values: [BTFEnumValue])
    case enum64(size: UInt32, signed: Bool, values: [BTFEnumValue])
    case forward(isUnion: Bool)
    case typedef(TypeID)
    case volatile(TypeID)
    case const(TypeID)
    case restrict(TypeID)
    case typeTag(TypeID)
    case function(proto: TypeID, linkage: FunctionLinkage)
    case functionProto(returns: TypeID, params: [BTFParam])
    case variable(type: TypeID, linkage: VariableLinkage)
    case dataSection(size: UInt32, vars: [BTFVarSecInfo])
    case float(size: UInt32)
    /// `component` is -1 for the whole declaration, else a member or parameter index.
    case declTag(type: TypeID, component: Int32)

    /// The `BTF_KIND_*` this body is (bits 24-28 of `btf_type.info`).
    public var kind: BTFKind {
        switch self {
        case .void: return .void
        case .int: return .int
        case .pointer: return .pointer
        case .array: return .array
        case .structure: return .structure
        case .union: return .union
        case .enumeration: return .enumeration
        case .enum64: return .enum64
        case .forward: return .forward
        case .typedef: return .typedef
        case .volatile: return .volatile
        case .const: return .const
        case .restrict: return .restrict
        case .typeTag: return .typeTag
        case .function: return .function
        case .functionProto: return .functionProto
        case .variable: return .variable
        case .dataSection: return .dataSection
        case .float: return .float
        case .declTag: return .declTag
        }
    }
}

/// One BTF type: its name (an offset in the string section) and what it is.
public struct BTFType: Sendable, Equatable {
    /// `btf_type.name_off`: offset of the name in the string section (split BTF continues the
    /// base's offsets); 0 if anonymous.
    public var nameOffset: UInt32
    /// The kind and what it carries: `size`/`type`, the `vlen` items, `kind_flag`, and the data that
    /// follows `struct btf_type`.
    public var body: BTFTypeBody

    /// A type with this name offset and body.
    public init(nameOffset: UInt32, body: BTFTypeBody) {
        self.nameOffset = nameOffset
        self.body = body
    }

    /// `BTF_INFO_KIND(info)`: the kind of `body`.
    public var kind: BTFKind { body.kind }

    /// The type this one refers to directly (pointee, modifier target, typedef, var, func proto).
    public var referencedType: TypeID? {
        switch body {
        case let .pointer(t), let .typedef(t), let .volatile(t), let .const(t), let .restrict(t), let .typeTag(t):
            return t
        case let .function(proto, _): return proto
        case let .variable(type, _): return type
        case let .declTag(type, _): return type
        case let .array(element, _, _): return element
        default: return nil
        }
    }

    /// Every type id this record mentions, for range checks and id remapping.
    public var referencedTypes: [TypeID] {
        switch body {
        case .void, .int, .forward, .float: return []
        case let .pointer(t), let .typedef(t), let .volatile(t), let .const(t), let .restrict(t), let .typeTag(t):
            return [t]
        case let .array(element, index, _): return [element, index]
        case let .structure(_, members, _), let .union(_, members, _): return members.map { $0.type }
        case .enumeration, .enum64: return []
        case let .function(proto, _): return [proto]
        case let .functionProto(returns, params): return [returns] + params.map { $0.type }
        case let .variable(type, _): return [type]
        case let .dataSection(_, vars): return vars.map { $0.type }
        case let .declTag(type, _): return [type]
        }
    }

    /// Size in bytes for kinds that have one in their record.
    public var declaredSize: UInt32? {
        switch body {
        case let .int(size, _, _, _), let .structure(size, _, _), let .union(size, _, _),
             let .enumeration(size, _, _), let .enum64(size, _, _), let .dataSection(size, _), let .float(size):
            return size
        case .pointer: return nil
        default: return nil
        }
    }

    /// The members of a STRUCT or UNION; empty for any other kind.
    public var members: [BTFMember] {
        switch body {
        case let .structure(_, members, _), let .union(_, members, _): return members
        default: return []
        }
    }
}

// MARK: - Wire format

extension BTFType {
    /// Decodes the record at `offset` in `section`.
    static func decode(_ section: ByteView, at offset: Int, id: TypeID, _ order: ByteOrder) throws(BTFError) -> BTFType {
        guard let nameOffset = section.u32(at: offset, order), let info = section.u32(at: offset + 4, order),
              let sizeOrType = section.u32(at: offset + 8, order)
        else { throw .truncatedType(id: id, offset: offset) }
        let rawKind = UInt8((info >> 24) & 0x1f)
        guard let kind = BTFKind(rawValue: rawKind) else { throw .unknownKind(id: id, kind: rawKind) }
        let vlen = Int(info & 0xffff)
        let kindFlag = info >> 31 == 1
        guard section.contains(offset: offset + 12, length: kind.trailingSize(vlen: vlen)) else {
            throw .truncatedType(id: id, offset: offset)
        }
        let at = offset + 12
        // The containment check above makes each `?? 0` below unreachable.
        func word(_ index: Int) -> UInt32 { section.u32(at: at + 4 * index, order) ?? 0 }

        let body: BTFTypeBody
        switch kind {
        case .void:
            body = .void
        case .int:
            let encoding = word(0)
            body = .int(size: sizeOrType, encoding: IntEncoding(rawValue: UInt8((encoding >> 24) & 0x0f)),
                        bitOffset: UInt8((encoding >> 16) & 0xff), bits: UInt8(encoding & 0xff))
        case .pointer: body = .pointer(sizeOrType)
        case .array: body = .array(element: word(0), index: word(1), count: word(2))
        case .structure, .union:
            var members: [BTFMember] = []
            members.reserveCapacity(vlen)
            for i in 0..<vlen {
                let raw = word(3 * i + 2)
                members.append(BTFMember(
                    nameOffset: word(3 * i), type: word(3 * i + 1),
                    bitOffset: kindFlag ? raw & 0x00ff_ffff : raw, bitfieldSize: kindFlag ? raw >> 24 : 0))
            }
            body = kind == .structure
                ? .structure(size: sizeOrType, members: members, bitfields: kindFlag)
                : .union(size: sizeOrType, members: members, bitfields: kindFlag)
        case .enumeration:
            var values: [BTFEnumValue] = []
            values.reserveCapacity(vlen)
            for i in 0..<vlen {
                let raw = word(2 * i + 1)
                values.append(BTFEnumValue(
                    nameOffset: word(2 * i), value: kindFlag ? Int64(Int32(bitPattern: raw)) : Int64(raw)))
            }
            body = .enumeration(size: sizeOrType, signed: kindFlag, values: values)
        case .enum64:
            var values: [BTFEnumValue] = []
            values.reserveCapacity(vlen)
            for i in 0..<vlen {
                let value = UInt64(word(3 * i + 2)) << 32 | UInt64(word(3 * i + 1))
                values.append(BTFEnumValue(nameOffset: word(3 * i), value: Int64(bitPattern: value)))
            }
            body = .enum64(size: sizeOrType, signed: kindFlag, values: values)
        case .forward: body = .forward(isUnion: kindFlag)
        case .typedef: body = .typedef(sizeOrType)
        case .volatile: body = .volatile(sizeOrType)
        case .const: body = .const(sizeOrType)
        case .restrict: body = .restrict(sizeOrType)
        case .typeTag: body = .typeTag(sizeOrType)
        case .function:
            guard let linkage = FunctionLinkage(rawValue: UInt16(vlen)) else {
                throw .invalidType(id: id, reason: "FUNC linkage \(vlen) is not static, global or extern")
            }
            body = .function(proto: sizeOrType, linkage: linkage)
        case .functionProto:
            var params: [BTFParam] = []
            params.reserveCapacity(vlen)
            for i in 0..<vlen { params.append(BTFParam(nameOffset: word(2 * i), type: word(2 * i + 1))) }
            body = .functionProto(returns: sizeOrType, params: params)
        case .variable:
            guard let linkage = VariableLinkage(rawValue: word(0)) else {
                throw .invalidType(id: id, reason: "VAR linkage \(word(0)) is not static, global or extern")
            }
            body = .variable(type: sizeOrType, linkage: linkage)
        case .dataSection:
            var vars: [BTFVarSecInfo] = []
            vars.reserveCapacity(vlen)
            for i in 0..<vlen {
                vars.append(BTFVarSecInfo(type: word(3 * i), offset: word(3 * i + 1), size: word(3 * i + 2)))
            }
            body = .dataSection(size: sizeOrType, vars: vars)
        case .float: body = .float(size: sizeOrType)
        case .declTag: body = .declTag(type: sizeOrType, component: Int32(bitPattern: word(0)))
        }
        return BTFType(nameOffset: nameOffset, body: body)
    }

    /// Appends the record in the kernel's wire format.
    public func encode(into w: inout ByteWriter) {
        func header(vlen: Int, kindFlag: Bool, _ sizeOrType: UInt32) {
            w.u32(nameOffset)
            w.u32((kindFlag ? 1 << 31 : 0) | UInt32(kind.rawValue) << 24 | UInt32(vlen & 0xffff))
            w.u32(sizeOrType)
        }
        switch body {
        case .void:
            header(vlen: 0, kindFlag: false, 0)
        case let .int(size, encoding, bitOffset, bits):
            header(vlen: 0, kindFlag: false, size)
            w.u32(UInt32(encoding.rawValue) << 24 | UInt32(bitOffset) << 16 | UInt32(bits))
        case let .pointer(t), let .typedef(t), let .volatile(t), let .const(t), let .restrict(t), let .typeTag(t):
            header(vlen: 0, kindFlag: false, t)
        case let .array(element, index, count):
            header(vlen: 0, kindFlag: false, 0)
            w.u32(element)
            w.u32(index)
            w.u32(count)
        case let .structure(size, members, bitfields), let .union(size, members, bitfields):
            header(vlen: members.count, kindFlag: bitfields, size)
            for m in members {
                w.u32(m.nameOffset)
                w.u32(m.type)
                w.u32(bitfields ? m.bitfieldSize << 24 | (m.bitOffset & 0x00ff_ffff) : m.bitOffset)
            }
        case let .enumeration(size, signed, values):
            header(vlen: values.count, kindFlag: signed, size)
            for v in values {
                w.u32(v.nameOffset)
                w.u32(UInt32(truncatingIfNeeded: v.value))
            }
        case let .enum64(size, signed, values):
            header(vlen: values.count, kindFlag: signed, size)
            for v in values {
                let raw = UInt64(bitPattern: v.value)
                w.u32(v.nameOffset)
                w.u32(UInt32(truncatingIfNeeded: raw))
                w.u32(UInt32(truncatingIfNeeded: raw >> 32))
            }
        case let .forward(isUnion):
            header(vlen: 0, kindFlag: isUnion, 0)
        case let .function(proto, linkage):
            header(vlen: Int(linkage.rawValue), kindFlag: false, proto)
        case let .functionProto(returns, params):
            header(vlen: params.count, kindFlag: false, returns)
            for p in params {
                w.u32(p.nameOffset)
                w.u32(p.type)
            }
        case let .variable(type, linkage):
            header(vlen: 0, kindFlag: false, type)
            w.u32(linkage.rawValue)
        case let .dataSection(size, vars):
            header(vlen: vars.count, kindFlag: false, size)
            for v in vars {
                w.u32(v.type)
                w.u32(v.offset)
                w.u32(v.size)
            }
        case let .float(size):
            header(vlen: 0, kindFlag: false, size)
        case let .declTag(type, component):
            header(vlen: 0, kindFlag: false, type)
            w.i32(component)
        }
    }
}
