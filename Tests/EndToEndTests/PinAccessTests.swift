import Foundation
import Testing

/// `pin … mode MODE owner OWNER`: the pin is served to a user who is not root, as a file in /proc
/// would be, with no chmod or chown after iter.
@Suite("pin mode and owner", .enabled(if: Repo.isRoot))
struct PinAccessTests {
    /// Runs `command` as `uid:gid` with no supplementary groups.
    static func runAs(_ uid: Int, _ gid: Int, _ command: [String]) throws -> Outcome {
        try run("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups"] + command)
    }

    static func access(_ path: String) throws -> (mode: Int, uid: Int, gid: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (
            (attributes[.posixPermissions] as? Int) ?? -1, (attributes[.ownerAccountID] as? Int) ?? -1,
            (attributes[.groupOwnerAccountID] as? Int) ?? -1
        )
    }

    @Test("mode 0644 owner nobody: nobody can cat it; without them, nobody cannot", arguments: Repo.binaries)
    func nobodyReads(binary: String) throws {
        let dir = try BPFFSDirectory("pins-mode")
        let shared = dir.file("tasks")
        let pinned = try run(binary, ["-j", "pin", Repo.fixture("iter_task.bpf.o"), shared, "mode", "0644", "owner", "nobody"])
        #expect(pinned.status == 0, "\(pinned)")
        let access = try Self.access(shared)
        #expect(access.mode == 0o644 && access.uid == 65534 && access.gid == 0)
        let json = try JSONSerialization.jsonObject(with: Data(pinned.stdout.utf8)) as? [String: Any]
        #expect(json?["mode"] as? String == "0644" && json?["uid"] as? Int == 65534 && json?["gid"] as? Int == 0)
        let read = try Self.runAs(65534, 65534, ["/bin/cat", shared])
        #expect(read.status == 0, "\(read)")
        #expect(read.stdout.hasPrefix("    pid    tgid comm\n") && read.lines.count > 10)
        #expect(try run(binary, ["show", shared]).stdout.contains("\tpinned \(shared)  mode 0644  owner nobody:root\n"))

        // The same pin without mode and owner is root's, 0600 less the umask: nobody is refused.
        let private_ = dir.file("private")
        #expect(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), private_]).status == 0)
        #expect(try Self.access(private_) == (0o600, 0, 0))
        let refused = try Self.runAs(65534, 65534, ["/bin/cat", private_])
        #expect(refused.status != 0 && refused.stderr.contains("Permission denied"))
    }

    @Test("a user of its own, USER: (its login group) and a symbolic mode; a stranger is refused", arguments: Repo.binaries)
    func userOfItsOwn(binary: String) throws {
        let name = "itpins\(getpid() % 100000)\(UInt16.random(in: 0...9999))"
        try #require(try run("/usr/sbin/useradd", ["--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name]).status == 0)
        defer { _ = try? run("/usr/sbin/userdel", [name]) }
        let ids = try sh("id -u \(name); id -g \(name)").lines.compactMap { Int($0) }
        try #require(ids.count == 2)
        let dir = try BPFFSDirectory("pins-user")
        let path = dir.file("counter")
        // 0600 less the umask, then u=r,g=r: 0440 for the user and its group.
        let pinned = try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), path, "owner", "\(name):", "mode", "u=r,g=r,o="])
        #expect(pinned.status == 0, "\(pinned)")
        #expect(try Self.access(path) == (0o440, ids[0], ids[1]))
        #expect(try Self.runAs(ids[0], ids[1], ["/bin/cat", path]).stdout.hasPrefix("count 3\n"))
        // Another user, with the group's id as its own group: the group bits let it read.
        #expect(try Self.runAs(65534, ids[1], ["/bin/cat", path]).status == 0)
        #expect(try Self.runAs(65534, 65534, ["/bin/cat", path]).status != 0)
        #expect(try run(binary, ["show", path]).stdout.contains("  mode 0440  owner \(name):\(name)\n"))
        // Numbers work without /etc/passwd entries.
        let numeric = dir.file("numeric")
        #expect(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), numeric, "owner", "4242:4343", "mode", "a+r"]).status == 0)
        #expect(try Self.access(numeric) == (0o644, 4242, 4343))
    }

    @Test("a user that does not exist: one error, nothing loaded or pinned", arguments: Repo.binaries)
    func unknownUser(binary: String) throws {
        let dir = try BPFFSDirectory("pins-nouser")
        let outcome = try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t"), "owner", "no_such_user_itpins"])
        #expect(outcome.status == 255)
        #expect(outcome.stderr == "Error: owner 'no_such_user_itpins': no such user in /etc/passwd (and not a number)\n")
        #expect(dir.entries.isEmpty)
        let group = try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t"), "owner", "nobody:no_such_group_itpins"])
        #expect(group.stderr == "Error: group 'no_such_group_itpins': no such group in /etc/group (and not a number)\n")
        let mode = try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), dir.file("t"), "mode", "u+rq"])
        #expect(mode.status == 255 && mode.stderr.hasPrefix("Error: mode 'u+rq': unexpected 'q'"))
        #expect(dir.entries.isEmpty)
    }

    @Test(
        "chown or chmod refused (capabilities dropped): the error names the step, the pin is removed",
        arguments: Repo.binaries)
    func stepFails(binary: String) throws {
        let dir = try BPFFSDirectory("pins-fail")
        let path = dir.file("t")
        // Without CAP_CHOWN, root cannot give the pin away.
        let chown = try run(
            "/usr/bin/setpriv",
            [
                "--bounding-set=-chown", binary, "pin", Repo.fixture("iter_task.bpf.o"), path,
                "owner", "nobody", "mode", "0644",
            ])
        #expect(chown.status == 255, "\(chown)")
        #expect(
            chown.stderr == "Error: pin_iter failed for program dump_task to path \(path): setting its owner (chown 65534)"
                + " failed: Operation not permitted (EPERM); the pin was removed\n")
        #expect(dir.entries.isEmpty)
        // Without CAP_FOWNER, root cannot chmod a file nobody owns: the chown worked, the chmod did not.
        let chmod = try run(
            "/usr/bin/setpriv",
            [
                "--bounding-set=-fowner", binary, "-j", "pin", Repo.fixture("iter_task.bpf.o"), path,
                "owner", "nobody", "mode", "a+r",
            ])
        #expect(chmod.status == 255, "\(chmod)")
        #expect(chmod.stdout.contains("setting its mode (chmod a+r = 0644) failed: Operation not permitted (EPERM); the pin was removed"))
        #expect(dir.entries.isEmpty)
    }

    @Test(
        "a failed chown after iter mounted bpffs: the pin is removed and bpffs unmounted (in a mount namespace)",
        arguments: Repo.binaries)
    func stepFailsAfterMount(binary: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iter-pins-mnt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        defer { rmdir(scratch) }
        // A private mount namespace (unshare's default propagation), a tmpfs of our own in it.
        let script = """
            mount -t tmpfs tmpfs '\(scratch)' || exit 9
            setpriv --bounding-set=-chown '\(binary)' pin '\(Repo.fixture("iter_task.bpf.o"))' '\(scratch)/t' owner nobody
            echo "rc=$?"
            awk '$5 == "\(scratch)" { print $9 }' /proc/self/mountinfo
            ls -A '\(scratch)'
            """
        let outcome = try run("/usr/bin/unshare", ["-m", "/bin/sh", "-c", script])
        #expect(outcome.lines == ["rc=255", "tmpfs"], "\(outcome)")
        #expect(outcome.stderr.hasSuffix("setting its owner (chown 65534) failed: Operation not permitted (EPERM); the pin was removed\n"))
    }
}
