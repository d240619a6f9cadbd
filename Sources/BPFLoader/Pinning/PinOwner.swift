/// The owner and group a pin is given after it is created (`pin … owner USER[:GROUP]`), in chown's
/// forms: `USER` (the owner only), `USER:GROUP`, `USER:` (the owner and the user's login group),
/// `:GROUP` (the group only). A name is looked up first; a word of digits that names nobody is a
/// number.
public struct PinOwner: Equatable, Sendable, CustomStringConvertible {
    /// The new owner; nil leaves it.
    public var user: UInt32?
    /// The new group; nil leaves it.
    public var group: UInt32?

    /// An owner and group by number.
    public init(user: UInt32?, group: UInt32?) {
        self.user = user
        self.group = group
    }

    /// Resolves `USER[:GROUP]` against this system's `/etc/passwd` and `/etc/group`.
    public init(parsing text: String) throws(PinOwnerError) {
        try self.init(parsing: text, accounts: AccountDatabase.system())
    }

    /// Resolves `USER[:GROUP]` against `accounts`.
    package init(parsing text: String, accounts: AccountDatabase) throws(PinOwnerError) {
        try self.init(try OwnerSpec(parsing: text), accounts: accounts)
    }

    /// Resolves the names of `spec` against `accounts`.
    package init(_ spec: OwnerSpec, accounts: AccountDatabase) throws(PinOwnerError) {
        var user: UInt32? = nil
        var loginGroup: UInt32? = nil
        if let name = spec.user {
            if let found = accounts.user(named: name) {
                user = found.id
                loginGroup = found.group
            } else if let id = AccountDatabase.number(name) {
                user = id
                loginGroup = accounts.user(id: id)?.group
            } else if AccountDatabase.isDigits(name) {
                throw .idOutOfRange(name, group: false)
            } else {
                throw .noSuchUser(name)
            }
        }
        var group: UInt32? = nil
        if let name = spec.group {
            if let found = accounts.group(named: name) {
                group = found.id
            } else if let id = AccountDatabase.number(name) {
                group = id
            } else if AccountDatabase.isDigits(name) {
                throw .idOutOfRange(name, group: true)
            } else {
                throw .noSuchGroup(name)
            }
        } else if spec.colon {
            // `USER:` (the spec has a user whenever it has a colon and no group).
            guard let loginGroup else { throw .noLoginGroup(spec.user ?? "") }
            group = loginGroup
        }
        self.init(user: user, group: group)
    }

    /// `65534:65534`, `65534`, `:65534`.
    public var description: String {
        (user.map { String($0) } ?? "") + (group.map { ":" + String($0) } ?? "")
    }
}

/// `USER[:GROUP]` split as chown splits it, before any name is looked up.
package struct OwnerSpec: Equatable, Sendable, CustomStringConvertible {
    /// The part before the colon; nil when empty.
    package var user: String?
    /// The part after the colon; nil when empty or absent.
    package var group: String?
    /// A colon was given (`USER:` means the user's login group).
    package var colon: Bool

    /// Parses chown's forms: `USER`, `USER:GROUP`, `USER:` and `:GROUP`.
    package init(parsing text: String) throws(PinOwnerError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : ""
        guard !groupPart.contains(":") else { throw .invalid(text) }
        user = userPart.isEmpty ? nil : userPart
        group = groupPart.isEmpty ? nil : groupPart
        colon = parts.count > 1
        guard user != nil || group != nil else { throw .invalid(text) }
    }

    package var description: String {
        (user ?? "") + (colon ? ":" : "") + (group ?? "")
    }
}

/// Why `owner USER[:GROUP]` names no one.
public enum PinOwnerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Empty, or more than one colon.
    case invalid(String)
    /// No such user name in /etc/passwd, and not a number.
    case noSuchUser(String)
    /// No such group name in /etc/group, and not a number.
    case noSuchGroup(String)
    /// `USER:` for a user (a number) that /etc/passwd does not list, so it has no login group.
    case noLoginGroup(String)
    /// A number past the last id (4294967295 is chown's "leave unchanged").
    case idOutOfRange(String, group: Bool)

    public var description: String {
        switch self {
        case let .invalid(text): return "owner '\(text)': expected USER, USER:GROUP, USER: or :GROUP"
        case let .noSuchUser(name): return "owner '\(name)': no such user in /etc/passwd (and not a number)"
        case let .noSuchGroup(name): return "group '\(name)': no such group in /etc/group (and not a number)"
        case let .idOutOfRange(text, group):
            return "\(group ? "group" : "owner") '\(text)': \(group ? "group" : "user") ids go from 0 to 4294967294 (4294967295 is chown's 'leave unchanged')"
        case let .noLoginGroup(name): return "owner '\(name):': user \(name) is not in /etc/passwd, so it has no login group; name the group"
        }
    }
}
