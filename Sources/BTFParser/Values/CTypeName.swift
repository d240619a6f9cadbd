import Bytes

/// Types written as C writes them, for messages, `iter list` and `iter info`.
///
/// C puts part of a type after the name it declares (`char comm[16]`, `int (*f)(int)`), so a type
/// is written from the outside in: each pointer, array or function wraps the declarator built so
/// far, and the base type (a name: `int`, `pid_t`, `struct task_struct`) comes last, in front.
extension BTF {
    /// The type as C names it: `unsigned int`, `pid_t`, `const volatile __u32`, `char[16]`,
    /// `struct task_struct *`, `int (*)[4]`, `int (*)(int, char *)`. Anonymous structs, unions
    /// and enums are `struct (anon)` (as bpftool shows them); an unreadable or cyclic type is `?`.
    public func displayName(_ id: TypeID) -> String {
        var budget = BTF.maximumNameVisits
        return declaration(id, declarator: "", depth: 0, budget: &budget)
    }

    /// A C declaration of `name` with type `id`: `char target_comm[16]`, `const volatile pid_t
    /// targ_tgid`, `void (*handler)(int)`.
    public func cDeclaration(_ id: TypeID, name: String) -> String {
        var budget = BTF.maximumNameVisits
        return declaration(id, declarator: name, depth: 0, budget: &budget)
    }

    /// How many types one name may visit, and how long it may grow: function prototypes whose
    /// parameters are function prototypes would otherwise grow a name exponentially with depth
    /// (malformed BTF can), and names may be as long as the string section.
    static let maximumNameVisits = 1024
    static let maximumNameLength = 4096

    /// Writes type `id` around `declarator`, the part already built (a name, `*`, `[4]`, …).
    private func declaration(_ id: TypeID, declarator: String, depth: Int, budget: inout Int) -> String {
        budget -= 1
        guard declarator.utf8.count <= BTF.maximumNameLength else { return "?" }
        guard budget >= 0, depth < BTF.maxResolveDepth, let type = try? self.type(id) else { return BTF.join("?", declarator) }
        let next = depth + 1
        switch type.body {
        case .void:
            return BTF.join("void", declarator)
        case .int, .float, .typedef:
            let name = self.name(of: id)
            return BTF.join(name.isEmpty ? "?" : name, declarator)
        case .structure:
            return BTF.join("struct " + tag(id), declarator)
        case .union:
            return BTF.join("union " + tag(id), declarator)
        case .enumeration, .enum64:
            return BTF.join("enum " + tag(id), declarator)
        case let .forward(isUnion):
            return BTF.join((isUnion ? "union " : "struct ") + tag(id), declarator)
        case let .pointer(to):
            return declaration(to, declarator: "*" + declarator, depth: next, budget: &budget)
        case .const, .volatile, .restrict, .typeTag:
            return qualified(id, declarator: declarator, depth: depth, budget: &budget)
        case let .array(element, _, count):
            return declaration(element, declarator: BTF.grouped(declarator) + "[\(count)]", depth: next, budget: &budget)
        case let .functionProto(returns, params):
            var list: [String] = []
            var length = 0
            for (i, param) in params.enumerated() {
                if budget < 0 || length > BTF.maximumNameLength {
                    list.append("?")
                    break
                }
                if param.type == 0 && i == params.count - 1 {
                    list.append("...")
                } else {
                    let name = param.nameOffset == 0 ? "" : (string(at: param.nameOffset)?.string ?? "")
                    list.append(declaration(param.type, declarator: name, depth: next, budget: &budget))
                    length += list[list.count - 1].utf8.count
                }
            }
            let arguments = list.isEmpty ? "void" : list.joined(separator: ", ")
            return declaration(returns, declarator: BTF.grouped(declarator) + "(" + arguments + ")", depth: next, budget: &budget)
        case let .function(proto, _):
            return declaration(proto, declarator: BTF.join(self.name(of: id), declarator), depth: next, budget: &budget)
        case let .variable(variableType, _):
            return declaration(variableType, declarator: BTF.join(self.name(of: id), declarator), depth: next, budget: &budget)
        case let .declTag(target, _):
            return declaration(target, declarator: declarator, depth: next, budget: &budget)
        case .dataSection:
            return BTF.join(self.name(of: id), declarator)
        }
    }

    /// A run of CONST, VOLATILE, RESTRICT and TYPE_TAG, written in C's usual order (`const
    /// volatile`, whichever order clang chained them in). On a pointer the qualifiers follow
    /// its star (`char *const`); on anything else they lead (`const volatile pid_t`). Type tags
    /// are attributes with no C spelling of their own: left out.
    private func qualified(_ id: TypeID, declarator: String, depth: Int, budget: inout Int) -> String {
        var isConst = false, isVolatile = false, isRestrict = false
        var current = id
        var level = depth
        while level < BTF.maxResolveDepth, let type = try? self.type(current) {
            switch type.body {
            case let .const(next): isConst = true; current = next
            case let .volatile(next): isVolatile = true; current = next
            case let .restrict(next): isRestrict = true; current = next
            case let .typeTag(next): current = next
            default:
                let qualifiers = (isConst ? ["const"] : []) + (isVolatile ? ["volatile"] : []) + (isRestrict ? ["restrict"] : [])
                let words = qualifiers.joined(separator: " ")
                if words.isEmpty { return declaration(current, declarator: declarator, depth: level + 1, budget: &budget) }
                if case .pointer = type.body {
                    return declaration(current, declarator: BTF.join(words, declarator), depth: level + 1, budget: &budget)
                }
                return words + " " + declaration(current, declarator: declarator, depth: level + 1, budget: &budget)
            }
            level += 1
        }
        return BTF.join("?", declarator)
    }

    /// A struct, union or enum tag, `(anon)` when there is none.
    private func tag(_ id: TypeID) -> String {
        let name = self.name(of: id)
        return name.isEmpty ? "(anon)" : name
    }

    /// `base declarator`, without a space before an array's brackets (`char[16]`) or when there
    /// is no declarator.
    private static func join(_ base: String, _ declarator: String) -> String {
        if declarator.isEmpty || declarator.hasPrefix("[") { return base + declarator }
        return base + " " + declarator
    }

    /// A pointer declarator in parentheses before an array or parameter list binds to it
    /// (`(*)[4]`: pointer to array, not array of pointers).
    private static func grouped(_ declarator: String) -> String {
        declarator.hasPrefix("*") ? "(" + declarator + ")" : declarator
    }
}
