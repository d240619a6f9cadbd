import BTFParser

/// `NAME=VALUE`, `NAME.member=VALUE`, `NAME[i]=VALUE`: a value for a global variable (or a part
/// of one), as text. It is checked against the variable's type when an iterator is made from an
/// object (`IteratorObject.makeIterator(settings:)`), before anything is loaded.
public struct VariableAssignment: Hashable, Sendable, CustomStringConvertible {
    /// The variable, or the member or element of it, to set.
    public let path: BTFPath
    /// The value, as text: a number, `true`/`false`, an enum constant, a string, `1,2,3`.
    public let value: String

    /// A setting of `path` to `value`.
    public init(path: BTFPath, value: String) {
        self.path = path
        self.value = value
    }

    /// Parses `PATH=VALUE`: the path ends at the first `=`, everything after it is the value.
    /// - Throws: `IteratorError.variable` when there is no `=` or the path is malformed.
    public init(parsing text: String) throws(IteratorError) {
        guard let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) else {
            throw .variable(.syntax(text: text, reason: "no '='"))
        }
        let name = String(text[..<equals])
        do { path = try BTFPath(parsing: name) } catch { throw .variable(.path(error)) }
        value = String(text[text.index(after: equals)...])
    }

    /// `PATH=VALUE`.
    public var description: String { path.description + "=" + value }
}
