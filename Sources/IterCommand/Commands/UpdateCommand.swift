import BPFLoader
import SyscallBPF

/// `iter update PATH OBJ [prog NAME] [SET]…`: replace the program behind the iterator pinned at PATH
/// with one of OBJ, in place (BPF_LINK_UPDATE): the pin never disappears and keeps its link id,
/// target and options.
struct UpdateCommand: Subcommand, IteratorCommand {
    static let name = "update"
    static let usage = ["update PATH OBJ [prog NAME] [SET]…"]
    static let rules = ["SET", "NAME"]
    static let summary = "replace the program of the iterator pinned at PATH"

    /// Where the iterator is pinned.
    var path: FilePath
    /// The object and program to put behind it (no link options: the link keeps its own).
    var iterator: IteratorRequest

    var description: String { "update path=\(path) \(iterator)" }

    static func parse(_ words: inout Words) throws(UsageError) -> UpdateCommand {
        guard words.rest.count >= 2 else {
            throw UsageError("'update' needs at least 2 arguments, \(words.rest.count) found", showUsage: true)
        }
        let path = try words.next("").path
        var command = UpdateCommand(path: path, iterator: IteratorRequest(object: try words.next("").path))
        try Clause.parseAll(&words, into: &command, Clause.object)
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        let console = context.console
        let object: IteratorObject
        do { object = try IteratorObject(path: iterator.object) } catch { throw CommandFailure(error, object: iterator.object) }
        let update: IteratorUpdate
        do {
            update = try object.update(
                pinnedAt: path, program: iterator.program, settings: iterator.settings, verifierLog: console.debug
            ) { line in
                console.trace(line)
            }
        } catch {
            throw CommandFailure(error, object: iterator.object)
        }
        if console.json {
            console.emit(
                .object([
                    ("path", .string(path.description)),
                    ("object", .string(iterator.object.description)),
                    ("program", .string(update.program)),
                    ("section", .string(update.section)),
                    ("target", .string(update.target)),
                    ("link_id", .uint(UInt64(update.linkID))),
                    ("old_prog_id", .uint(UInt64(update.oldProgramID))),
                    ("prog_id", .uint(UInt64(update.newProgramID))),
                    ("main_thread_only", .bool(update.mainThreadOnly)),
                ]))
        }
    }
}
