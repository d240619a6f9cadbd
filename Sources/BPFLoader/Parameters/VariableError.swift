import BTFParser

/// Why a variable setting was refused, before anything was loaded. Each `description` is one
/// line naming the variable and what was expected.
public enum VariableError: Error, Equatable, CustomStringConvertible {
    /// Not `NAME[.member|[i]]…=VALUE`.
    case syntax(text: String, reason: String)
    /// The object has no settable variable of that name. `suggestions` are the names closest
    /// to it; `settable` all there are.
    case unknown(name: String, suggestions: [String], settable: [String])
    /// An extern: the loader fills it from the running kernel.
    case extern(name: String, ExternSource)
    /// The path names no part of the variable, or is not a path.
    case path(BTFPathError)
    /// The value is not one of the variable's (or member's) type.
    case value(path: String, BTFTextError)
    /// Two settings write the same bytes (the same path twice, or `a` and `a[1]`).
    case duplicate(path: String, other: String)

    public var description: String {
        switch self {
        case let .syntax(text, reason):
            return "'\(text)' is not NAME=VALUE: \(reason)"
        case let .unknown(name, suggestions, settable):
            let hint: String
            if !suggestions.isEmpty {
                hint = "did you mean " + VariableError.list(suggestions, last: "or") + "?"
            } else if settable.isEmpty {
                hint = "it has none that can be set"
            } else {
                hint = "settable: " + settable.joined(separator: ", ")
            }
            return "no variable '\(name)' to set in the object (\(hint))"
        case let .extern(name, source):
            switch source {
            case .kconfig: return "'\(name)' is a __kconfig extern: the loader fills it in from the running kernel, it cannot be set"
            case .ksym: return "'\(name)' is a __ksym extern: the loader resolves it in the running kernel, it cannot be set"
            }
        case let .path(error):
            return error.description
        case let .value(path, error):
            return "\(path): \(error.description)"
        case let .duplicate(path, other):
            return path == other ? "\(path) is set twice" : "\(path) is set twice (\(other) sets it too)"
        }
    }

    /// What fills an extern.
    public enum ExternSource: Sendable, Equatable {
        /// `__kconfig`: the kernel's configuration (or the loader's own `LINUX_*` values).
        case kconfig
        /// `__ksym`: a kernel variable, function or symbol address.
        case ksym
    }

    /// `a`, `a or b`, `a, b or c`.
    private static func list(_ items: [String], last: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(last) " + (items.last ?? "")
    }
}
