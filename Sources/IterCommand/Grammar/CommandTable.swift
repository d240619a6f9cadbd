/// A command of iter: its grammar, its help, and what it does. Each lives in one file of
/// Commands/, and `CommandTable.all` lists them: the parser, the dispatcher, `iter help` and the
/// completion test all read that list, so a new command is one file and one entry there.
protocol Subcommand: Equatable, CustomStringConvertible, SendableMetatype {
    /// The command word (`pin`); the argument may be any prefix of it, as in bpftool.
    static var name: String { get }
    /// Its synopsis lines after the program name (`pin OBJ PATH [ITER_OPT] [prog NAME]`).
    static var usage: [String] { get }
    /// The grammar rules its synopsis uses, defined once in `Grammar.rules` (`ITER_OPT`).
    static var rules: [String] { get }
    /// What it does, in a few words, for `iter help`.
    static var summary: String { get }
    /// Parses the words after the command word.
    static func parse(_ words: inout Words) throws(UsageError) -> Self
    /// Runs it.
    func run(_ context: CommandContext) throws(CommandFailure)
}

extension Subcommand {
    static var rules: [String] { [] }
}

/// What every command runs with.
struct CommandContext {
    /// The global options.
    var options: GlobalOptions
    /// Where output and errors go.
    var console: Console
    /// How the usage names the program (`iter`, or `bpftool iter` when called as bpftool).
    var usageName: String
    /// How iter was invoked (`iter` or `bpftool`), for `version`.
    var programName: String
}

/// A command line's command, parsed and ready to run.
struct ParsedCommand: CustomStringConvertible {
    /// The command word (`pin`).
    let name: String
    /// The parsed command in words (`pin object=… path=…`): for `-d` and for tests.
    let description: String
    /// Runs it.
    let run: (CommandContext) throws(CommandFailure) -> Void
}

/// One row of the table: a command's static description and a way to parse it.
struct CommandEntry: Sendable {
    let name: String
    let usage: [String]
    let rules: [String]
    let summary: String
    let parse: @Sendable (inout Words) throws(UsageError) -> ParsedCommand

    init<C: Subcommand>(_ command: C.Type) {
        name = C.name
        usage = C.usage
        rules = C.rules
        summary = C.summary
        parse = { (words: inout Words) throws(UsageError) -> ParsedCommand in
            let parsed = try C.parse(&words)
            return ParsedCommand(name: C.name, description: parsed.description) { (context) throws(CommandFailure) in
                try parsed.run(context)
            }
        }
    }
}

enum CommandTable {
    /// Every command, in matching order: the first whose name starts with the word wins
    /// (`p` is `pin`, as in bpftool, where pin comes first), and in the order `iter help` lists them.
    static let all: [CommandEntry] = [
        CommandEntry(PinCommand.self),
        CommandEntry(RunCommand.self),
        CommandEntry(CatCommand.self),
        CommandEntry(UpdateCommand.self),
        CommandEntry(ListCommand.self),
        CommandEntry(ShowCommand.self),
        CommandEntry(InfoCommand.self),
        CommandEntry(VersionCommand.self),
        CommandEntry(HelpCommand.self),
    ]

    /// The command a word names, by prefix.
    static func entry(for word: Argument) -> CommandEntry? {
        all.first { word.isPrefix(of: $0.name) }
    }

    /// The command names, for messages (`pin, run, update, list, show, version, help`).
    static var names: [String] { all.map { $0.name } }
}
