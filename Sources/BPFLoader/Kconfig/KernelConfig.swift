import Bytes
import Deflate

/// One value of a kernel config: what a `.kconfig` extern of a BPF object is set from.
package enum KconfigValue: Equatable, Sendable, CustomStringConvertible {
    /// `=y`
    case yes
    /// `=m`
    case module
    /// `=n`, or `# CONFIG_X is not set`
    case no
    /// `="..."`, without the quotes and with Kconfig's backslash escapes (`\"`, `\\`) undone.
    case string(String)
    /// A decimal (`250`, `-1`), hexadecimal (`0x1000000`) or octal (`0755`, as libbpf's `strtoull(…, 0)`
    /// reads it) integer, kept as written. It was checked to fit 64 bits when parsed.
    case number(String)

    /// `y` or `m`.
    package var isEnabled: Bool { self == .yes || self == .module }

    /// The text of a `.string`; nil for any other value.
    package var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The number, if it is one and fits `Int64` (`0xdead000000000000` does not).
    package var int64: Int64? {
        guard case let .number(text) = self, let (negative, magnitude) = KconfigValue.parseNumber(text) else {
            return nil
        }
        if negative { return magnitude <= UInt64(1) << 63 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// The number, if it is one and not negative.
    package var uint64: UInt64? {
        guard case let .number(text) = self, let (negative, magnitude) = KconfigValue.parseNumber(text) else {
            return nil
        }
        return negative && magnitude != 0 ? nil : magnitude
    }

    /// The 64 bits libbpf stores for a number (`strtoull`: negative values wrap), whatever its sign.
    package var bitPattern: UInt64? {
        guard case let .number(text) = self, let (negative, magnitude) = KconfigValue.parseNumber(text) else {
            return nil
        }
        return negative ? 0 &- magnitude : magnitude
    }

    /// As a config file writes it.
    package var description: String {
        switch self {
        case .yes: return "y"
        case .module: return "m"
        case .no: return "n"
        case let .number(text): return text
        case let .string(s):
            var escaped = "\""
            for scalar in s.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { escaped += "\\" }
                escaped.unicodeScalars.append(scalar)
            }
            return escaped + "\""
        }
    }

    /// Sign and magnitude of `[-]digits`, `[-]0x hex` or `[-]0 octal`; nil if that is not the whole
    /// text or the magnitude does not fit 64 bits (or, negative, 2^63).
    static func parseNumber(_ text: String) -> (negative: Bool, magnitude: UInt64)? {
        switch parseNumber(Array(text.utf8)[...]) {
        case let .valid(negative, magnitude): return (negative, magnitude)
        case .invalid, .outOfRange: return nil
        }
    }

    enum NumberParse: Equatable {
        case valid(negative: Bool, magnitude: UInt64)
        case invalid
        case outOfRange
    }

    static func parseNumber(_ text: ArraySlice<UInt8>) -> NumberParse {
        var i = text.startIndex
        var negative = false
        if i < text.endIndex, text[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var radix: UInt64 = 10
        if text.endIndex - i >= 2, text[i] == UInt8(ascii: "0"), text[i + 1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            i += 2
        } else if text.endIndex - i >= 2, text[i] == UInt8(ascii: "0") {
            radix = 8
            i += 1
        }
        guard i < text.endIndex else { return .invalid }
        var magnitude: UInt64 = 0
        var overflow = false
        while i < text.endIndex {
            let c = text[i]
            let digit: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(c - UInt8(ascii: "A") + 10)
            default: return .invalid
            }
            guard digit < radix else { return .invalid }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: radix)
            let (sum, o2) = times.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            magnitude = sum
            i += 1
        }
        if overflow || (negative && magnitude > UInt64(1) << 63) { return .outOfRange }
        return .valid(negative: negative, magnitude: magnitude)
    }
}

/// A malformed line of a kernel config, by 1-based line number.
package enum KconfigError: Error, Equatable, CustomStringConvertible {
    /// A `CONFIG_` line with no `=`.
    case noSeparator(line: Int, text: String)
    /// A name that is not `CONFIG_` followed by letters, digits and underscores.
    case badName(line: Int, name: String)
    /// `CONFIG_X=` with nothing after the `=`.
    case emptyValue(line: Int, name: String)
    /// A string value with no closing quote.
    case unterminatedString(line: Int, name: String)
    /// Something other than blanks after a string's closing quote.
    case textAfterString(line: Int, name: String, text: String)
    /// Neither `y`, `m`, `n`, a quoted string nor a number.
    case badValue(line: Int, name: String, value: String)
    /// A number that does not fit 64 bits.
    case numberOutOfRange(line: Int, name: String, value: String)
    /// The gzip'd config (/proc/config.gz) did not inflate.
    case decompression(InflateError)

    package var description: String {
        switch self {
        case let .noSeparator(line, text):
            return "kernel config line \(line): '\(text)' has no '='"
        case let .badName(line, name):
            return "kernel config line \(line): '\(name)' is not a valid option name"
        case let .emptyValue(line, name):
            return "kernel config line \(line): \(name) has no value"
        case let .unterminatedString(line, name):
            return "kernel config line \(line): \(name) has a string value with no closing quote"
        case let .textAfterString(line, name, text):
            return "kernel config line \(line): \(name) has '\(text)' after its string value"
        case let .badValue(line, name, value):
            return "kernel config line \(line): \(name)=\(value) is not y, m, n, a quoted string or a number"
        case let .numberOutOfRange(line, name, value):
            return "kernel config line \(line): \(name)=\(value) does not fit 64 bits"
        case let .decompression(error):
            return "kernel config: \(error.description)"
        }
    }
}

