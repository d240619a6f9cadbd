import Bytes

/// Following references: modifiers, typedefs, sizes. Every walk is bounded, so a cycle in untrusted
/// BTF becomes `BTFError.typeCycle` instead of a hang.
extension BTF {
    /// The kernel's MAX_RESOLVE_DEPTH: no legitimate chain of modifiers and typedefs is longer.
    public static let maxResolveDepth = 32

    /// Skips CONST, VOLATILE, RESTRICT, TYPE_TAG and TYPEDEF to the type they name.
    public func skipModsAndTypedefs(_ id: TypeID) throws(BTFError) -> (id: TypeID, type: BTFType) {
        var current = id
        for _ in 0...BTF.maxResolveDepth {
            let type = try self.type(current)
            switch type.body {
            case let .typedef(next), let .volatile(next), let .const(next), let .restrict(next), let .typeTag(next):
                current = next
            default:
                return (current, type)
            }
        }
        throw .typeCycle(id: id)
    }

    /// Skips CONST, VOLATILE, RESTRICT and TYPE_TAG, but not TYPEDEF.
    public func skipMods(_ id: TypeID) throws(BTFError) -> (id: TypeID, type: BTFType) {
        var current = id
        for _ in 0...BTF.maxResolveDepth {
            let type = try self.type(current)
            switch type.body {
            case let .volatile(next), let .const(next), let .restrict(next), let .typeTag(next):
                current = next
            default:
                return (current, type)
            }
        }
        throw .typeCycle(id: id)
    }

    /// Size in bytes of a value of type `id` (libbpf's btf__resolve_size): pointers are 8 bytes on BPF.
    public func size(of id: TypeID) throws(BTFError) -> UInt64 {
        var current = id
        var multiplier: UInt64 = 1
        for _ in 0...BTF.maxResolveDepth {
            let type = try self.type(current)
            switch type.body {
            case let .int(size, _, _, _), let .structure(size, _, _), let .union(size, _, _),
                 let .enumeration(size, _, _), let .enum64(size, _, _), let .dataSection(size, _), let .float(size):
                let (total, overflow) = multiplier.multipliedReportingOverflow(by: UInt64(size))
                guard !overflow else { throw .invalidType(id: id, reason: "size overflows") }
                return total
            case .pointer:
                return multiplier * 8
            case let .typedef(next), let .volatile(next), let .const(next), let .restrict(next),
                 let .typeTag(next), let .variable(next, _):
                current = next
            case let .array(element, _, count):
                let (product, overflow) = multiplier.multipliedReportingOverflow(by: UInt64(count))
                guard !overflow, product <= UInt64(UInt32.max) * 16 else {
                    throw .invalidType(id: id, reason: "array size overflows")
                }
                multiplier = product
                current = element
            case .void, .forward, .function, .functionProto, .declTag:
                throw .invalidType(id: id, reason: "\(type.kind) has no size")
            }
        }
        throw .typeCycle(id: id)
    }
}
