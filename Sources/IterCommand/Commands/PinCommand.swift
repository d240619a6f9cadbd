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
        var pinAccess: FileAccess? = nil
        let iterator = try self.iterator.makeIterator(console: console)

        // Mounting and pinning are the steps that leave something behind. Hold termination signals
        // for them (a signal before leaves nothing, one during takes effect after a complete pin),
        // and when bpffs must be mounted, hold a lock so two pins into the same directory do not
        // both mount it.
        iter_hold_termination_signals(1)
        defer { iter_hold_termination_signals(0) }
        var lock: OwnedDescriptor? = nil
        var mountNeeded = destination.needsMount
        if mountNeeded {
            // The parent's inode: the directory itself gets covered by the mount. The lock is
            // released when `lock` closes, at the end of this function.
            if let fd = try? Files.open(destination.directory.directory, flags: O_DIRECTORY) {
                lock = OwnedDescriptor(fd)
                _ = iter_lock_exclusive(lock?.fd.rawValue ?? -1)
            }
            // Another pin may have mounted it while we waited.
            mountNeeded = !Mounts.isBPFFS(destination.directory)
        }
        defer { _ = lock }

        var mounted: MountRecord? = nil
        if mountNeeded {
            do {
                mounted = try Mounts.mountBPFFS(at: destination.directory)
            } catch {
                iterator.unpinMaps()
                throw CommandFailure("can't mount BPF file system to pin the object (\(path)): \(error.description)",
                                     exitCode: error.errno.exitCode)
            }
            console.trace("mounted bpffs on \(destination.directory) (private, mode 0700)")
        }
        do throws(IteratorError) {
            try iterator.withLink { (link: borrowing FileDescriptor) throws(IteratorError) in
                do throws(Errno) { try step(link, path) } catch { throw .pin(program: iterator.program, path: path, error) }
                pinAccess = try PinCommand.setAccess(access, at: path, program: iterator.program)
            }
        } catch {
            iterator.unpinMaps()
            if let mounted {
                Mounts.unmount(mounted)
                console.trace("unmounted bpffs from \(destination.directory)")
            }
            throw CommandFailure(error, object: self.iterator.object)
        }
        console.trace("pinned link \(iterator.linkID) at \(path)")
        let arrays = iterator.unpinnedProgramArrays
        let warnings = arrays.map { name in
            "program array '\(name)' is not pinned: the kernel empties it when iter exits, so tail calls through it "
                + "will find no program when \(path) is read; declare it with __uint(pinning, LIBBPF_PIN_BY_NAME) to keep it"
        }
        if !console.json { for warning in warnings { console.warning(warning) } }
        if console.json {
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
            fields.append(("mounted_bpffs", .bool(mounted != nil)))
            if let pinAccess {
                fields += [("mode", .string(pinAccess.octalMode)), ("uid", .uint(UInt64(pinAccess.user))),
                           ("gid", .uint(UInt64(pinAccess.group)))]
            }
            if !warnings.isEmpty { fields.append(("warnings", .array(warnings.map { .string($0) }))) }
            console.emit(.object(fields))
        }
    }
}
