import Bytes

/// Checks an untrusted BTF blob (an object's `.BTF`) beyond what `init` needs to walk it.
extension BTF {
    /// Every string offset in range, every referenced type id in range, and no reference cycle that
    /// does not pass through a pointer, struct, union or function prototype (those may legally recurse).
    public func validate() throws(BTFError) {
        let count = typeCount
        let stringEnd = Int(firstStringOffset) + stringSection.count
        for id in ownTypeIDs {
            let type = try self.type(id)
            func checkName(_ offset: UInt32) throws(BTFError) {
                guard Int(offset) < max(stringEnd, 1) else {
                    throw .stringOffsetOutOfRange(id: id, offset: offset, stringsLength: stringEnd)
                }
            }
            try checkName(type.nameOffset)
            switch type.body {
            case let .structure(_, members, _), let .union(_, members, _):
                for m in members { try checkName(m.nameOffset) }
            case let .enumeration(_, _, values), let .enum64(_, _, values):
                for v in values { try checkName(v.nameOffset) }
            case let .functionProto(_, params):
                for p in params { try checkName(p.nameOffset) }
            default: break
            }
            for referenced in type.referencedTypes where Int(referenced) >= count {
                throw .typeIDOutOfRange(id: id, referenced: referenced, count: count)
            }
            try checkChain(from: id)
        }
    }

    /// Follows the "value" references (modifiers, typedefs, arrays, vars, decl tags, funcs) that the
    /// kernel resolves eagerly; a chain longer than the kernel's limit is a cycle.
    private func checkChain(from id: TypeID) throws(BTFError) {
        var current = id
        for _ in 0...BTF.maxResolveDepth {
            let type = try self.type(current)
            switch type.body {
            case let .typedef(next), let .volatile(next), let .const(next), let .restrict(next), let .typeTag(next),
                 let .variable(next, _), let .declTag(next, _), let .function(next, _):
                current = next
            case let .array(element, _, _):
                current = element
            default:
                return
            }
        }
        throw .typeCycle(id: id)
    }
}
