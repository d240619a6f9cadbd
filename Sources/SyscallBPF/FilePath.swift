/// A path as the kernel takes it: bytes, not Unicode. Linux file names are any bytes but `/` and
/// NUL, so a path from the command line or a directory listing reaches system calls unchanged,
/// even when it is not UTF-8 (a `String` would replace such bytes with U+FFFD and name another
/// file).
///
/// `description` is the path for people, on one line: the path itself when it is printable UTF-8;
/// otherwise every byte that is not (a control character, or not UTF-8) as `\xHH` and each
/// backslash as `\\`, so that `FilePath(escaped:)` gives the bytes back.
public struct FilePath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The path's bytes, without a terminating NUL.
    public let bytes: [UInt8]

    /// A path of these bytes.
    public init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// A path spelled by `text` (its UTF-8).
    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// A path spelled by a literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The bytes as a String, if they are valid UTF-8 (nil otherwise: no silent replacement).
    public var string: String? {
        String(validating: bytes, as: UTF8.self)
    }

    public var description: String {
        guard needsEscaping else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        var rest = bytes[...]
        while let first = rest.first {
            let length = FilePath.printableUTF8Length(rest)
            if length > 0 {
                out += rest.prefix(length)
                rest = rest.dropFirst(length)
                continue
            }
            if first == UInt8(ascii: "\\") {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            } else {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), FilePath.hexDigit(first >> 4), FilePath.hexDigit(first & 0xf)]
            }
            rest = rest.dropFirst()
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The path a `description` was made from; nil when `text` has no escape in it or an escape
    /// that `description` does not produce.
    public init?(escaped text: String) {
        var out: [UInt8] = []
        var rest = Array(text.utf8)[...]
        var sawEscape = false
        while let byte = rest.first {
            rest = rest.dropFirst()
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            sawEscape = true
            guard let kind = rest.first else { return nil }
            rest = rest.dropFirst()
            if kind == UInt8(ascii: "\\") {
                out.append(kind)
                continue
            }
            guard kind == UInt8(ascii: "x"), rest.count >= 2,
                let high = FilePath.hexValue(rest[rest.startIndex]),
                let low = FilePath.hexValue(rest[rest.startIndex + 1])
            else { return nil }
            out.append(high << 4 | low)
            rest = rest.dropFirst(2)
        }
        guard sawEscape else { return nil }
        bytes = out
    }

    /// Whether `description` differs from the bytes read as UTF-8: some byte is a control
    /// character or not UTF-8.
    public var needsEscaping: Bool {
        var rest = bytes[...]
        while let first = rest.first {
            if first == UInt8(ascii: "\\") {
                rest = rest.dropFirst()
                continue
            }
            let length = FilePath.printableUTF8Length(rest)
            if length == 0 { return true }
            rest = rest.dropFirst(length)
        }
        return false
    }

    /// Length of the printable UTF-8 character at the start of `bytes`; 0 for a byte that an
    /// escaped `description` escapes (a control character, a backslash, or not UTF-8).
    static func printableUTF8Length(_ bytes: ArraySlice<UInt8>) -> Int {
        guard let first = bytes.first else { return 0 }
        if first < 0x80 {
            return first < 0x20 || first == 0x7f || first == UInt8(ascii: "\\") ? 0 : 1
        }
        let length: Int
        switch first {
        case 0xc2...0xdf: length = 2
        case 0xe0...0xef: length = 3
        case 0xf0...0xf4: length = 4
        default: return 0
        }
        guard bytes.count >= length else { return 0 }
        // The shortest valid form only: let the standard library's validation decide.
        guard String(validating: bytes.prefix(length), as: UTF8.self) != nil else { return 0 }
        return length
    }

    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    // MARK: - Components

    /// The last component (`iter_task.bpf.o` of `/x/iter_task.bpf.o`); trailing slashes ignored.
    public var lastComponent: FilePath {
        var trimmed = bytes[...]
        while trimmed.count > 1 && trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")), trimmed.count > 1 else { return FilePath(bytes: trimmed) }
        return FilePath(bytes: trimmed[(slash + 1)...])
    }

    /// Everything before the last component: `.` for a bare name, `/` for a file in the root.
    public var directory: FilePath {
        var trimmed = bytes[...]
        while trimmed.count > 1 && trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return FilePath(bytes: trimmed[..<slash])
    }

    /// `self/component`.
    public func appending(_ component: FilePath) -> FilePath {
        if bytes.last == UInt8(ascii: "/") { return FilePath(bytes: bytes + component.bytes) }
        return FilePath(bytes: bytes + [UInt8(ascii: "/")] + component.bytes)
    }

    /// Starts with `/`.
    public var isAbsolute: Bool { bytes.first == UInt8(ascii: "/") }

    /// Runs `body` with a NUL-terminated copy. No file name holds a NUL, so a path with one in it
    /// is passed as the empty path, which every system call answers with ENOENT, rather than cut
    /// at the NUL to name another file.
    public func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        let terminated = bytes.contains(0) ? [0] : bytes + [0]
        return try terminated.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            // A non-empty array's buffer always has a base address.
            try UnsafeRawPointer(buffer.baseAddress!).withMemoryRebound(to: CChar.self, capacity: buffer.count) { (p) throws(E) -> R in
                try body(p)
            }
        }
    }
}
