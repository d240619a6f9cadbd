import BPFLoader
import Testing

/// `pin … owner USER[:GROUP]`: /etc/passwd and /etc/group read as bytes, chown's forms.
@Suite("pin owner: passwd and group files, chown's forms")
struct PinOwnerTests {
    static let accounts = AccountDatabase(
        passwd: Array(
            """
            root:x:0:0:root:/root:/bin/bash
            # a comment:x:5:5
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            +nisuser::::::
            -excluded:x:9:9::/:
            broken:x:notanumber:1::/:
            short:x:7
            123:x:4000:4001::/:/bin/sh
            monitor:x:1500:1600::/home/monitor:/bin/sh
            monitor:x:1501:1601::/:/bin/sh

            maxed:x:4294967295:1::/:/bin/sh
            """.utf8),
        group: Array(
            """
            root:x:0:
            nogroup:x:65534:
            monitoring:x:1600:monitor
            77:x:3000:
            bad:x:
            """.utf8))

    func owner(_ text: String) throws(PinOwnerError) -> PinOwner {
        try PinOwner(parsing: text, accounts: Self.accounts)
    }

    @Test("lines that are comments, NIS markers, malformed or out of range are skipped; the first match wins")
    func parsing() {
        #expect(Self.accounts.users.map { $0.name } == ["root", "nobody", "123", "monitor", "monitor"])
        #expect(Self.accounts.user(named: "monitor")?.id == 1500)
        #expect(Self.accounts.user(id: 65534)?.name == "nobody")
        #expect(Self.accounts.groups.map { $0.name } == ["root", "nogroup", "monitoring", "77"])
        #expect(Self.accounts.group(id: 1600)?.name == "monitoring")
        #expect(AccountDatabase(passwd: [], group: []).users.isEmpty)
    }

    @Test("USER, USER:GROUP, USER:, :GROUP, by name or number; a name wins over a number")
    func forms() throws {
        #expect(try owner("nobody") == PinOwner(user: 65534, group: nil))
        #expect(try owner("nobody:monitoring") == PinOwner(user: 65534, group: 1600))
        #expect(try owner("monitor:") == PinOwner(user: 1500, group: 1600))
        #expect(try owner(":nogroup") == PinOwner(user: nil, group: 65534))
        #expect(try owner("1234:5678") == PinOwner(user: 1234, group: 5678))
        #expect(try owner("0") == PinOwner(user: 0, group: nil))
        #expect(try owner("65534:") == PinOwner(user: 65534, group: 65534))
        // "123" is a user name (uid 4000) and "77" a group name (gid 3000): names first, as chown.
        #expect(try owner("123:77") == PinOwner(user: 4000, group: 3000))
        #expect(try owner("123:") == PinOwner(user: 4000, group: 4001))
    }

    @Test("names nobody has, USER: without a login group, and malformed words are refused by name")
    func errors() {
        #expect(throws: PinOwnerError.noSuchUser("ghost")) { try owner("ghost") }
        #expect(throws: PinOwnerError.noSuchGroup("ghosts")) { try owner("nobody:ghosts") }
        #expect(throws: PinOwnerError.noLoginGroup("1234")) { try owner("1234:") }
        #expect(throws: PinOwnerError.invalid("")) { try owner("") }
        #expect(throws: PinOwnerError.invalid(":")) { try owner(":") }
        #expect(throws: PinOwnerError.invalid("a:b:c")) { try owner("a:b:c") }
        // 2^32 - 1 is chown's "unchanged", never an id.
        #expect(throws: PinOwnerError.idOutOfRange("4294967295", group: false)) { try owner("4294967295") }
        #expect(throws: PinOwnerError.idOutOfRange("99999999999", group: true)) { try owner("0:99999999999") }
        #expect(
            PinOwnerError.idOutOfRange("4294967295", group: false).description
                == "owner '4294967295': user ids go from 0 to 4294967294 (4294967295 is chown's 'leave unchanged')")
        #expect(throws: PinOwnerError.noSuchUser("-1")) { try owner("-1") }
        #expect(PinOwnerError.noSuchUser("ghost").description == "owner 'ghost': no such user in /etc/passwd (and not a number)")
        #expect(
            PinOwnerError.noLoginGroup("1234").description
                == "owner '1234:': user 1234 is not in /etc/passwd, so it has no login group; name the group")
    }
}
