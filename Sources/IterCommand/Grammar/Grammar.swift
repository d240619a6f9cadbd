import BPFLoader

/// The grammar rules that synopses refer to (`ITER_OPT`), each defined once, for `iter help`.
enum Grammar {
    struct Rule {
        let name: String
        let definition: String
    }

    static let rules: [Rule] = [
        Rule(name: "OBJ", definition: "/a/file/of/bpf_iter_target.o"),
        Rule(name: "SET", definition: "set NAME=VALUE"),
        Rule(name: "NAME", definition: "VARIABLE[.MEMBER]…[[INDEX]]…"),
        Rule(name: "ITER_OPT", definition: "{ map MAP | task TASK_OPT | cgroup CGROUP_OPT }"),
        Rule(name: "MAP", definition: "{ id MAP_ID | pinned FILE | name MAP_NAME }"),
        Rule(
            name: "TASK_OPT",
            definition: "{ "
                + TaskClause.keywords.map { $0 == "main_thread_only" ? $0 : $0 + " " + TaskClause.placeholder($0) }
                .joined(separator: " | ") + " }"),
        Rule(name: "CGROUP_OPT", definition: "{ id CGROUP_ID | path PATH } [order ORDER]"),
        Rule(name: "ORDER", definition: "{ " + CgroupWalkOrder.allCases.map { $0.keyword }.joined(separator: " | ") + " }"),
        Rule(name: "MODE", definition: "{ OCTAL | SYMBOLIC }"),
        Rule(name: "OWNER", definition: "{ USER | USER:GROUP | USER: | :GROUP }"),
        Rule(name: "READ_OPT", definition: "{ interval SECONDS [count N] | netns NETNS | pidns PIDNS | type TYPE }"),
        Rule(name: "NETNS", definition: "{ PATH | pid PID | all }"),
        Rule(name: "PIDNS", definition: "{ PATH | pid PID }"),
    ]

    /// `'a', 'b' or 'c'`.
    static func alternatives(_ words: [String]) -> String {
        let quoted = words.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
    }
}

/// A keyword after a command's fixed arguments, and what it sets in the command (`prog NAME`,
/// `map id 5`). A command lists the clauses it takes; words match them by prefix, in order.
struct Clause<Command> {
    let keyword: String
    let parse: (inout Words, inout Command) throws(UsageError) -> Void

    /// Parses clauses until the words run out.
    static func parseAll(_ words: inout Words, into command: inout Command, _ clauses: [Clause<Command>]) throws(UsageError) {
        while let word = words.peek {
            guard let clause = clauses.first(where: { word.isPrefix(of: $0.keyword) }) else {
                throw UsageError("unexpected argument '\(word)': expected \(Grammar.alternatives(clauses.map { $0.keyword }))", showUsage: true)
            }
            _ = try words.next("")
            try clause.parse(&words, &command)
        }
    }
}
