import BTFParser
import Bytes

/// The matching rules of libbpf's (and the kernel's) relo_core.c: which target types and members
/// correspond to the local ones. Each function answers true/false for "matches" and fails only
/// for BTF that cannot be walked (libbpf's negative returns, which abort the load).
enum COREMatch {
    /// libbpf's recursion limit for type comparisons.
    static let maxDepth = 32

    static func isAnyEnum(_ kind: BTFKind) -> Bool { kind == .enumeration || kind == .enum64 }

    /// Same kind, where ENUM and ENUM64 count as one (btf_kind_core_compat).
    static func kindsCompatible(_ a: BTFKind, _ b: BTFKind) -> Bool {
        a == b || (isAnyEnum(a) && isAnyEnum(b))
    }

    static func isComposite(_ kind: BTFKind) -> Bool { kind == .structure || kind == .union }

    /// INT's bit offset (old-style bitfields encode one; CO-RE refuses them).
    static func intOffset(_ type: BTFType) -> UInt8 {
        if case let .int(_, _, bitOffset, _) = type.body { return bitOffset }
        return 0
    }

    /// Element of an ARRAY, pointee of a PTR (0 for anything else).
    static func inner(_ type: BTFType) -> TypeID {
        switch type.body {
        case let .pointer(to): return to
        case let .array(element, _, _): return element
        default: return 0
        }
    }

    // MARK: - Type compatibility (bpf_core_types_are_compat)

    /// Whether a target type can stand for a local one in a type-based relocation: same kind after
    /// modifiers and typedefs, pointers and arrays compared through, prototypes compared parameter
    /// by parameter; names are the caller's business (candidates already share the essential name).
    static func typesAreCompatible(_ local: BTF, _ localID: TypeID, _ target: BTF, _ targetID: TypeID,
                                   level: Int = maxDepth) throws(COREProblem) -> Bool {
        guard kindsCompatible(try local.coreType(localID).kind, try target.coreType(targetID).kind) else { return false }
        var l = localID, t = targetID
        for _ in 0..<maxDepth {
            let (_, lt) = try local.coreSkip(l)
            let (_, tt) = try target.coreSkip(t)
            guard kindsCompatible(lt.kind, tt.kind) else { return false }
            switch lt.body {
            case .void, .structure, .union, .enumeration, .enum64, .forward:
                return true
            case .int:
                return intOffset(lt) == 0 && intOffset(tt) == 0
            case .pointer, .array:
                l = inner(lt)
                t = inner(tt)
            case let .functionProto(localReturn, localParams):
                guard case let .functionProto(targetReturn, targetParams) = tt.body,
                      localParams.count == targetParams.count else { return false }
                for (lp, tp) in zip(localParams, targetParams) {
                    guard level > 0 else { throw .invalid("function prototypes nest deeper than \(maxDepth)") }
                    let lParam = try local.coreSkip(lp.type).id
                    let tParam = try target.coreSkip(tp.type).id
                    guard try typesAreCompatible(local, lParam, target, tParam, level: level - 1) else { return false }
                }
                l = localReturn
                t = targetReturn
            default:
                return false
            }
        }
        throw .invalid("type chain from [\(localID)] is deeper than \(maxDepth)")
    }

    // MARK: - Field compatibility (bpf_core_fields_are_compat)

    /// Whether a target member's type can be read the way the program reads the local member:
    /// any struct/union for any struct/union, any pointer for any pointer, any integer size and
    /// sign (the sign is a relocation of its own), enums and forward declarations by essential name.
    static func fieldsAreCompatible(_ local: BTF, _ localID: TypeID, _ target: BTF, _ targetID: TypeID) throws(COREProblem) -> Bool {
        var l = localID, t = targetID
        for _ in 0..<maxDepth {
            let (_, lt) = try local.coreSkip(l)
            let (_, tt) = try target.coreSkip(t)
            if isComposite(lt.kind) && isComposite(tt.kind) { return true }
            guard kindsCompatible(lt.kind, tt.kind) else { return false }
            switch lt.body {
            case .pointer, .float:
                return true
            case .forward, .enumeration, .enum64:
                let ln = local.coreName(lt.nameOffset), tn = target.coreName(tt.nameOffset)
                return ln.isEmpty || tn.isEmpty || CORENames.essentialNamesEqual(ln, tn)
            case .int:
                return intOffset(lt) == 0 && intOffset(tt) == 0
            case .array:
                l = inner(lt)
                t = inner(tt)
            default:
                return false
            }
        }
        throw .invalid("array type chain from [\(localID)] is deeper than \(maxDepth)")
    }

    // MARK: - Spec matching (bpf_core_spec_match)

