import CLinuxBPF
import BPFLoader
import SyscallBPF

/// `iter pin OBJ PATH [ITER_OPT] [prog NAME]`: create the iterator and pin its link on bpffs.
enum PinCommand {
    /// How a link is pinned: BPF_OBJ_PIN, or a stand-in that fails, for tests of what a failed pin
    /// must undo (no valid input reaches a pin failure after the checks that precede it).
    typealias Pin = (borrowing FileDescriptor, String) throws(Errno) -> Void

    static func run(_ request: IteratorRequest, path: String, options: GlobalOptions, console: Console,
                    pin: Pin = { (fd: borrowing FileDescriptor, path: String) throws(Errno) in try BPFObject.pin(fd, at: path) }) throws(CommandFailure) {
        // PATH first: a bad path should not cost loading the object.
        let destination = try PinDestination.check(path)
        if destination.needsMount && options.noMount {
            throw CommandFailure("no BPF file system found, not mounting it due to --nomount option")
        }
        let iterator = try IteratorSetup.prepare(request, console: console)

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
            if let fd = try? Files.open(directoryName(destination.directory), flags: O_DIRECTORY) {
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
                do throws(Errno) { try pin(link, path) } catch { throw .pin(program: iterator.program, path: path, error) }
            }
        } catch {
            iterator.unpinMaps()
            if let mounted {
                Mounts.unmount(mounted)
                console.trace("unmounted bpffs from \(destination.directory)")
            }
            throw IteratorSetup.failure(error, object: request.object)
        }
        console.trace("pinned link \(iterator.linkID) at \(path)")
        if console.json {
            var fields: [(String, JSONValue)] = [
                ("path", .string(path)),
                ("object", .string(request.object)),
                ("program", .string(iterator.program)),
                ("section", .string(iterator.section)),
                ("target", .string(iterator.target)),
                ("link_id", .uint(UInt64(iterator.linkID))),
            ]
            if let id = iterator.programID { fields.append(("prog_id", .uint(UInt64(id)))) }
            fields += IteratorSetup.summary(request.option, iterator: iterator)
            fields.append(("mounted_bpffs", .bool(mounted != nil)))
            console.emit(.object(fields))
        }
    }
}
