/// The arguments of a command, consumed left to right by its grammar.
struct Words {
    /// What is left.
    private(set) var rest: ArraySlice<Argument>

    /// Words over `arguments`.
    init(_ arguments: some Collection<Argument>) {
        rest = ArraySlice(arguments)
    }

    /// Nothing left.
    var isEmpty: Bool { rest.isEmpty }

    /// The next word, not consumed.
    var peek: Argument? { rest.first }

    /// Consumes the next word; `what` names it in the error when there is none
    /// (`'task tid' needs a number`).
    mutating func next(_ missing: @autoclosure () -> String) throws(UsageError) -> Argument {
        guard let word = rest.first else { throw UsageError(missing()) }
        rest.removeFirst()
        return word
    }

    /// Consumes the next word if it is a prefix of `keyword`.
    mutating func take(_ keyword: String) -> Bool {
        guard let word = rest.first, word.isPrefix(of: keyword) else { return false }
        rest.removeFirst()
        return true
    }

    /// Consumes the next word and returns the first of `keywords` it is a prefix of (an exact
    /// match wins: `pid` is a prefix of `pid_fd`). `expected` names them in the error.
    mutating func keyword(
        _ keywords: [String], missing: @autoclosure () -> String,
        unknown: (Argument) -> String
    ) throws(UsageError) -> String {
        let word = try next(missing())
        guard let found = keywords.first(where: { word.is($0) }) ?? keywords.first(where: { word.isPrefix(of: $0) }) else {
            throw UsageError(unknown(word))
        }
        return found
    }

    /// Consumes a number: strtoul with base 0 (`0x10`, `020`, `16`) that must use the whole word
    /// and be at most `limit`; `what` names it in the error (`can't parse x as ID`).
    mutating func number(_ what: String, missing: @autoclosure () -> String, limit: UInt64 = .max) throws(UsageError) -> UInt64 {
        let word = try next(missing())
        guard let value = Words.parseNumber(word.text), value <= limit else {
            throw UsageError("can't parse \(word) as \(what)")
        }
        return value
    }

    /// Fails on anything left over after `command`.
    func expectEnd(after command: String) throws(UsageError) {
        if let extra = rest.first {
            throw UsageError("unexpected argument '\(extra)' after '\(command)'", showUsage: true)
        }
    }

    /// strtoul(s, &end, 0) that must consume the whole string: decimal, 0x hex or 0 octal.
    static func parseNumber(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1 && digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        return UInt64(digits, radix: radix)
    }
}