    /// Finds in the target type `targetID` the access `local` describes; nil when the target does
    /// not have it (a name missing, an index out of bounds, an incompatible type on the way).
    static func matchSpec(_ local: CORESpec, localBTF: BTF, target: BTF, targetID: TypeID) throws(COREProblem) -> CORESpec? {
        var spec = CORESpec(kind: local.kind, rootTypeID: targetID)

        if local.kind.isTypeBased {
            let matches = local.kind == .typeMatches
                ? try typesMatch(localBTF, local.rootTypeID, target, targetID, behindPointer: false, level: maxDepth)
                : try typesAreCompatible(localBTF, local.rootTypeID, target, targetID)
            return matches ? spec : nil
        }

        if local.kind.isEnumValueBased {
            let (enumID, enumType) = try target.coreSkip(targetID)
            let values: [BTFEnumValue]
            switch enumType.body {
            case let .enumeration(_, _, v), let .enum64(_, _, v): values = v
            default: return nil
            }
            guard let wanted = local.accessors.first?.name else { return nil }
            for (i, value) in values.enumerated() {
                let name = target.coreName(value.nameOffset)
                if CORENames.essentialNamesEqual(wanted, name) {
                    spec.accessors.append(COREAccessor(typeID: enumID, index: i, name: name))
                    spec.raw.append(i)
                    return spec
                }
            }
            return nil
        }

        var id = targetID
        for (i, localAccessor) in local.accessors.enumerated() {
            let (currentID, current) = try target.coreSkip(id)
            id = currentID
            if localAccessor.name != nil {
                guard let next = try matchMember(localBTF, localAccessor, target, id, &spec) else { return nil }
                id = next
                continue
            }
            // An index. The first one applies to the root itself; later ones need an array here.
            if i > 0 {
                guard case let .array(element, _, count) = current.body else { return nil }
                let flexible = try CORESpec.isFlexibleArray(target, enclosing: spec.accessors.last, count: count)
                guard flexible || localAccessor.index < Int(count) else { return nil }
                id = try target.coreSkip(element).id
            }
            guard spec.raw.count < CORESpec.maxLength else { throw .invalid("target access nests deeper than \(CORESpec.maxLength)") }
            spec.accessors.append(COREAccessor(typeID: id, index: localAccessor.index, name: nil))
            spec.raw.append(localAccessor.index)
            spec.bitOffset += try CORESpec.scaledBits(localAccessor.index, elementSize: target.coreSize(id))
        }
        return spec
    }

    /// Finds the member named like the local accessor's member in target struct/union `targetID`,
    /// looking inside anonymous members too (C lets `s.x` reach into an unnamed union). Extends
    /// `spec` with the raw steps and bit offset taken and returns the member's type, or leaves
    /// `spec` unchanged and returns nil.
    static func matchMember(_ localBTF: BTF, _ accessor: COREAccessor, _ target: BTF, _ targetID: TypeID,
                            _ spec: inout CORESpec, depth: Int = 0) throws(COREProblem) -> TypeID? {
        let (compositeID, composite) = try target.coreSkip(targetID)
        guard isComposite(composite.kind) else { return nil }
        guard depth < CORESpec.maxLength else { throw .invalid("anonymous members nest deeper than \(CORESpec.maxLength)") }
        let localHolder = try localBTF.coreType(accessor.typeID)
        let localMembers = localHolder.members
        guard accessor.index < localMembers.count, let wanted = accessor.name else { return nil }
        let localMember = localMembers[accessor.index]

        for (i, member) in composite.members.enumerated() {
            guard spec.raw.count < CORESpec.maxLength else { throw .invalid("target access nests deeper than \(CORESpec.maxLength)") }
            // Speculate that this member is the one; undo below if it is not.
            spec.bitOffset += Int(member.bitOffset)
            spec.raw.append(i)
            let name = target.string(at: member.nameOffset)
            if member.nameOffset == 0 || name?.isEmpty ?? true {
                if let found = try matchMember(localBTF, accessor, target, member.type, &spec, depth: depth + 1) {
                    return found
                }
            } else if name?.equals(wanted) ?? false {
                // Names are unique in a C struct: this is the only candidate, compatible or not.
                if try fieldsAreCompatible(localBTF, localMember.type, target, member.type) {
                    spec.accessors.append(COREAccessor(typeID: compositeID, index: i, name: wanted))
                    return member.type
                }
                spec.bitOffset -= Int(member.bitOffset)
                spec.raw.removeLast()
                return nil
            }
            spec.bitOffset -= Int(member.bitOffset)
            spec.raw.removeLast()
        }
        return nil
    }

    // MARK: - Type matching (__bpf_core_types_match, for TYPE_MATCHES)

