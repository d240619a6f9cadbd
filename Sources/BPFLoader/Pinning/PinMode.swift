/// The mode a pin is given after it is created (`pin … mode MODE`), as chmod(1) takes it: octal
/// (`0644`), or symbolic (`u+rw,g+r,o-rwx`, `a=r`, `+x`), applied to the mode the pin was created
/// with (`0600` less the umask, as bpffs creates it).
///
/// The symbolic grammar and its meaning are chmod's (coreutils' `mode_compile`/`mode_adjust`):
///
///     MODE   := CLAUSE [, CLAUSE]...
///     CLAUSE := [ugoa]* ([-+=] ([rwxXst]* | [ugo]))+
///
/// With no `u`, `g`, `o` or `a`, a clause acts as `a` but leaves the bits set in the umask alone.
/// `X` is execute for all only if some execute bit is already set (a pin is never a directory);
/// `s` is set-user-ID with `u`, set-group-ID with `g`; `t` is the sticky bit with `o`; `=u` copies
/// the owner's bits (as the mode is so far) to those selected.
public struct PinMode: Equatable, Sendable, CustomStringConvertible {
    /// How the mode was given.
    public enum Form: Equatable, Sendable {
        /// Octal digits: the mode itself, whatever the pin's mode was (at most `07777`).
        case absolute(UInt32)
        /// chmod's symbolic clauses, in order.
        case symbolic([ModeChange])
    }

    /// One operation of a symbolic mode (`g+r`): which bits it may touch, how, with what.
    public struct ModeChange: Equatable, Sendable {
        /// `+`, `-` or `=`.
        public enum Operation: Equatable, Sendable { case add, remove, set }
        /// Where the bits come from.
        public enum Source: Equatable, Sendable {
            /// The bits given (`rwst`), and `X`: execute if some execute bit is already set.
            case bits(UInt32, conditionalExecute: Bool)
            /// `u`, `g` or `o` after the operator: that class's bits as the mode is so far.
            case copy(from: UInt32)
        }

        /// The classes named before the operator (`ug`), as the bits they cover; 0 when none was
        /// named (then the umask limits the change).
        public var who: UInt32
        /// `+`, `-` or `=`.
        public var operation: Operation
        /// What the operator adds, removes or sets.
        public var source: Source
    }

    /// The mode as given.
    public let form: Form
    /// The text it was parsed from (for messages and `pin -j`).
    public let text: String

    static let setUID: UInt32 = 0o4000, setGID: UInt32 = 0o2000, sticky: UInt32 = 0o1000
    static let user: UInt32 = 0o700, group: UInt32 = 0o070, other: UInt32 = 0o007
    static let read: UInt32 = 0o444, write: UInt32 = 0o222, execute: UInt32 = 0o111
    static let all: UInt32 = 0o7777

    /// An octal mode (`0o644`); at most `0o7777`.
    public init(_ mode: UInt32) throws(PinModeError) {
        guard mode <= PinMode.all else { throw .outOfRange(String(mode, radix: 8)) }
        form = .absolute(mode)
        text = "0" + String(mode, radix: 8)
    }

