/// Parses iter's command line the way bpftool parses its own: options anywhere before `--` (GNU
/// getopt permutes them), long options by unambiguous prefix, keywords by prefix (`p` is `pin`,
/// `i` is `id`), numbers as strtoul with base 0 (`0x10`, `020`, `16`).
public struct ArgumentParser {
    /// The long options and their short letters, in bpftool's order.
    static let longOptions: [(name: String, letter: Character)] = [
        ("json", "j"), ("pretty", "p"), ("debug", "d"), ("nomount", "n"), ("version", "V"), ("help", "h"),
    ]

    /// Commands in matching order: the first whose name starts with the argument wins.
    static let commands = ["help", "pin", "run", "list", "show", "version"]

    /// Parses `arguments` (without argv[0]). `asBpftool`: invoked as `bpftool`, so the object word
    /// `iter` comes first (`bpftool iter pin …`).
    public static func parse(_ arguments: [String], asBpftool: Bool = false) throws(UsageError) -> Invocation {
        var options = GlobalOptions()
        var positional: [String] = []
        var wantVersion = false
        var wantHelp = false
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            index += 1
            if arg == "--" {
                positional.append(contentsOf: arguments[index...])
                break
            }
            if arg.hasPrefix("--") {
                let name = String(arg.dropFirst(2))
                let matches = longOptions.filter { $0.name.hasPrefix(name) && !name.isEmpty }
                let exact = longOptions.first { $0.name == name }
                guard let option = exact ?? (matches.count == 1 ? matches.first : nil) else {
                    throw UsageError(matches.count > 1 ? "option '\(arg)' is ambiguous" : "unrecognized option '\(arg)'", showUsage: true)
                }
                apply(option.letter, &options, &wantVersion, &wantHelp)
            } else if arg.hasPrefix("-") && arg.count > 1 {
                for letter in arg.dropFirst() {
                    guard longOptions.contains(where: { $0.letter == letter }) else {
                        throw UsageError("invalid option -- '\(letter)'", showUsage: true)
                    }
                    apply(letter, &options, &wantVersion, &wantHelp)
                }
            } else {
                positional.append(arg)
            }
        }