/// A kernel configuration (/proc/config.gz, /boot/config-$(uname -r)): `CONFIG_NAME` to value.
///
/// Read as libbpf's `bpf_object__process_kconfig_line` reads it: only lines starting with `CONFIG_`
/// are assignments, and one without `=` or without a value is an error. Differences: every value is
/// checked (libbpf only checks the ones its externs ask for), strings have their escapes undone (as
/// Kconfig does), `# CONFIG_X is not set` gives `.no` (libbpf leaves such externs at their zero
/// default, which is the same), and trailing blanks and `\r` are ignored. As in libbpf, the first
/// assignment of a name wins.
package struct KernelConfig: Sendable {
    /// Every assignment, by full name (`CONFIG_HZ`); `# CONFIG_X is not set` lines give `.no`.
    package private(set) var values: [String: KconfigValue]

    /// The output limit `init(fileContents:)` uses by default: real configs inflate to about 250 KB.
    package static let defaultLimit = 64 << 20

    /// A config with the given values (tests, or a config assembled by hand).
    package init(values: [String: KconfigValue] = [:]) {
        self.values = values
    }

    /// Parses config text.
    package init(parsing text: String) throws(KconfigError) {
        try self.init(parsing: ByteView(Array(text.utf8)))
    }

    /// The contents of a config file, gzip'd (detected by its magic, as libbpf's `gzopen` does) or not.
    package init(fileContents data: ByteView, limit: Int = KernelConfig.defaultLimit) throws(KconfigError) {
        guard Gzip.isGzip(data) else {
            try self.init(parsing: data)
            return
        }
        let text: [UInt8]
        do {
            text = try Gzip.decompress(data, limit: limit)
        } catch {
            throw .decompression(error)
        }
        try self.init(parsing: ByteView(text))
    }

    /// Parses config text.
    package init(parsing text: ByteView) throws(KconfigError) {
        let bytes = text.array
        var values: [String: KconfigValue] = [:]
        values.reserveCapacity(bytes.count / 40)
        var notSet: [String] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0a { end += 1 }
            let next = end + 1
            // Trailing blanks and the \r of CRLF files.
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0d {
                end -= 1
            }
            let line = bytes[start..<end]
            start = next
            if KernelConfig.hasPrefix(line, "CONFIG_") {
                let (name, value) = try KernelConfig.assignment(line, lineNumber)
                if values[name] == nil { values[name] = value }
            } else if let name = KernelConfig.notSetName(line) {
                notSet.append(name)
            }
        }
        for name in notSet where values[name] == nil {
            values[name] = .no
        }
        self.values = values
    }

    /// The value of `name` (with its `CONFIG_` prefix), or nil if the config does not mention it.
    package subscript(_ name: String) -> KconfigValue? { values[name] }

    /// Number of options set.
    package var count: Int { values.count }

    // MARK: Lines

    static func hasPrefix(_ line: ArraySlice<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard line.count >= count else { return false }
        let p = prefix.utf8Start
        for i in 0..<count where line[line.startIndex + i] != p[i] { return false }
        return true
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func isNameCharacter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }

    static func isName(_ name: ArraySlice<UInt8>) -> Bool {
        guard name.count > 7 else { return false }
        for c in name where !isNameCharacter(c) { return false }
        return true
    }

    /// `CONFIG_NAME=VALUE`.
    static func assignment(_ line: ArraySlice<UInt8>, _ number: Int) throws(KconfigError) -> (String, KconfigValue) {
        guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else {
            throw .noSeparator(line: number, text: text(line))
        }
        let nameBytes = line[line.startIndex..<equals]
        let name = text(nameBytes)
        guard isName(nameBytes) else { throw .badName(line: number, name: name) }
        let value = line[(equals + 1)...]
        guard let first = value.first else { throw .emptyValue(line: number, name: name) }
        if value.count == 1 {
            switch first {
            case UInt8(ascii: "y"): return (name, .yes)
            case UInt8(ascii: "m"): return (name, .module)
            case UInt8(ascii: "n"): return (name, .no)
            default: break
            }
        }
        if first == UInt8(ascii: "\"") {
            return (name, .string(try string(value, name: name, line: number)))
        }
        switch KconfigValue.parseNumber(value) {
        case .valid: return (name, .number(text(value)))
        case .outOfRange: throw .numberOutOfRange(line: number, name: name, value: text(value))
        case .invalid: throw .badValue(line: number, name: name, value: text(value))
        }
    }

    /// A quoted value: a backslash keeps the next byte whatever it is (Kconfig's `conf_set_sym_val`).
    static func string(_ value: ArraySlice<UInt8>, name: String, line: Int) throws(KconfigError) -> String {
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(value.count)
        var i = value.startIndex + 1
        while i < value.endIndex {
            let c = value[i]
            if c == UInt8(ascii: "\"") {
                let rest = value[(i + 1)...]
                guard rest.isEmpty else { throw .textAfterString(line: line, name: name, text: text(rest)) }
                return String(decoding: unescaped, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < value.endIndex else { break }
            }
            unescaped.append(value[i])
            i += 1
        }
        throw .unterminatedString(line: line, name: name)
    }

    /// The name in `# CONFIG_NAME is not set`, or nil for any other line.
    static func notSetName(_ line: ArraySlice<UInt8>) -> String? {
        guard hasPrefix(line, "# CONFIG_") else { return nil }
        let suffix: [UInt8] = Array(" is not set".utf8)
        guard line.count > 2 + suffix.count, line.suffix(suffix.count).elementsEqual(suffix) else { return nil }
        let name = line[(line.startIndex + 2)..<(line.endIndex - suffix.count)]
        return isName(name) ? text(name) : nil
    }
}
