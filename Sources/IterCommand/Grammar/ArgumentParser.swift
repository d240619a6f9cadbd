/// Parses iter's command line the way bpftool parses its own: options anywhere before `--`,
/// then a command word matched by prefix against `CommandTable`, whose entry parses the rest.
enum ArgumentParser {
    /// The command line, parsed: the global options and the command to run.
    struct Invocation {
        var options: GlobalOptions
        var command: ParsedCommand
    }

    /// Parses `arguments` (without argv[0]). `asBpftool`: invoked as `bpftool`, so the object word
    /// `iter` comes first (`bpftool iter pin …`).
    static func parse(_ arguments: [Argument], asBpftool: Bool = false) throws(UsageError) -> Invocation {
        let (options, positional) = try GlobalOptions.extract(from: arguments)
        var words = Words(positional)
        if asBpftool {
            guard let object = words.peek else {
                return Invocation(options: options, command: options.version ? VersionCommand.parsed : HelpCommand.parsed)
            }
            if object.isPrefix(of: "version") && !object.isPrefix(of: "iter") {
                return Invocation(options: options, command: VersionCommand.parsed)
            }
            if object.isPrefix(of: "help") { return Invocation(options: options, command: HelpCommand.parsed) }
            guard object.isPrefix(of: "iter") else {
                throw UsageError("object '\(object)' is not supported: this is iter, which implements 'bpftool iter' only")
            }
            _ = words.take("iter")
        }
        if options.version { return Invocation(options: options, command: VersionCommand.parsed) }
        if options.help { return Invocation(options: options, command: HelpCommand.parsed) }
        guard let word = words.peek else { return Invocation(options: options, command: HelpCommand.parsed) }
        guard let entry = CommandTable.entry(for: word) else {
            throw UsageError("unknown command '\(word)' (commands: \(CommandTable.names.joined(separator: ", ")))", showUsage: true)
        }
        _ = try words.next("")
        return Invocation(options: options, command: try entry.parse(&words))
    }
}
