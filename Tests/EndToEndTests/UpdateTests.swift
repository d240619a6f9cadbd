import BPFLoader
import Foundation
import SyscallBPF
import Testing

/// `iter update PATH OBJ`: the program behind a pinned iterator replaced in place.
@Suite("iter update", .enabled(if: Repo.isRoot))
struct UpdateTests {
    static func json(_ outcome: Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], "\(outcome)")
    }

    /// Link id and program id of the iterator pinned at `path`, from `iter -j show`.
    static func ids(_ binary: String, _ path: String) throws -> (link: Int, program: Int, name: String) {
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(try run(binary, ["-j", "show", path]).stdout.utf8)) as? [[String: Any]])
        let link = try #require(shown.first)
        return ((link["id"] as? Int) ?? -1, (link["prog_id"] as? Int) ?? -1, (link["prog_name"] as? String) ?? "")
    }

    @Test(
        "a task iterator gets another object's task program: same link, new program, new output, the path there throughout",
        arguments: Repo.binaries)
    func replaces(binary: String) throws {
        let dir = try BPFFSDirectory("update")
        let path = dir.file("tasks")
        #expect(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), path, "mode", "0644"]).status == 0)
        #expect(try readPinned(path).hasPrefix("    pid    tgid comm\n"))
        let before = try Self.ids(binary, path)
        #expect(before.name == "dump_task")

        // A reader that checks the path for as long as the update runs, and reads the pin.
        let stop = FileManager.default.temporaryDirectory.appendingPathComponent("iter-update-stop-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let watcher = Process()
        watcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        watcher.arguments = [
            "-c", "n=0; while [ ! -e '\(stop)' ]; do [ -e '\(path)' ] || echo missing; head -c 1 '\(path)' >/dev/null || echo unreadable; n=$((n+1)); done; echo checked $n",
        ]
        let out = Pipe()
        watcher.standardOutput = out
        try watcher.run()
        Thread.sleep(forTimeInterval: 0.2)
        let updated = try run(binary, ["-j", "update", path, Repo.fixture("iter_counter.bpf.o")])
        Thread.sleep(forTimeInterval: 0.2)
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        watcher.waitUntilExit()
        unlink(stop)
        let watched = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!watched.contains("missing") && !watched.contains("unreadable"), "\(watched)")
        #expect(watched.hasPrefix("checked "))

        #expect(updated.status == 0, "\(updated)")
        let report = try Self.json(updated)
        #expect(report["link_id"] as? Int == before.link)
        #expect(report["old_prog_id"] as? Int == before.program)
        let newID = try #require(report["prog_id"] as? Int)
        #expect(newID != before.program)
        #expect(report["program"] as? String == "count_tasks" && report["target"] as? String == "task")
        let after = try Self.ids(binary, path)
        #expect(after.link == before.link && after.program == newID && after.name == "count_tasks")
        // The new program's output (its .bss counter kept growing while the watcher read it).
        let output = try readPinned(path)
        #expect(output.hasPrefix("count ") && output.hasSuffix(" step 3\n"), "\(output.prefix(200))")
        // The pin is the same file: its mode stays.
        #expect(try run(binary, ["show", path]).stdout.contains("  mode 0644  owner root:root"))
        // Plain mode prints nothing on success, as pin does.
        let again = try run(binary, ["update", path, Repo.fixture("iter_task.bpf.o")])
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.isEmpty, "\(again)")
        #expect(try readPinned(path).hasPrefix("    pid    tgid comm\n"))
    }

    @Test(
        "another target, a path that is no iterator link, a missing path: one error each, nothing changed",
        arguments: Repo.binaries)
    func refuses(binary: String) throws {
        let dir = try BPFFSDirectory("update-bad")
        let path = dir.file("tasks")
        #expect(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), path]).status == 0)
        let before = try Self.ids(binary, path)
        let other = try run(binary, ["update", path, Repo.fixture("iter_two_progs.bpf.o"), "prog", "dump_maps"])
        #expect(other.status == 255)
        #expect(
            other.stderr == "Error: program dump_maps iterates 'bpf_map', but the iterator at \(path) iterates 'task':"
                + " an update keeps the target (choose a 'task' program with 'prog NAME', or pin a new iterator)\n")
        #expect(try Self.ids(binary, path) == before)

        let missing = try run(binary, ["update", dir.file("nothing"), Repo.fixture("iter_task.bpf.o")])
        #expect(missing.status == 254)
        #expect(missing.stderr == "Error: bpf obj get (\(dir.file("nothing"))): No such file or directory (ENOENT)\n")

        let map = dir.file("map")
        try #require(
            try run(
                "/usr/sbin/bpftool",
                [
                    "map", "create", map, "type", "array", "key", "4", "value", "4", "entries", "1",
                    "name", "itpins_map",
                ]
            ).status == 0)
        let notLink = try run(binary, ["update", map, Repo.fixture("iter_task.bpf.o")])
        #expect(notLink.status == 255)
        #expect(notLink.stderr == "Error: \(map) is a pinned map, not an iterator link\n")

        let badObject = try run(binary, ["update", path, Repo.fixture("iter_task.bpf.o"), "prog", "nope"])
        #expect(badObject.status == 255 && badObject.stderr.contains("no program named 'nope'"))
        #expect(try Self.ids(binary, path) == before)
    }

    @Test("main_thread_only is in the old program, not the link: the new program gets it too", arguments: Repo.binaries)
    func keepsMainThreadOnly(binary: String) throws {
        let dir = try BPFFSDirectory("update-mto")
        let path = dir.file("leaders")
        #expect(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), path, "task", "main_thread_only"]).status == 0)
        let updated = try run(binary, ["-j", "update", path, Repo.fixture("iter_hash.bpf.o")])
        #expect(updated.status == 0, "\(updated)")
        #expect(try Self.json(updated)["main_thread_only"] as? Bool == true)
        let plain = try run(binary, ["-j", "update", dir.file("leaders"), Repo.fixture("iter_task.bpf.o")])
        #expect(try Self.json(plain)["main_thread_only"] as? Bool == true)
        let lines = try readPinned(path).split(separator: "\n").dropFirst()
        #expect(
            lines.allSatisfy { line in
                let f = line.split(separator: " "); return f.count >= 2 && f[0] == f[1]
            })

        // A pin made without it stays without it.
        let all = dir.file("all")
        #expect(try run(binary, ["pin", Repo.fixture("iter_task.bpf.o"), all]).status == 0)
        #expect(try Self.json(try run(binary, ["-j", "update", all, Repo.fixture("iter_task.bpf.o")]))["main_thread_only"] as? Bool == false)
    }

    @Test("set gives the new program's globals values; a setting that does not fit changes nothing", arguments: Repo.binaries)
    func settings(binary: String) throws {
        let dir = try BPFFSDirectory("update-set")
        let path = dir.file("params")
        #expect(try run(binary, ["pin", Repo.fixture("iter_params.bpf.o"), path]).status == 0)
        #expect(try readPinned(path).hasPrefix("config tgid=0 "))
        let updated = try run(binary, ["update", path, Repo.fixture("iter_params.bpf.o"), "set", "targ_tgid=\(getpid())"])
        #expect(updated.status == 0, "\(updated)")
        let output = try readPinned(path)
        #expect(output.hasPrefix("config tgid=\(getpid()) "))
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("task ") }.count == 1)
        let before = try Self.ids(binary, path)
        let refused = try run(binary, ["update", path, Repo.fixture("iter_params.bpf.o"), "set", "nope=1"])
        #expect(refused.status == 255 && refused.stderr.hasPrefix("Error: no variable 'nope' to set in the object"), "\(refused)")
        #expect(try Self.ids(binary, path) == before)
    }

    @Test("an update by someone else while this one loads is detected (BPF_F_REPLACE), not undone")
    func concurrentUpdate() throws {
        let dir = try BPFFSDirectory("update-race")
        let path = dir.file("tasks")
        #expect(try run(Repo.iter, ["pin", Repo.fixture("iter_task.bpf.o"), path]).status == 0)
        let object = try IteratorObject(path: Repo.fixture("iter_counter.bpf.o"))
        var theirs = 0
        do throws(IteratorError) {
            // Another update lands between reading the link's program and replacing it.
            let racing = {
                let other = try? run(Repo.iter, ["-j", "update", path, Repo.fixture("iter_subprog.bpf.o")])
                theirs = (other.flatMap { try? Self.json($0)["prog_id"] as? Int }) ?? -1
            }
            _ = try object.update(pinnedAt: FilePath(path), program: nil, verifierLog: false, trace: { _ in }, beforeReplacing: racing)
            Issue.record("the update went through over another")
        } catch {
            guard case let .update(.programChanged(changed, was, now)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(changed == FilePath(path) && was > 0 && now.map(Int.init) == theirs)
            #expect(error.description.hasPrefix("the program of the iterator at \(path) changed meanwhile (was program \(was), now program \(theirs))"))
        }
        // Theirs stays.
        #expect(try Self.ids(Repo.iter, path).program == theirs)
    }
}