    /// Names equal ignoring flavors; an anonymous target matches only an anonymous local.
    static func namesMatch(_ local: BTF, _ localOffset: UInt32, _ target: BTF, _ targetOffset: UInt32) -> Bool {
        let tn = target.coreName(targetOffset), ln = local.coreName(localOffset)
        if tn.isEmpty { return ln.isEmpty }
        return CORENames.essentialNamesEqual(ln, tn)
    }

    /// The stricter relation `bpf_core_type_matches()` asks for: same kinds, integers of the same
    /// size and sign, every local member present (by name) in the target with a matching type,
    /// every local enumerator present by name, arrays of the same length, prototypes argument by
    /// argument. Behind a pointer, a struct may match a forward declaration of it.
    static func typesMatch(_ local: BTF, _ localID: TypeID, _ target: BTF, _ targetID: TypeID,
                           behindPointer: Bool, level: Int) throws(COREProblem) -> Bool {
        guard level > 0 else { throw .invalid("types nest deeper than \(maxDepth) for a type match") }
        var l = localID, t = targetID, behind = behindPointer
        for _ in 0..<maxDepth {
            let (_, lt) = try local.coreSkip(l)
            let (_, tt) = try target.coreSkip(t)
            guard namesMatch(local, lt.nameOffset, target, tt.nameOffset) else { return false }
            switch lt.body {
            case .void:
                return tt.kind == .void
            case let .forward(localIsUnion):
                if case let .forward(targetIsUnion) = tt.body { return localIsUnion == targetIsUnion }
                guard behind else { return false }
                return (tt.kind == .structure && !localIsUnion) || (tt.kind == .union && localIsUnion)
            case .enumeration, .enum64:
                guard isAnyEnum(tt.kind) else { return false }
                return enumsMatch(local, lt, target, tt)
            case .structure, .union:
                if behind {
                    if lt.kind == tt.kind { return true }
                    guard case let .forward(targetIsUnion) = tt.body else { return false }
                    return (lt.kind == .union) == targetIsUnion
                }
                guard lt.kind == tt.kind else { return false }
                return try compositesMatch(local, lt, target, tt, behindPointer: behind, level: level)
            case let .int(localSize, localEncoding, _, _):
                guard case let .int(targetSize, targetEncoding, _, _) = tt.body else { return false }
                return localSize == targetSize && localEncoding.contains(.signed) == targetEncoding.contains(.signed)
            case let .pointer(to):
                guard case let .pointer(targetTo) = tt.body else { return false }
                behind = true
                l = to
                t = targetTo
            case let .array(element, _, count):
                guard case let .array(targetElement, _, targetCount) = tt.body, count == targetCount else { return false }
                l = element
                t = targetElement
            case let .functionProto(localReturn, localParams):
                guard case let .functionProto(targetReturn, targetParams) = tt.body,
                      localParams.count == targetParams.count else { return false }
                for (lp, tp) in zip(localParams, targetParams) {
                    guard try typesMatch(local, lp.type, target, tp.type, behindPointer: behind, level: level - 1) else { return false }
                }
                l = localReturn
                t = targetReturn
            default:
                return false
            }
        }
        throw .invalid("type chain from [\(localID)] is deeper than \(maxDepth)")
    }

    /// Same size, and every local enumerator has a target enumerator of the same (essential) name.
    static func enumsMatch(_ local: BTF, _ lt: BTFType, _ target: BTF, _ tt: BTFType) -> Bool {
        guard lt.declaredSize == tt.declaredSize else { return false }
        let localValues = enumValues(lt), targetValues = enumValues(tt)
        guard localValues.count <= targetValues.count else { return false }
        for lv in localValues {
            guard targetValues.contains(where: { namesMatch(local, lv.nameOffset, target, $0.nameOffset) }) else { return false }
        }
        return true
    }

    static func enumValues(_ type: BTFType) -> [BTFEnumValue] {
        switch type.body {
        case let .enumeration(_, _, values), let .enum64(_, _, values): return values
        default: return []
        }
    }

    /// Every local member has a target member of the same name whose type matches.
    static func compositesMatch(_ local: BTF, _ lt: BTFType, _ target: BTF, _ tt: BTFType,
                                behindPointer: Bool, level: Int) throws(COREProblem) -> Bool {
        let localMembers = lt.members, targetMembers = tt.members
        guard localMembers.count <= targetMembers.count else { return false }
        for lm in localMembers {
            var matched = false
            for tm in targetMembers where namesMatch(local, lm.nameOffset, target, tm.nameOffset) {
                if try typesMatch(local, lm.type, target, tm.type, behindPointer: behindPointer, level: level - 1) {
                    matched = true
                    break
                }
            }
            guard matched else { return false }
        }
        return true
    }
}
