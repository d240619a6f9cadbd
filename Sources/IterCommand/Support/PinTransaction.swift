import CLinuxBPF
import SyscallBPF

/// Mounting bpffs where a pin needs it, then pinning, as one step that happens completely or not
/// at all. Each step that changes the system is recorded as it succeeds; `rollBack` undoes
/// exactly the recorded steps, newest first, and never more: a mount is unmounted only while it
/// is still the one on top of the directory and holds nothing that iter did not put there.
///
/// The sequence, for a directory D (resolved once by `PinDestination`) that is not on bpffs:
/// 1. lock D (flock on D's own inode, so every spelling of D takes the same lock), and look
///    again: another pin may have mounted bpffs there meanwhile;
/// 2. if the mount holding D is shared (new mounts under it propagate to its peers, in other
///    mount namespaces), keep bpffs out of them as bpftool does: make that mount private if D is
///    its mount point, else bind-mount D on itself and make the bind private;
/// 3. mount bpffs on D (mode 0700);
/// 4. pin at D/NAME, then any step on the pin itself.
/// A mount that is not shared is left as it is: bpffs mounted under it stays in this namespace.
struct PinTransaction {
    /// One recorded step: what it changed, and what undoes it.
    enum Step: Equatable, CustomStringConvertible {
        /// The shared mount at this directory was made private. Undone by making it shared again
        /// (a new peer group: the mounts it was a peer of cannot be rejoined).
        case madePrivate(FilePath)
        /// The directory was bind-mounted on itself (and the bind made private). Undone by
        /// unmounting that mount, while it is the one on top (this mount id).
        case boundOnItself(FilePath, mountID: UInt64?)
        /// bpffs was mounted on the directory. Undone by unmounting it, while it is the one on top
        /// and holds nothing but the kernel's own files (bpffs reserves names with a dot for those:
        /// `maps.debug`, `progs.debug`).
        case mountedBPFFS(FilePath, mountID: UInt64?)
        /// Something was pinned here. Undone by unlinking it.
        case pinned(FilePath)

        var description: String {
            switch self {
            case let .madePrivate(d): return "made the mount at \(d) private"
            case let .boundOnItself(d, _): return "bind-mounted \(d) on itself"
            case let .mountedBPFFS(d, _): return "mounted bpffs on \(d)"
            case let .pinned(p): return "pinned \(p)"
            }
        }
    }

    /// How long to wait for another pin that holds the directory's lock: its mount-and-pin window
    /// takes milliseconds, so this is only ever reached if that process is stopped.
    static let lockTimeoutMilliseconds = 10_000

    let destination: PinDestination
    /// What has been done so far, oldest first.
    private(set) var steps: [Step] = []
    /// The directory's lock, held until the transaction ends (the fd closes with it).
    private var lock: OwnedDescriptor? = nil
    /// `-d` lines.
    let trace: (String) -> Void

    init(_ destination: PinDestination, trace: @escaping (String) -> Void) {
        self.destination = destination
        self.trace = trace
    }

    /// True once bpffs has been mounted by this transaction.
    var mountedBPFFS: Bool {
        steps.contains { if case .mountedBPFFS = $0 { return true } else { return false } }
    }

    /// Steps 1 to 3: makes the destination directory a bpffs, unless it is one. Fails with
    /// bpftool's words for a failed mount; the steps done so far stay recorded for `rollBack`.
    mutating func mountIfNeeded(signals: SignalHold) throws(CommandFailure) {
        guard destination.needsMount else { return }
        let directory = destination.directory
        try lockDirectory(signals: signals)
        if Mounts.isBPFFS(directory) {
            trace("bpffs was mounted on \(directory) by another pin meanwhile")
            return
        }
        let id: UInt64
        do { id = try Mounts.mountID(directory) } catch { throw failure("can't find the mount holding \(directory)", errno: error) }
        let table: [MountEntry]
        do { table = try MountTable.read() } catch { throw failure("can't read /proc/self/mountinfo", errno: error) }
        guard let mount = table.first(where: { $0.id == id }) else {
            throw failure("mount \(id) holding \(directory) is not in /proc/self/mountinfo", errno: .ENOENT)
        }
        try signals.check()
        do throws(MountError) {
            if mount.isShared {
                if mount.mountPoint == directory {
                    try Mounts.setPropagation(directory, shared: false)
                    steps.append(.madePrivate(directory))
                    trace("made the shared mount at \(directory) private")
                } else {
                    try Mounts.bindOnItself(directory)
                    steps.append(.boundOnItself(directory, mountID: try? Mounts.mountID(directory)))
                    try Mounts.setPropagation(directory, shared: false)
                    trace("bind-mounted \(directory) on itself, private (\(mount.mountPoint) is shared)")
                }
            }
            try Mounts.mountBPFFS(directory)
            steps.append(.mountedBPFFS(directory, mountID: try? Mounts.mountID(directory)))
        } catch {
            throw CommandFailure(
                "can't mount BPF file system to pin the object (\(destination.path)): \(error.description)",
                exitCode: error.errno.exitCode)
        }
        trace("mounted bpffs on \(directory) (mode 0700)")
    }

