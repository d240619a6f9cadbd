import BPFLoader
import SyscallBPF

/// An object and how to make an iterator of it: what `pin` and `run` share.
struct IteratorRequest: Equatable, CustomStringConvertible {
    /// Path of the BPF object file.
    var object: FilePath
    /// The link options (map, task, cgroup), straight into the library's model.
    var options: IteratorOptions = .none
    /// `prog NAME`: the program to attach instead of the first iterator program.
    var program: String? = nil
    /// `set NAME=VALUE`: the object's global variables to set before loading.
    var settings: [VariableAssignment] = []

    var description: String {
        var text = "object=\(object)"
        if let program { text += " prog=\(program)" }
        for setting in settings { text += " set=\(setting)" }
        if options != .none { text += " options=" + options.description }
        return text
    }
}

/// A command that loads an object (`pin`, `run`, `update`): it takes the object's clauses, and
/// `pin` and `run` the link options too.
protocol IteratorCommand {
    var iterator: IteratorRequest { get set }
}

extension Clause where Command: IteratorCommand {
    /// What chooses and configures the object's program: `prog NAME`, `set NAME=VALUE`. Every
    /// command that loads an object takes these (pin, run, update), so a clause added here is
    /// added to all three.
    static var object: [Clause<Command>] {
        [
            Clause(keyword: "prog") { (words, command) throws(UsageError) in
                guard command.iterator.program == nil else { throw UsageError("'prog' given twice") }
                command.iterator.program = try words.next("'prog' needs a program name").text
            },
            Clause(keyword: "set") { (words, command) throws(UsageError) in
                let word = try words.next("'set' needs NAME=VALUE")
                // Names are C identifiers and values text: bytes that are no UTF-8 fit neither.
                guard String(validating: word.bytes, as: UTF8.self) != nil else {
                    throw UsageError("set \(word): not valid UTF-8 (names are C identifiers, values text or numbers)")
                }
                let text = word.text
                do throws(IteratorError) {
                    command.iterator.settings.append(try VariableAssignment(parsing: text))
                } catch {
                    throw UsageError("set \(text): \(error.description)")
                }
            },
        ]
    }

    /// The link options: `map MAP`, `task TASK_OPT`, `cgroup CGROUP_OPT` (not for `update`: a
    /// link keeps the options it was created with).
    static var options: [Clause<Command>] {
        [
            Clause(keyword: "map") { (words, command) throws(UsageError) in
                try command.iterator.setOptions(.map(try MapClause.parse(&words)), word: "map")
            },
            Clause(keyword: "task") { (words, command) throws(UsageError) in
                try command.iterator.setOptions(.task(try TaskClause.parse(&words)), word: "task")
            },
            Clause(keyword: "cgroup") { (words, command) throws(UsageError) in
                let (start, order) = try CgroupClause.parse(&words)
                try command.iterator.setOptions(.cgroup(start, order: order), word: "cgroup")
            },
        ]
    }

    /// `pin` and `run`: `map`, `task`, `cgroup`, `prog`, `set`.
    static var iterator: [Clause<Command>] { options + object }
}

extension IteratorRequest {
    /// An iterator takes one option: a second is an error naming both.
    mutating func setOptions(_ new: IteratorOptions, word: String) throws(UsageError) {
        if let previous = options.keyword {
            throw UsageError("'\(word)' cannot be combined with '\(previous)': an iterator takes one of 'map', 'task' or 'cgroup'")
        }
        options = new
    }
}

extension IteratorOptions {
    /// The keyword that gave these options; nil for none.
    var keyword: String? {
        switch self {
        case .none: return nil
        case .map: return "map"
        case .task: return "task"
        case .cgroup: return "cgroup"
        }
    }
}

/// `MAP := { id MAP_ID | pinned FILE | name MAP_NAME }`, with bpftool's messages.
enum MapClause {
    static func parse(_ words: inout Words) throws(UsageError) -> MapSelection {
        guard words.rest.count >= 2 else { throw UsageError("incorrect map spec") }
        let kind = try words.next("")
        if kind.isPrefix(of: "id") {
            return .id(UInt32(try words.number("ID", missing: "", limit: UInt64(UInt32.max))))
        }
        let value = try words.next("")
        if kind.isPrefix(of: "name") { return .name(value.text) }
        if kind.isPrefix(of: "pinned") { return .pinned(value.path) }
        throw UsageError("expected 'id', 'name' or 'pinned', got: '\(kind)'?")
    }
}

/// `TASK_OPT := { main_thread_only | tid TID | pid PID | pid_fd FD }`.
enum TaskClause {
    static let keywords = ["main_thread_only", "tid", "pid", "pid_fd"]

    static func placeholder(_ keyword: String) -> String {
        keyword == "pid_fd" ? "FD" : keyword.uppercased()
    }

    static func parse(_ words: inout Words) throws(UsageError) -> TaskSelection {
        let keyword = try words.keyword(keywords, missing: "'task' needs one of \(Grammar.alternatives(["main_thread_only", "tid TID", "pid PID", "pid_fd FD"]))") { word in
            "expected \(Grammar.alternatives(keywords)), got: '\(word)'?"
        }
        if keyword == "main_thread_only" { return .mainThreadOnly }
        let what = keyword == "pid_fd" ? "a file descriptor" : "an ID"
        let number = try words.number(what, missing: "'task \(keyword)' needs a number", limit: UInt64(Int32.max))
        // The kernel takes a zero tid or pid as none given, and walks every task.
        if number == 0 && keyword != "pid_fd" {
            throw UsageError("'task \(keyword) 0' names no task: the kernel would take it as no \(keyword) and walk every task")
        }
        switch keyword {
        case "tid": return .thread(UInt32(number))
        case "pid": return .process(UInt32(number))
        default: return .processDescriptor(Int32(number))
        }
    }
}

/// `CGROUP_OPT := { id CGROUP_ID | path PATH } [order ORDER]`.
enum CgroupClause {
    static func parse(_ words: inout Words) throws(UsageError) -> (CgroupSelection, CgroupWalkOrder) {
        guard words.rest.count >= 2 else { throw UsageError("incorrect cgroup spec: expected 'id ID' or 'path PATH'") }
        let kind = try words.next("")
        let start: CgroupSelection
        if kind.isPrefix(of: "id") {
            let id = try words.number("cgroup ID", missing: "")
            // The kernel takes a zero id (and no fd) as the root of the hierarchy.
            guard id != 0 else {
                throw UsageError("'cgroup id 0' names no cgroup: the kernel would take it as none and walk from the root")
            }
            start = .id(id)
        } else if kind.isPrefix(of: "path") {
            start = .path(try words.next("").path)
        } else {
            throw UsageError("expected 'id' or 'path', got: '\(kind)'?")
        }
        var order = CgroupWalkOrder.descendantsPre
        if words.take("order") {
            let keywords = CgroupWalkOrder.allCases.map { $0.keyword }
            let word = try words.keyword(keywords, missing: "'order' needs one of \(keywords.joined(separator: ", "))") { word in
                "unknown cgroup order '\(word)': expected \(Grammar.alternatives(keywords))"
            }
            order = CgroupWalkOrder.allCases.first { $0.keyword == word } ?? order
        }
        return (start, order)
    }
}
