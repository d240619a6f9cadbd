import BPFLoader

/// A JSON document, built by commands and written by `JSONValue.render`. Strings are escaped
/// per RFC 8259 (bpftool's error objects are not, so a quote in a path breaks them; ours never do).
indirect enum JSONValue: Equatable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A signed integer.
    case int(Int64)
    /// An unsigned integer (ids, sizes: full 64-bit range).
    case uint(UInt64)
    /// A string, escaped when rendered.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// Keys keep their order: output is stable and reads in the order a person expects.
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.render(pretty: false) == rhs.render(pretty: false)
    }

    /// The document as text; `pretty` indents with 4 spaces as bpftool's `-p` does.
    func render(pretty: Bool) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .uint(u): out += String(u)
        case let .string(s): JSONValue.escape(s, into: &out)
        case let .array(items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out += "]"
        case let .object(fields):
            guard !fields.isEmpty else {
                out += "{}"
                return
            }
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                JSONValue.escape(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(&out, indent) }
            out += "}"
        }
    }

    private func newline(_ out: inout String, _ indent: Int) {
        out += "\n"
        for _ in 0..<indent { out += "    " }
    }

    /// Appends `s` as a JSON string literal.
    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let digits = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue {
    /// An option field's value: numbers as numbers, a set flag as `true`.
    init(_ value: OptionField.Value) {
        switch value {
        case let .number(n): self = .uint(n)
        case let .text(t): self = .string(t)
        case .flag: self = .bool(true)
        }
    }
}