    /// Step 4: `body` pins at the target path; recorded once it succeeds.
    mutating func pin(_ body: (FilePath) throws(Errno) -> Void) throws(Errno) {
        try body(destination.target)
        steps.append(.pinned(destination.target))
    }

    /// Undoes the recorded steps, newest first, and forgets them. Returns what it left behind and
    /// why, for the error message: a step that cannot be undone stops the undoing, since each
    /// step rests on the ones before it.
    mutating func rollBack() -> [String] {
        defer { steps = [] }
        for step in steps.reversed() {
            if let left = undo(step) { return [left] }
            trace("undone: \(step)")
        }
        return []
    }

    // MARK: - Steps

    /// flock on the directory's inode. Waits for another pin that holds it, without blocking: a
    /// held signal ends the wait, and so does the timeout.
    private mutating func lockDirectory(signals: SignalHold) throws(CommandFailure) {
        let directory = destination.directory
        let fd: FileDescriptor
        do { fd = try Files.open(directory, flags: O_DIRECTORY) } catch {
            throw failure("can't open \(directory) to lock it", errno: error)
        }
        var waited = 0
        while iter_try_lock_exclusive(fd.rawValue) != 0 {
            let error = Errno.current
            guard error == .EAGAIN || error == .EINTR else { throw failure("can't lock \(directory)", errno: error) }
            try signals.check()
            guard waited < PinTransaction.lockTimeoutMilliseconds else {
                throw failure("another pin has held the lock on \(directory) for \(waited / 1000) s", errno: .EAGAIN)
            }
            if waited == 0 { trace("waiting for another pin into \(directory)") }
            iter_sleep_ms(10)
            waited += 10
        }
        lock = OwnedDescriptor(fd)
    }

    private func failure(_ reason: String, errno: Errno) -> CommandFailure {
        CommandFailure("can't mount BPF file system to pin the object (\(destination.path)): \(reason)", errno: errno)
    }

    /// Undoes one step; nil when done, else what is left and why. Each undoing call is tried a
    /// few times: EBUSY from a remount or an unmount can be a moment's use by another process.
    private func undo(_ step: Step) -> String? {
        switch step {
        case let .pinned(path):
            // A pin is never a symbolic link: one there now was put by someone else, who removed
            // ours. Touch nothing of theirs.
            if (try? Files.kind(path, followLinks: false)) == .symbolicLink { return nil }
            do { try PinTransaction.retrying { () throws(Errno) in try Files.remove(path) } } catch {
                if error == .ENOENT { return nil }
                return "the pin \(path) (unlink: \(error.description))"
            }
            return nil
        case let .mountedBPFFS(directory, id):
            if let left = checkOnTop(directory, id, what: "bpffs") { return left }
            return unmountBPFFS(directory)
        case let .boundOnItself(directory, id):
            if let left = checkOnTop(directory, id, what: "the bind mount") { return left }
            do { try PinTransaction.retrying { () throws(MountError) in try Mounts.unmount(directory) } } catch {
                return "the bind mount on \(directory) (\(error.description))"
            }
            return nil
        case let .madePrivate(directory):
            do { try PinTransaction.retrying { () throws(MountError) in try Mounts.setPropagation(directory, shared: true) } } catch {
                return "the mount at \(directory) made private, it was shared (\(error.description))"
            }
            return nil
        }
    }

    /// Runs `body` up to 3 times, 10 ms apart, until it succeeds; fails with its last error (E).
    static func retrying<E: Error>(_ body: () throws(E) -> Void) throws(E) {
        var attempt = 1
        while true {
            do throws(E) {
                try body()
                return
            } catch {
                guard attempt < 3 else { throw error }
                attempt += 1
                iter_sleep_ms(10)
            }
        }
    }

    /// nil if the mount on top of `directory` is still the one this transaction made.
    private func checkOnTop(_ directory: FilePath, _ id: UInt64?, what: String) -> String? {
        guard let id else { return nil }
        guard let now = try? Mounts.mountID(directory), now == id else {
            return "\(what) on \(directory) (another mount now covers it)"
        }
        return nil
    }

    /// Unmounts the bpffs this transaction mounted if it holds nothing but the kernel's own files.
    /// Read-only while it is looked at, so that nothing can be pinned into it between the look and
    /// the unmount.
    private func unmountBPFFS(_ directory: FilePath) -> String? {
        do { try PinTransaction.retrying { () throws(MountError) in try Mounts.setReadOnly(directory, true) } } catch {
            return "bpffs on \(directory) (it is in use: \(error.description))"
        }
        let entries: [(name: FilePath, isDirectory: Bool)]
        do { entries = try Files.list(directory) } catch {
            try? Mounts.setReadOnly(directory, false)
            return "bpffs on \(directory) (can't list it: \(error.description))"
        }
        if let other = entries.first(where: { !$0.name.bytes.contains(UInt8(ascii: ".")) }) {
            try? Mounts.setReadOnly(directory, false)
            return "bpffs on \(directory) (another process pinned '\(other.name)' into it)"
        }
        do { try PinTransaction.retrying { () throws(MountError) in try Mounts.unmount(directory) } } catch {
            try? Mounts.setReadOnly(directory, false)
            return "bpffs on \(directory) (\(error.description))"
        }
        return nil
    }
}
