import BTFParser
import Bytes

/// What one relocation computes against one target (libbpf's `bpf_core_relo_res`): the value the
/// local BTF predicts the instruction holds, the value for the kernel, and how to patch.
struct COREResult: Equatable, Sendable {
    var oldValue: UInt64 = 0
    var newValue: UInt64 = 0
    /// Nothing in the kernel to relocate to, and no neutral value makes sense: poison.
    var poison = false
    /// Whether the instruction must hold `oldValue` (off for bitfields, where clang and libbpf may
    /// legitimately choose different loads, and for type ids, which linking renumbers).
    var validate = true
    /// Load/store sizes for a byte-offset relocation of a non-bitfield (0 when not applicable):
    /// a field that changed size changes the load too, when that is safe.
    var oldSize: UInt32 = 0
    var newSize: UInt32 = 0
    /// The size changed and the field is neither a pointer nor an unsigned integer: a load of a
    /// different size would read a wrong value (only matters for memory instructions).
    var sizeChangeUnsafe = false
}

/// The value computations of relo_core.c (`bpf_core_calc_*_relo`).
enum CORECalc {
    /// One side (local or target) of a field relocation.
    enum FieldValue {
        case value(UInt64, size: UInt32, typeID: TypeID, validate: Bool)
        case poison
    }

    /// Computes the relocation of `kind` for the local spec and, if any, the target's.
    static func result(_ kind: CORERelocationKind, local: CORESpec, localBTF: BTF,
                       target: CORESpec?, targetBTF: BTF?) throws(COREProblem) -> COREResult {
        var result = COREResult()
        if kind.isFieldBased {
            guard case let .value(old, oldSize, oldType, validate) = try field(kind, local, localBTF) else {
                throw .invalid("local field relocation cannot be computed")
            }
            result.oldValue = old
            result.oldSize = oldSize
            result.validate = validate
            guard let target, let targetBTF,
                  case let .value(new, newSize, newType, _) = try field(kind, target, targetBTF) else {
                // EXISTS has a value without a target; everything else poisons.
                if kind == .fieldExists { result.newValue = 0 } else { result.poison = true }
                return result
            }
            result.newValue = new
            result.newSize = newSize
            if oldSize != newSize {
                // Resizing a load is safe for pointers (a 32-bit kernel's pointers, zero-extended)
                // and unsigned integers (zero extension keeps the value); anything else would read
                // a different value than the program means.
                let oldType = try localBTF.coreType(oldType), newType = try targetBTF.coreType(newType)
                let bothPointers = oldType.kind == .pointer && newType.kind == .pointer
                let bothUnsigned = isUnsignedForResize(oldType) && isUnsignedForResize(newType)
                result.sizeChangeUnsafe = !(bothPointers || bothUnsigned)
            }
            return result
        }
        if kind.isTypeBased {
            (result.oldValue, result.validate) = try type(kind, local, localBTF)
            if let target, let targetBTF {
                result.newValue = try type(kind, target, targetBTF).value
            } else {
                // Type-based relocations yield 0 when the kernel has no such type, never poison:
                // `bpf_core_type_size()` and friends document 0 as "not found".
                result.newValue = 0
            }
            return result
        }
        // Enum values.
        result.oldValue = try enumValue(kind, local, localBTF) ?? 0
        if let target, let targetBTF, let value = try enumValue(kind, target, targetBTF) {
            result.newValue = value
        } else if kind == .enumValueExists {
            result.newValue = 0
        } else {
            result.poison = true
        }
        return result
    }

    /// libbpf tests `encoding != BTF_INT_SIGNED`, so CHAR and BOOL integers count as unsigned.
    private static func isUnsignedForResize(_ type: BTFType) -> Bool {
        guard case let .int(_, encoding, _, _) = type.body else { return false }
        return encoding != .signed
    }

