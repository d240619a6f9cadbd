import SyscallBPF

/// The mode and owner a pin is given once it exists (`pin … mode 0644 owner nobody`): bpffs creates
/// pins `0600` less the umask and owned by the pinning user, and honours chmod and chown after.
public struct PinAccess: Equatable, Sendable {
    /// The mode to set; nil keeps the mode the pin was created with.
    public var mode: PinMode?
    /// The owner and group to set; nil keeps them.
    public var owner: PinOwner?

    /// Access to set on a pin.
    public init(mode: PinMode? = nil, owner: PinOwner? = nil) {
        self.mode = mode
        self.owner = owner
    }

    /// Nothing to set.
    public var isEmpty: Bool { mode == nil && owner == nil }

    /// Sets the owner, then the mode (a chown clears set-user-ID and set-group-ID, so the mode
    /// comes last), on the pin just created at `path`. If a step fails, the pin is removed: a pin
    /// its users cannot read is no pin at all. Returns the pin's mode and owner as they now are.
    package func apply(to path: FilePath) throws(PinAccessError) -> FileAccess {
        func undo(_ step: PinAccessError.Step, _ error: Errno) -> PinAccessError {
            var removal: Errno? = nil
            do { try Files.remove(path) } catch { removal = error }
            return PinAccessError(path: path, step: step, errno: error, removalError: removal)
        }
        let found: FileAccess?
        do { found = try Files.access(path) } catch { throw undo(.inspect, error) }
        guard let created = found else { throw undo(.inspect, .ENOENT) }
        // The pin was just made; a link here means someone replaced it: touch nothing of theirs.
        guard !created.isSymbolicLink else {
            throw PinAccessError(path: path, step: .replaced, errno: .ELOOP, removalError: nil)
        }
        var result = created
        guard !isEmpty else { return result }
        if let owner, owner.user != nil || owner.group != nil {
            do { try Files.setOwner(path, user: owner.user, group: owner.group) } catch { throw undo(.owner(owner), error) }
            result.user = owner.user ?? result.user
            result.group = owner.group ?? result.group
        }
        if let mode {
            let wanted = mode.applied(to: created.mode, umask: Files.creationMask())
            do { try Files.setMode(path, wanted) } catch { throw undo(.mode(mode, wanted), error) }
            result.mode = wanted
        }
        return result
    }
}

/// A pin was created but its owner or mode could not be set; it was removed (unless
/// `removalError` says why not).
public struct PinAccessError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The step that failed.
    public enum Step: Equatable, Sendable, CustomStringConvertible {
        /// Reading the new pin's mode (lstat).
        case inspect
        /// The pin was found replaced by a symbolic link: nothing was changed or removed.
        case replaced
        /// chown to this owner.
        case owner(PinOwner)
        /// chmod with this mode, which gave this value.
        case mode(PinMode, UInt32)

        public var description: String {
            switch self {
            case .inspect: return "reading its mode (lstat)"
            case .replaced: return "checking it (a symbolic link took its place, left alone)"
            case let .owner(owner): return "setting its owner (chown \(owner))"
            case let .mode(mode, value):
                let octal = String(value, radix: 8)
                let shown = "0" + String(repeating: "0", count: max(0, 3 - octal.count)) + octal
                return "setting its mode (chmod \(mode.text)\(mode.text == shown ? "" : " = " + shown))"
            }
        }
    }

    /// The pin's path.
    public var path: FilePath
    /// What failed.
    public var step: Step
    /// Why.
    public var errno: Errno
    /// Why removing the pin failed too; nil when it was removed.
    public var removalError: Errno?

    /// `setting its owner (chown 65534) failed: Operation not permitted (EPERM); the pin was removed`.
    public var description: String {
        let removal = removalError.map { "removing the pin failed too: \($0.description)" } ?? "the pin was removed"
        if step == .replaced { return "\(step) failed: \(errno.description)" }
        return "\(step) failed: \(errno.description); \(removal)"
    }
}
