import BPFLoader
import CLinuxBPF
import SyscallBPF

/// `iter run OBJ [ITER_OPT] [prog NAME]`: create the iterator and copy one full pass of its output
/// to stdout, without bpffs.
struct RunCommand: Subcommand, IteratorCommand {
    static let name = "run"
    static let usage = ["run OBJ [ITER_OPT] [prog NAME] [SET]…"]
    static let rules = ["ITER_OPT", "MAP", "TASK_OPT", "CGROUP_OPT", "ORDER", "SET", "NAME"]
    static let summary = "create it and copy one pass of its output to stdout"

    var iterator: IteratorRequest

    var description: String { "run \(iterator)" }

    static func parse(_ words: inout Words) throws(UsageError) -> RunCommand {
        guard !words.isEmpty else { throw UsageError("'run' needs at least 1 argument, 0 found", showUsage: true) }
        var command = RunCommand(iterator: IteratorRequest(object: try words.next("").path))
        try Clause.parseAll(&words, into: &command, Clause.iterator)
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        let iterator = try self.iterator.makeIterator(console: context.console)
        var writeError: Errno? = nil
        do throws(IteratorError) {
            try iterator.read { chunk in
                do throws(Errno) {
                    try Files.writeAll(1, chunk)
                    return true
                } catch {
                    writeError = error
                    return false
                }
            }
        } catch {
            throw CommandFailure(error, object: self.iterator.object)
        }
        // `| head` closed the pipe: the reader has what it wanted. That is success.
        if let error = writeError, error != .EPIPE {
            throw CommandFailure("writing to stdout", errno: error)
        }
    }
}
