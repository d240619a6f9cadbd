import SyscallBPF

/// Users and groups as /etc/passwd and /etc/group list them, read directly: the static binary has
/// no NSS, so names served by LDAP or systemd-homed are not seen (numbers always work).
package struct AccountDatabase: Sendable {
    /// A user: the numbers of `name:password:UID:GID:...`.
    package struct User: Equatable, Sendable {
        /// The login name (the first field).
        package var name: String
        /// The user id (the third field).
        package var id: UInt32
        /// The login group (the fourth field).
        package var group: UInt32
    }

    /// A group: `name:password:GID:members`.
    package struct Group: Equatable, Sendable {
        /// The group's name (the first field).
        package var name: String
        /// The group id (the third field).
        package var id: UInt32
    }

    /// Every user of /etc/passwd, in file order.
    package let users: [User]
    /// Every group of /etc/group, in file order.
    package let groups: [Group]

    /// The accounts listed in these files' contents. Lines that are empty, comments, NIS
    /// markers (`+`, `-`) or malformed are skipped, as getpwnam's files backend skips them.
    package init(passwd: [UInt8], group: [UInt8]) {
        users = AccountDatabase.records(passwd, minimumFields: 4).compactMap { fields in
            guard let id = AccountDatabase.number(fields[2]), let group = AccountDatabase.number(fields[3]) else { return nil }
            return User(name: fields[0], id: id, group: group)
        }
        groups = AccountDatabase.records(group, minimumFields: 3).compactMap { fields in
            guard let id = AccountDatabase.number(fields[2]) else { return nil }
            return Group(name: fields[0], id: id)
        }
    }

    /// /etc/passwd and /etc/group of this system; a file that cannot be read lists nobody.
    package static func system() -> AccountDatabase {
        AccountDatabase(
            passwd: (try? Files.read(FilePath("/etc/passwd"))) ?? [],
            group: (try? Files.read(FilePath("/etc/group"))) ?? [])
    }

    /// The first user of that name, as getpwnam returns the first match.
    package func user(named name: String) -> User? { users.first { $0.name == name } }
    /// The first user with that number.
    package func user(id: UInt32) -> User? { users.first { $0.id == id } }
    /// The first group of that name.
    package func group(named name: String) -> Group? { groups.first { $0.name == name } }
    /// The first group with that number.
    package func group(id: UInt32) -> Group? { groups.first { $0.id == id } }

    static func records(_ bytes: [UInt8], minimumFields: Int) -> [[String]] {
        var records: [[String]] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let first = line.first, first != UInt8(ascii: "#"), first != UInt8(ascii: "+"), first != UInt8(ascii: "-") else {
                continue
            }
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
            guard fields.count >= minimumFields, !fields[0].isEmpty else { continue }
            records.append(fields)
        }
        return records
    }

    /// A decimal id below 2^32 - 1 (which chown reserves for "unchanged").
    static func number(_ text: String) -> UInt32? {
        guard isDigits(text), let value = UInt32(text), value != UInt32.max else { return nil }
        return value
    }

    /// Only decimal digits (and at least one): a number, whether or not it is a valid id.
    static func isDigits(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
