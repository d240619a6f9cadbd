import BPFLoader
import SyscallBPF

/// `mode MODE` and `owner OWNER` of `pin`, as parsed: the mode checked, the owner's names not
/// yet looked up (the grammar reads no file).
struct PinAccessRequest: Equatable, CustomStringConvertible {
    var mode: PinMode? = nil
    var owner: OwnerSpec? = nil

    /// ` mode=0644 owner=nobody:` (empty when neither is given).
    var description: String {
        (mode.map { " mode=\($0)" } ?? "") + (owner.map { " owner=\($0)" } ?? "")
    }

    /// `mode MODE`, `owner OWNER`.
    static var clauses: [Clause<PinCommand>] {
        [
            Clause(keyword: "mode") { (words, command) throws(UsageError) in
                let word = try words.next("'mode' needs a mode, such as 0644 or a+r")
                guard command.access.mode == nil else { throw UsageError("'mode' given twice") }
                do throws(PinModeError) { command.access.mode = try PinMode(parsing: word.text) } catch { throw UsageError(error.description) }
            },
            Clause(keyword: "owner") { (words, command) throws(UsageError) in
                let word = try words.next("'owner' needs USER, USER:GROUP, USER: or :GROUP")
                guard command.access.owner == nil else { throw UsageError("'owner' given twice") }
                do throws(PinOwnerError) { command.access.owner = try OwnerSpec(parsing: word.text) } catch { throw UsageError(error.description) }
            },
        ]
    }

    /// The owner's names looked up in /etc/passwd and /etc/group.
    func resolve() throws(CommandFailure) -> PinAccess {
        guard let owner else { return PinAccess(mode: mode) }
        do {
            return PinAccess(mode: mode, owner: try PinOwner(owner, accounts: AccountDatabase.system()))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

extension PinCommand {
    /// The step after BPF_OBJ_PIN, inside the window where termination signals are held: the
    /// pin's mode and owner. If one cannot be set, the pin is removed and the error names the
    /// step. Returns the pin's mode and owner when there was something to set.
    static func setAccess(_ access: PinAccess, at path: FilePath, program: String) throws(IteratorError) -> FileAccess? {
        guard !access.isEmpty else { return nil }
        do { return try access.apply(to: path) } catch { throw .pinAccess(program: program, error) }
    }
}
