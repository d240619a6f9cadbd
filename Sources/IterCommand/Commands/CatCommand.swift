import BPFLoader
import SyscallBPF

/// `iter cat PATH [READ_OPT]...`: read a pinned iterator as `cat` would, but retrying what `cat`
/// gives up on, saying why a read failed, and with the READ_OPT clauses.
struct CatCommand: Subcommand, ReadingCommand {
    static let name = "cat"
    static let usage = ["cat PATH [READ_OPT]…"]
    static let rules = ["READ_OPT", "NETNS", "PIDNS"]
    static let summary = "read a pinned iterator (one pass, or as READ_OPT says)"

    /// The pin.
    var path: FilePath
    var reading = ReadRequest()

    var description: String {
        let read = reading.description
        return "cat path=\(path)" + (read.isEmpty ? "" : " " + read)
    }

    static func parse(_ words: inout Words) throws(UsageError) -> CatCommand {
        guard !words.isEmpty else { throw UsageError("'cat' needs a path, 0 arguments found", showUsage: true) }
        var command = CatCommand(path: try words.next("").path)
        try Clause.parseAll(&words, into: &command, Clause.reading)
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        let pinned: PinnedIterator
        do { pinned = try PinnedIterator(path: path) } catch { throw CommandFailure(error, object: path) }
        if let link = pinned.link {
            context.console.trace(
                "pinned iterator: link \(link.id), target \(link.iteratorTarget), program "
                    + (pinned.program.map { "\($0.name) (id \($0.id))" } ?? "id \(link.programID)"))
        } else {
            context.console.trace("pinned iterator: no write access to \(path), so nothing is known about it but its output")
        }
        var subject = "pinned iterator \(path)"
        if let name = pinned.program?.name, !name.isEmpty { subject += " (program \(name))" }
        try ReadSession(source: pinned, request: reading, console: context.console, subject: subject).run()
    }
}