    /// Parses a mode as chmod takes it.
    public init(parsing text: String) throws(PinModeError) {
        self.text = text
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { throw .empty }
        if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "7") {
            var value: UInt32 = 0
            for byte in bytes {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") else { throw .invalid(text, at: byte) }
                value = value * 8 + UInt32(byte - UInt8(ascii: "0"))
                guard value <= PinMode.all else { throw .outOfRange(text) }
            }
            form = .absolute(value)
            return
        }
        form = .symbolic(try PinMode.clauses(bytes, text: text))
    }

    /// chmod's symbolic grammar, clause by clause.
    static func clauses(_ bytes: [UInt8], text: String) throws(PinModeError) -> [ModeChange] {
        var changes: [ModeChange] = []
        var i = 0
        func at(_ index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }
        repeat {
            if i > 0 { i += 1 }  // the comma
            var who: UInt32 = 0
            while let c = at(i), let bits = PinMode.whoBits(c) {
                who |= bits
                i += 1
            }
            guard let c = at(i), PinMode.operation(c) != nil else {
                if let c = at(i) { throw .invalid(text, at: c) }
                throw .missingOperator(text)
            }
            while let op = at(i), let operation = PinMode.operation(op) {
                i += 1
                let source: ModeChange.Source
                if let c = at(i), let from = PinMode.copyBits(c) {
                    source = .copy(from: from)
                    i += 1
                } else {
                    var value: UInt32 = 0
                    var conditional = false
                    while let c = at(i), c != UInt8(ascii: ","), PinMode.operation(c) == nil {
                        switch c {
                        case UInt8(ascii: "r"): value |= PinMode.read
                        case UInt8(ascii: "w"): value |= PinMode.write
                        case UInt8(ascii: "x"): value |= PinMode.execute
                        case UInt8(ascii: "X"): conditional = true
                        case UInt8(ascii: "s"): value |= PinMode.setUID | PinMode.setGID
                        case UInt8(ascii: "t"): value |= PinMode.sticky
                        default: throw .invalid(text, at: c)
                        }
                        i += 1
                    }
                    source = .bits(value, conditionalExecute: conditional)
                }
                changes.append(ModeChange(who: who, operation: operation, source: source))
            }
        } while at(i) == UInt8(ascii: ",")
        if let c = at(i) { throw .invalid(text, at: c) }
        return changes
    }

    static func whoBits(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "u"): return setUID | user
        case UInt8(ascii: "g"): return setGID | group
        case UInt8(ascii: "o"): return sticky | other
        case UInt8(ascii: "a"): return all
        default: return nil
        }
    }

    static func copyBits(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "u"): return user
        case UInt8(ascii: "g"): return group
        case UInt8(ascii: "o"): return other
        default: return nil
        }
    }

    static func operation(_ c: UInt8) -> ModeChange.Operation? {
        switch c {
        case UInt8(ascii: "+"): return .add
        case UInt8(ascii: "-"): return .remove
        case UInt8(ascii: "="): return .set
        default: return nil
        }
    }

    /// The mode a file whose mode is `mode` gets, with `umask` the process's creation mask (it
    /// matters only to clauses that name no class). Pins are never directories, so `X` looks at
    /// execute bits only and `=` may clear set-user-ID and set-group-ID as for any file.
    public func applied(to mode: UInt32, umask: UInt32) -> UInt32 {
        switch form {
        case let .absolute(value): return value
        case let .symbolic(changes):
            var result = mode & PinMode.all
            for change in changes {
                var value: UInt32
                switch change.source {
                case let .bits(bits, conditional):
                    value = bits
                    if conditional && result & PinMode.execute != 0 { value |= PinMode.execute }
                case let .copy(from):
                    // The class's bits as they are now, spread to all three classes.
                    let present = result & from
                    value =
                        (present & PinMode.read != 0 ? PinMode.read : 0)
                        | (present & PinMode.write != 0 ? PinMode.write : 0)
                        | (present & PinMode.execute != 0 ? PinMode.execute : 0)
                }
                value &= change.who != 0 ? change.who : ~umask & PinMode.all
                switch change.operation {
                case .add: result |= value
                case .remove: result &= ~value
                case .set:
                    // With no class named, `=` clears every bit (coreutils), then sets those the umask allows.
                    let preserved = change.who != 0 ? ~change.who & PinMode.all : 0
                    result = (result & preserved) | value
                }
            }
            return result
        }
    }

    /// The mode as given (`0644`, `a+r`).
    public var description: String { text }
}

/// Why a mode could not be parsed.
public enum PinModeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An empty word.
    case empty
    /// An octal mode above 07777.
    case outOfRange(String)
    /// A character chmod does not take where it stands.
    case invalid(String, at: UInt8)
    /// A clause without `+`, `-` or `=` (`u`, `ug`).
    case missingOperator(String)

    public var description: String {
        let expected = "expected octal such as 0644 or symbolic such as u=rw,go=r (as chmod takes it)"
        switch self {
        case .empty: return "mode '': \(expected)"
        case let .outOfRange(text): return "mode '\(text)': octal modes go up to 07777"
        case let .invalid(text, c):
            let shown = c >= 0x21 && c < 0x7f ? "'\(String(decoding: [c], as: UTF8.self))'" : "byte 0x" + String(c, radix: 16)
            return "mode '\(text)': unexpected \(shown); \(expected)"
        case let .missingOperator(text): return "mode '\(text)': a clause needs '+', '-' or '='; \(expected)"
        }
    }
}
