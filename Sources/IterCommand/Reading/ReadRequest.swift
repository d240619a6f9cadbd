import BPFLoader
import SyscallBPF

/// `READ_OPT`s: how `run` and `cat` read an iterator. Without any, one pass is copied to stdout.
struct ReadRequest: Equatable, CustomStringConvertible {
    /// `interval SECONDS [count N]`: a new pass every SECONDS.
    var interval: PassInterval? = nil
    /// `netns …` or `pidns …`: read as seen from other namespaces.
    var namespaces: NamespaceRequest? = nil
    /// `type TYPE`: the output is records of this type, decoded with BTF.
    var recordType: String? = nil

    var description: String {
        var parts: [String] = []
        if let interval { parts.append("interval=\(interval)") }
        if let namespaces { parts.append(namespaces.description) }
        if let recordType { parts.append("type=\(recordType)") }
        return parts.joined(separator: " ")
    }
}

/// `interval SECONDS [count N]`.
struct PassInterval: Equatable, CustomStringConvertible {
    /// The time between the starts of two passes.
    var nanoseconds: UInt64
    /// How many passes; nil: until interrupted.
    var count: UInt64?

    /// `0.25s` or `0.25s*3`.
    var description: String {
        PassInterval.seconds(nanoseconds) + "s" + (count.map { "*\($0)" } ?? "")
    }

    /// Seconds as written: `0.25`, `2`.
    static func seconds(_ nanoseconds: UInt64) -> String {
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(nanoseconds / 1_000_000_000)" + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// The longest interval accepted: a day. Longer is surely a typo (milliseconds meant?).
    static let maximum: UInt64 = 86_400 * 1_000_000_000

    /// `SECONDS`: digits with an optional fraction of up to 9 digits (`2`, `0.2`, `.5`), as
    /// nanoseconds; nil for anything else (signs, exponents, units).
    static func parseSeconds(_ text: String) -> UInt64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (s: Substring) in s.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        guard !(whole.isEmpty && fraction.isEmpty), isDigits(whole), isDigits(fraction), fraction.count <= 9,
            !(parts.count > 1 && fraction.isEmpty), whole.count <= 6
        else { return nil }
        let seconds = UInt64(whole.isEmpty ? "0" : String(whole)) ?? 0
        let nanos = UInt64(String(fraction) + String(repeating: "0", count: 9 - fraction.count)) ?? 0
        let total = seconds * 1_000_000_000 + nanos
        return total <= maximum ? total : nil
    }
}

/// `netns { PATH | pid PID | all }` or `pidns { PATH | pid PID }`.
struct NamespaceRequest: Equatable, CustomStringConvertible {
    /// Which kind.
    var kind: NamespaceKind
    /// Which namespace(s) of it.
    var source: Source

    /// Where the namespace comes from.
    enum Source: Equatable {
        /// A namespace file: `/run/netns/NAME`, `/proc/PID/ns/net`.
        case path(FilePath)
        /// The namespace of a process.
        case process(UInt32)
        /// Every network namespace of the system.
        case all
    }

    /// The keyword (`netns`, `pidns`).
    var keyword: String { NamespaceRequest.keyword(kind) }

    static func keyword(_ kind: NamespaceKind) -> String { kind == .network ? "netns" : "pidns" }

    var description: String {
        switch source {
        case let .path(path): return "\(keyword)=\(path)"
        case let .process(pid): return "\(keyword)=pid:\(pid)"
        case .all: return "\(keyword)=all"
        }
    }
}

/// A command that reads an iterator (`run`, `cat`): it takes the reading clauses.
protocol ReadingCommand {
    var reading: ReadRequest { get set }
}

extension Clause where Command: ReadingCommand {
    /// `interval SECONDS [count N]`, `netns …`, `pidns …`, `type TYPE`.
    static var reading: [Clause<Command>] {
        [
            Clause(keyword: "interval") { (words, command) throws(UsageError) in
                guard command.reading.interval == nil else { throw UsageError("'interval' given twice") }
                command.reading.interval = try ReadClauses.interval(&words)
            },
            Clause(keyword: "netns") { (words, command) throws(UsageError) in
                try command.reading.setNamespaces(try ReadClauses.namespace(&words, kind: .network))
            },
            Clause(keyword: "pidns") { (words, command) throws(UsageError) in
                try command.reading.setNamespaces(try ReadClauses.namespace(&words, kind: .pid))
            },
            Clause(keyword: "type") { (words, command) throws(UsageError) in
                guard command.reading.recordType == nil else { throw UsageError("'type' given twice") }
                let name = try words.next("'type' needs the name of a struct, union or integer type").text
                command.reading.recordType = name
            },
        ]
    }
}

extension ReadRequest {
    /// One namespace clause per command: a second is an error naming both.
    mutating func setNamespaces(_ new: NamespaceRequest) throws(UsageError) {
        if let previous = namespaces {
            throw UsageError(
                previous.kind == new.kind
                    ? "'\(new.keyword)' given twice"
                    : "'\(new.keyword)' cannot be combined with '\(previous.keyword)': read in one kind of namespace")
        }
        namespaces = new
    }
}

/// The words of the reading clauses.
enum ReadClauses {
    /// `SECONDS [count N]`.
    static func interval(_ words: inout Words) throws(UsageError) -> PassInterval {
        let word = try words.next("'interval' needs a number of seconds")
        guard let nanoseconds = PassInterval.parseSeconds(word.text) else {
            throw UsageError("can't parse \(word) as seconds: expected a number such as 2 or 0.25, at most 86400")
        }
        var interval = PassInterval(nanoseconds: nanoseconds, count: nil)
        if words.take("count") {
            let count = try words.number("a count", missing: "'count' needs a number of passes")
            guard count > 0 else { throw UsageError("'count' needs at least 1 pass") }
            interval.count = count
        }
        return interval
    }

    /// `{ PATH | pid PID | all }` (no `all` for pid namespaces). A word that is a path (has a
    /// `/`) is never taken for a keyword.
    static func namespace(_ words: inout Words, kind: NamespaceKind) throws(UsageError) -> NamespaceRequest {
        let keyword = NamespaceRequest.keyword(kind)
        let forms = kind == .network ? "PATH, 'pid PID' or 'all'" : "PATH or 'pid PID'"
        let word = try words.next("'\(keyword)' needs \(forms)")
        let isKeyword = { (name: String) in word.is(name) || (word.isPrefix(of: name) && !word.bytes.contains(UInt8(ascii: "/"))) }
        if isKeyword("pid") {
            let pid = try words.number("a process ID", missing: "'\(keyword) pid' needs a process ID", limit: UInt64(Int32.max))
            return NamespaceRequest(kind: kind, source: .process(UInt32(pid)))
        }
        if isKeyword("all") {
            guard kind == .network else {
                throw UsageError("'pidns all' is not supported: give a PATH or 'pid PID' (a pid namespace holds those nested in it)")
            }
            return NamespaceRequest(kind: kind, source: .all)
        }
        return NamespaceRequest(kind: kind, source: .path(word.path))
    }
}
