import SyscallBPF

/// One command-line argument, as the kernel gave it to us: bytes. Keywords and numbers are ASCII,
/// so matching them needs no decoding; a path keeps its bytes exactly (`path`), whatever they are.
public struct Argument: Equatable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The argument's bytes (argv never holds a NUL).
    public let bytes: [UInt8]

    /// An argument of these bytes.
    public init(bytes: some Sequence<UInt8>) {
        self.bytes = Array(bytes)
    }

    /// An argument spelled by `text`.
    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// An argument spelled by a literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The argument as a path: its bytes, unchanged.
    public var path: FilePath { FilePath(bytes: bytes) }

    /// The argument as text, for names and values: bytes that are not UTF-8 become U+FFFD, which
    /// no keyword, number or BTF name contains, so such a text is reported, never matched.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// As it is shown in messages: escaped as paths are (`FilePath.description`).
    public var description: String { path.description }

    /// bpftool's is_prefix: the argument is a non-empty prefix of `keyword`.
    public func isPrefix(of keyword: String) -> Bool {
        !bytes.isEmpty && keyword.utf8.starts(with: bytes)
    }

    /// The argument is exactly `keyword`.
    public func `is`(_ keyword: String) -> Bool {
        bytes.elementsEqual(keyword.utf8)
    }

    /// Starts with `prefix`.
    public func hasPrefix(_ prefix: String) -> Bool {
        bytes.starts(with: prefix.utf8)
    }
}
