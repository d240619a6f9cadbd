import BPFLoader
import CLinuxBPF
import SyscallBPF

/// `iter run OBJ [ITER_OPT] [prog NAME] [READ_OPT]...`: create the iterator and copy its output to
/// stdout, without bpffs: one pass, or as the READ_OPT clauses say.
struct RunCommand: Subcommand, IteratorCommand, ReadingCommand {
    static let name = "run"
    static let usage = ["run OBJ [ITER_OPT] [prog NAME] [SET]… [READ_OPT]…"]
    static let rules = ["ITER_OPT", "MAP", "TASK_OPT", "CGROUP_OPT", "ORDER", "SET", "NAME", "READ_OPT", "NETNS", "PIDNS"]
    static let summary = "create it and copy its output to stdout (one pass, or as READ_OPT says)"

    var iterator: IteratorRequest
    var reading = ReadRequest()

    var description: String {
        let read = reading.description
        return "run \(iterator)" + (read.isEmpty ? "" : " " + read)
    }

    static func parse(_ words: inout Words) throws(UsageError) -> RunCommand {
        guard !words.isEmpty else { throw UsageError("'run' needs at least 1 argument, 0 found", showUsage: true) }
        var command = RunCommand(iterator: IteratorRequest(object: try words.next("").path))
        try Clause.parseAll(&words, into: &command, Clause.iterator + Clause.reading)
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        // Read here, so in this pid namespace: a task that is not in it would show nothing.
        if reading.namespaces?.kind != .pid, case let .task(selection) = iterator.options, let absent = selection.absentTask {
            throw CommandFailure(absent + " (the iterator would show nothing)")
        }
        let iterator = try self.iterator.makeIterator(console: context.console)
        try ReadSession(
            source: iterator, request: reading, console: context.console,
            subject: "iterator of program \(iterator.program)"
        ).run()
    }
}