        var words = positional[...]
        if asBpftool {
            guard let object = words.first else {
                return Invocation(options: options, command: wantVersion ? .version : .help)
            }
            if isPrefix(object, of: "version") && !isPrefix(object, of: "iter") {
                return Invocation(options: options, command: .version)
            }
            if isPrefix(object, of: "help") {
                return Invocation(options: options, command: .help)
            }
            guard isPrefix(object, of: "iter") else {
                throw UsageError("object '\(object)' is not supported: this is iter, which implements 'bpftool iter' only")
            }
            words = words.dropFirst()
        }
        if wantVersion { return Invocation(options: options, command: .version) }
        if wantHelp { return Invocation(options: options, command: .help) }
        guard let word = words.first else { return Invocation(options: options, command: .help) }
        guard let name = commands.first(where: { isPrefix(word, of: $0) }) else {
            throw UsageError("unknown command '\(word)' (commands: pin, run, list, show, help, version)", showUsage: true)
        }
        var rest = Array(words.dropFirst())[...]
        let command: Command
        switch name {
        case "pin":
            guard rest.count >= 2 else {
                throw UsageError("'pin' needs at least 2 arguments, \(rest.count) found", showUsage: true)
            }
            let object = rest.removeFirst()
            let path = rest.removeFirst()
            command = .pin(try iteratorRequest(object: object, &rest), path: path)
        case "run":
            guard rest.count >= 1 else {
                throw UsageError("'run' needs at least 1 argument, 0 found", showUsage: true)
            }
            let object = rest.removeFirst()
            command = .run(try iteratorRequest(object: object, &rest))
        case "list":
            if let word = rest.first, isPrefix(word, of: "maps") {
                rest.removeFirst()
                try expectEnd(rest, after: "list maps")
                command = .list(.maps)
            } else {
                try expectEnd(rest, after: "list")
                command = .list(.targets)
            }
        case "show":
            command = .show(try showTarget(&rest))
        case "version":
            command = .version
        default:
            command = .help
        }
        return Invocation(options: options, command: command)
    }

    private static func apply(_ letter: Character, _ options: inout GlobalOptions, _ version: inout Bool, _ help: inout Bool) {
        switch letter {
        case "j": options.json = true
        case "p":
            options.json = true
            options.pretty = true
        case "d": options.debug = true
        case "n": options.noMount = true
        case "V": version = true
        default: help = true
        }
    }

    /// bpftool's is_prefix: the argument must be a non-empty prefix of the keyword.
    static func isPrefix(_ argument: String, of keyword: String) -> Bool {
        !argument.isEmpty && keyword.hasPrefix(argument)
    }

    // MARK: - pin / run

    static func iteratorRequest(object: String, _ rest: inout ArraySlice<String>) throws(UsageError) -> IteratorRequest {
        var request = IteratorRequest(object: object)
        var optionWord: String? = nil
        while let word = rest.first {
            rest.removeFirst()
            if isPrefix(word, of: "prog") {
                guard let name = rest.first else { throw UsageError("'prog' needs a program name") }
                rest.removeFirst()
                request.program = name
                continue
            }
            let option: IteratorOption
            if isPrefix(word, of: "map") {
                option = .map(try mapSpec(&rest))
            } else if isPrefix(word, of: "task") {
                option = .task(try taskSpec(&rest))
            } else if isPrefix(word, of: "cgroup") {
                option = .cgroup(try cgroupSpec(&rest))
            } else {
                throw UsageError("unexpected argument '\(word)': expected 'map', 'task', 'cgroup' or 'prog'", showUsage: true)
            }
            if let previous = optionWord {
                throw UsageError("'\(word)' cannot be combined with '\(previous)': an iterator takes one of 'map', 'task' or 'cgroup'")
            }
            optionWord = word
            request.option = option
        }
        return request
    }

    static func mapSpec(_ rest: inout ArraySlice<String>) throws(UsageError) -> MapSpec {
        guard rest.count >= 2 else { throw UsageError("incorrect map spec") }
        let kind = rest.removeFirst()
        let value = rest.removeFirst()
        if isPrefix(kind, of: "id") {
            guard let id = parseNumber(value), id <= UInt64(UInt32.max) else { throw UsageError("can't parse \(value) as ID") }
            return .id(UInt32(id))
        }
        if isPrefix(kind, of: "name") { return .name(value) }
        if isPrefix(kind, of: "pinned") { return .pinned(value) }
        throw UsageError("expected 'id', 'name' or 'pinned', got: '\(kind)'?")
    }

    static func taskSpec(_ rest: inout ArraySlice<String>) throws(UsageError) -> TaskSpec {
        guard let kind = rest.first else {
            throw UsageError("'task' needs one of 'main_thread_only', 'tid TID', 'pid PID' or 'pid_fd FD'")
        }
        rest.removeFirst()
        if isPrefix(kind, of: "main_thread_only") { return .mainThreadOnly }
        let keywords = ["tid", "pid", "pid_fd"]
        // `pid` is a prefix of `pid_fd`: an exact keyword wins, then the first prefix match.
        guard let keyword = keywords.first(where: { $0 == kind }) ?? keywords.first(where: { isPrefix(kind, of: $0) }) else {
            throw UsageError("expected 'main_thread_only', 'tid', 'pid' or 'pid_fd', got: '\(kind)'?")
        }
        guard let value = rest.first else { throw UsageError("'task \(keyword)' needs a number") }
        rest.removeFirst()
        guard let number = parseNumber(value), number <= UInt64(Int32.max) else {
            throw UsageError("can't parse \(value) as \(keyword == "pid_fd" ? "a file descriptor" : "an ID")")
        }
        switch keyword {
        case "tid": return .tid(UInt32(number))
        case "pid": return .pid(UInt32(number))
        default: return .pidFD(Int32(number))
        }
    }

    static func cgroupSpec(_ rest: inout ArraySlice<String>) throws(UsageError) -> CgroupSpec {
        guard rest.count >= 2 else { throw UsageError("incorrect cgroup spec: expected 'id ID' or 'path PATH'") }
        let kind = rest.removeFirst()
        let value = rest.removeFirst()
        var spec: CgroupSpec
        if isPrefix(kind, of: "id") {
            guard let id = parseNumber(value) else { throw UsageError("can't parse \(value) as cgroup ID") }
            spec = CgroupSpec(start: .id(id))
        } else if isPrefix(kind, of: "path") {
            spec = CgroupSpec(start: .path(value))
        } else {
            throw UsageError("expected 'id' or 'path', got: '\(kind)'?")
        }
        if let word = rest.first, isPrefix(word, of: "order") {
            rest.removeFirst()
            guard let orderWord = rest.first else {
                throw UsageError("'order' needs one of self_only, descendants_pre, descendants_post, ancestors_up")
            }
            rest.removeFirst()
            guard let order = CgroupOrder.allCases.first(where: { isPrefix(orderWord, of: $0.keyword) }) else {
                throw UsageError("unknown cgroup order '\(orderWord)': expected self_only, descendants_pre, descendants_post or ancestors_up")
            }
            spec.order = order
        }
        return spec
    }

    // MARK: - show

    static func showTarget(_ rest: inout ArraySlice<String>) throws(UsageError) -> ShowTarget {
        guard let word = rest.first else { return .all }
        rest.removeFirst()
        if word == "id" || (isPrefix(word, of: "id") && !word.hasPrefix("/")) {
            guard let value = rest.first else { throw UsageError("'show id' needs a link ID") }
            rest.removeFirst()
            guard let id = parseNumber(value), id <= UInt64(UInt32.max) else { throw UsageError("can't parse \(value) as ID") }
            try expectEnd(rest, after: "show id")
            return .linkID(UInt32(id))
        }
        try expectEnd(rest, after: "show PATH")
        return .path(word)
    }

    static func expectEnd(_ rest: ArraySlice<String>, after command: String) throws(UsageError) {
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