    /// A field relocation's value in one BTF (`bpf_core_calc_field_relo`); `spec` is where the
    /// access lands there.
    static func field(_ kind: CORERelocationKind, _ spec: CORESpec, _ btf: BTF) throws(COREProblem) -> FieldValue {
        if kind == .fieldExists { return .value(1, size: 0, typeID: 0, validate: true) }
        guard let accessor = spec.accessors.last else { throw .invalid("empty field access") }
        let bitOffset = spec.bitOffset

        // The access ends on an array element (or the root itself): only offset and size apply.
        guard accessor.name != nil else {
            let size = try btf.coreSize(accessor.typeID)
            switch kind {
            case .fieldByteOffset:
                return .value(UInt64(bitOffset / 8), size: UInt32(truncatingIfNeeded: size), typeID: accessor.typeID, validate: true)
            case .fieldByteSize:
                return .value(size, size: 0, typeID: 0, validate: true)
            default:
                throw .unsatisfiable("\(kind) relocation cannot be applied to an array element")
            }
        }

        let holder = try btf.coreType(accessor.typeID)
        let members = holder.members
        guard accessor.index < members.count else { throw .invalid("member \(accessor.index) of [\(accessor.typeID)] does not exist") }
        let member = members[accessor.index]
        let (fieldTypeID, fieldType) = try btf.coreSkip(member.type)
        var bitSize = Int(member.bitfieldSize)
        let bitfield = bitSize > 0
        var byteSize: Int
        var byteOffset: Int
        if bitfield {
            // The smallest naturally aligned load, starting from the declared integer's size,
            // that covers every bit of the field.
            guard let declared = fieldType.declaredSize, declared > 0 else {
                throw .invalid("bitfield '\(btf.coreName(member.nameOffset))' has a type with no size")
            }
            byteSize = Int(declared)
            byteOffset = bitOffset / 8 / byteSize * byteSize
            while bitOffset + bitSize - byteOffset * 8 > byteSize * 8 {
                guard byteSize < 8 else {
                    throw .unsatisfiable("bitfield '\(btf.coreName(member.nameOffset))' at bit \(bitOffset) cannot be read with one 64-bit load")
                }
                byteSize *= 2
                byteOffset = bitOffset / 8 / byteSize * byteSize
            }
        } else {
            byteSize = Int(truncatingIfNeeded: try btf.coreSize(fieldTypeID))
            byteOffset = bitOffset / 8
            bitSize = byteSize * 8
        }

        // libbpf computes the shifts in 32-bit unsigned arithmetic; keep its wrap-around.
        func u32(_ value: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: value)) }
        switch kind {
        case .fieldByteOffset:
            return .value(UInt64(byteOffset), size: bitfield ? 0 : UInt32(truncatingIfNeeded: byteSize),
                          typeID: bitfield ? 0 : fieldTypeID, validate: !bitfield)
        case .fieldByteSize:
            return .value(UInt64(byteSize), size: 0, typeID: 0, validate: !bitfield)
        case .fieldSigned:
            let signed: Bool
            switch fieldType.body {
            case let .enumeration(_, s, _), let .enum64(_, s, _): signed = s
            case let .int(_, encoding, _, _): signed = encoding.contains(.signed)
            default: signed = false
            }
            return .value(signed ? 1 : 0, size: 0, typeID: 0, validate: true)
        case .fieldLeftShift:
            // Shift left so the field's top bit becomes bit 63 of the loaded 64-bit value.
            let shift = ByteOrder.host == .little
                ? 64 - (bitOffset + bitSize - byteOffset * 8)
                : (8 - byteSize) * 8 + (bitOffset - byteOffset * 8)
            return .value(u32(shift), size: 0, typeID: 0, validate: !bitfield)
        case .fieldRightShift:
            return .value(u32(64 - bitSize), size: 0, typeID: 0, validate: true)
        default:
            throw .invalid("\(kind) is not a field relocation")
        }
    }

    /// A type relocation's value for a found type (`bpf_core_calc_type_relo`).
    static func type(_ kind: CORERelocationKind, _ spec: CORESpec, _ btf: BTF) throws(COREProblem) -> (value: UInt64, validate: Bool) {
        switch kind {
        case .typeIDTarget:
            // Ids change when objects are linked together: the instruction's value is not checked.
            return (UInt64(spec.rootTypeID), false)
        case .typeExists, .typeMatches:
            return (1, true)
        case .typeSize:
            return (try btf.coreSize(spec.rootTypeID), true)
        default:
            throw .invalid("\(kind) is not a type relocation with a target")
        }
    }

    /// An enum relocation's value (`bpf_core_calc_enumval_relo`); nil for VALUE without a match.
    static func enumValue(_ kind: CORERelocationKind, _ spec: CORESpec?, _ btf: BTF) throws(COREProblem) -> UInt64? {
        switch kind {
        case .enumValueExists:
            return spec == nil ? 0 : 1
        case .enumValue:
            guard let spec, let accessor = spec.accessors.first else { return nil }
            let type = try btf.coreType(accessor.typeID)
            switch type.body {
            case let .enumeration(_, _, values) where accessor.index < values.count:
                // libbpf reads the 32-bit value as signed and widens it; the instruction holds the same.
                return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: values[accessor.index].value)))
            case let .enum64(_, _, values) where accessor.index < values.count:
                return UInt64(bitPattern: values[accessor.index].value)
            default:
                throw .invalid("enum value \(accessor.index) of [\(accessor.typeID)] does not exist")
            }
        default:
            throw .invalid("\(kind) is not an enum value relocation")
        }
    }
}
