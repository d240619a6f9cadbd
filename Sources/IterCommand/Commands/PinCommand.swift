import CLinuxBPF
import BPFLoader
import SyscallBPF

/// `iter pin OBJ PATH [ITER_OPT] [prog NAME] [SET]… [mode MODE] [owner OWNER]`: create the
/// iterator and pin its link on bpffs, with the mode and owner given.
struct PinCommand: Subcommand, IteratorCommand {
    static let name = "pin"
    static let usage = ["pin OBJ PATH [ITER_OPT] [prog NAME] [SET]… [mode MODE] [owner OWNER]"]
    static let rules = ["ITER_OPT", "MAP", "TASK_OPT", "CGROUP_OPT", "ORDER", "SET", "NAME", "MODE", "OWNER"]
    static let summary = "create the iterator and pin it at PATH (on bpffs)"

    var iterator: IteratorRequest
    /// Where to pin it.
    var path: FilePath
    /// `mode MODE`, `owner OWNER`: what the pin gets once created.
    var access = PinAccessRequest()

    var description: String { "pin \(iterator) path=\(path)" + access.description }

    static func parse(_ words: inout Words) throws(UsageError) -> PinCommand {
        guard words.rest.count >= 2 else {
            throw UsageError("'pin' needs at least 2 arguments, \(words.rest.count) found", showUsage: true)
        }
        let object = try words.next("").path
        var command = PinCommand(iterator: IteratorRequest(object: object), path: try words.next("").path)
        try Clause.parseAll(&words, into: &command, Clause.iterator + PinAccessRequest.clauses)
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        try pin(context) { (fd: borrowing FileDescriptor, path: FilePath) throws(Errno) in try BPFObject.pin(fd, at: path) }
    }

    /// How a link is pinned: BPF_OBJ_PIN, or a stand-in that fails, for tests of what a failed pin
    /// must undo (no valid input reaches a pin failure after the checks that precede it).
    typealias PinStep = (borrowing FileDescriptor, FilePath) throws(Errno) -> Void

    func pin(_ context: CommandContext, step: PinStep) throws(CommandFailure) {
        let console = context.console
        // PATH first: a bad path should not cost loading the object.
        let destination = try PinDestination.check(path)
        if destination.needsMount && context.options.noMount {
            throw CommandFailure("no BPF file system found, not mounting it due to --nomount option")
        }
        // Names of the owner, before loading: a user that does not exist costs nothing.
        let access = try self.access.resolve()
        // From loading (which pins maps by name) to the iterator's pin and its mode and owner,
        // everything that stays in the system happens as one step: every fatal signal is held
        // until it is complete or undone, and a signal that arrives meanwhile stops it at the next
        // step.
        let signals = SignalHold()
        defer { signals.release() }
        let iterator = try self.iterator.makeIterator(console: console)
        var transaction = PinTransaction(destination) { console.trace($0) }
        do throws(CommandFailure) {
            try signals.check()
            try transaction.mountIfNeeded(signals: signals)
            try signals.check()
            do throws(Errno) {
                try transaction.pin { (target: FilePath) throws(Errno) in
                    try iterator.withLink { (link: borrowing FileDescriptor) throws(Errno) in try step(link, target) }
                }
            } catch {
                throw CommandFailure(IteratorError.pin(program: iterator.program, path: path, error), object: self.iterator.object)
            }
            // Steps on the pin itself: a failure unlinks the pin (PinAccess does, and so would
            // rollBack) and undoes the mount steps with the rest.
            let pinAccess: FileAccess?
            do { pinAccess = try PinCommand.setAccess(access, at: destination.target, program: iterator.program) } catch {
                throw CommandFailure(error, object: self.iterator.object)
            }
            try report(iterator, access: pinAccess, transaction: transaction, console: console)
        } catch {
            iterator.unpinMaps()
            let left = transaction.rollBack()
            guard left.isEmpty else {
                throw CommandFailure(error.message + "; left behind: " + left.joined(separator: ", "),
                                     exitCode: error.exitCode, log: error.log)
            }
            throw error
        }
    }

    /// Says what was pinned: warnings on stderr, and under -j the summary on stdout. Part of the
    /// pin: a summary that cannot be written (a full disk) fails the pin, which is then undone,
    /// rather than leave a pin behind a failed command (a reader that went away, EPIPE, is fine).
    func report(_ iterator: Iterator, access: FileAccess?, transaction: PinTransaction, console: Console) throws(CommandFailure) {
        console.trace("pinned link \(iterator.linkID) at \(path)")
        let arrays = iterator.unpinnedProgramArrays
        let warnings = arrays.map { name in
            "program array '\(name)' is not pinned: the kernel empties it when iter exits, so tail calls through it "
                + "will find no program when \(path) is read; declare it with __uint(pinning, LIBBPF_PIN_BY_NAME) to keep it"
        }
        var all = warnings
        if case let .task(selection) = self.iterator.options, let absent = selection.absentTask {
            all.append(absent + " now: reading \(path) shows nothing unless its reader's pid namespace has one")
        }
        if !console.json { for warning in all { console.warning(warning) } }
        guard console.json else { return }
        var fields: [(String, JSONValue)] = [
            ("path", .string(path.description)),
            ("object", .string(self.iterator.object.description)),
            ("program", .string(iterator.program)),
            ("section", .string(iterator.section)),
            ("target", .string(iterator.target)),
            ("link_id", .uint(UInt64(iterator.linkID))),
        ]
        if let id = iterator.programID { fields.append(("prog_id", .uint(UInt64(id)))) }
        fields += iterator.optionFields.map { ($0.name, JSONValue($0.value)) }
        fields.append(("mounted_bpffs", .bool(transaction.mountedBPFFS)))
        if let access {
            fields += [("mode", .string(access.octalMode)), ("uid", .uint(UInt64(access.user))), ("gid", .uint(UInt64(access.group)))]
        }
        if !warnings.isEmpty { fields.append(("warnings", .array(warnings.map { .string($0) }))) }
        console.emit(.object(fields))
        if let error = console.stdoutError, error != .EPIPE {
            throw CommandFailure("writing to stdout", errno: error)
        }
    }
}
