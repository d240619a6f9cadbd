/// `iter help`, `-h`, or no command: the usage text (`null` under -j, as bpftool prints).
struct HelpCommand: Subcommand {
    static let name = "help"
    static let usage = ["help"]
    static let summary = "this text"

    var description: String { "help" }

    static func parse(_ words: inout Words) throws(UsageError) -> HelpCommand {
        HelpCommand()
    }

    /// What `-h` and an empty command line run.
    static var parsed: ParsedCommand {
        ParsedCommand(name: name, description: "help") { (context) throws(CommandFailure) in try HelpCommand().run(context) }
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        if context.console.json {
            context.console.emit(.null)
        } else {
            context.console.out(HelpText.usage(program: context.usageName))
        }
    }
}
