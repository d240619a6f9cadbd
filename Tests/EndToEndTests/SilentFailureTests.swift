import Foundation
import Testing

/// Failures that used to be silent or misleading: a command that could not do all it was asked
/// says so and exits non-zero; a wrong kind of pin is called what it is.
@Suite("no silent failure", .enabled(if: Repo.isRoot, Repo.needsRoot), .serialized)
struct SilentFailureTests {
    @Test("show with too few file descriptors: the whole answer or an error, never a part of it", arguments: Repo.binaries)
    func showWithFewDescriptors(binary: String) throws {
        let dir = try BPFFSDirectory("fds")
        let path = dir.file("it")
        #expect(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), path]).status == 0)
        // Our link's whole entry (its line, its variables, its pin with mode and owner), as show
        // PATH prints it when nothing is short.
        let full = try run(binary, ["show", path])
        try #require(full.status == 0 && !full.stdout.isEmpty, "\(full)")
        var outcomes: Set<String> = []
        for limit in 3...12 {
            for arguments in [["show"], ["show", path], ["-j", "show"]] {
                let outcome = try run("/usr/bin/prlimit", ["--nofile=\(limit)", "--", binary] + arguments)
                let what = "\(arguments) with --nofile=\(limit): \(outcome)"
                // The debug build's shared libraries need descriptors before iter runs at all.
                if outcome.status == 127 && outcome.stderr.contains("error while loading shared libraries") { continue }
                if outcome.status == 0 {
                    // Complete: our link with its program's name, and where it is pinned.
                    if arguments.first == "-j" {
                        #expect(outcome.stdout.contains("\"prog_name\":\"count_tasks\"") && outcome.stdout.contains(path), "\(what)")
                    } else {
                        #expect(outcome.stdout.contains(full.stdout), "\(what)")
                    }
                    outcomes.insert("complete")
                } else {
                    let message = arguments.first == "-j" ? outcome.stdout : outcome.stderr
                    #expect(message.contains("Too many open files (EMFILE)") && outcome.status == 256 - 24, "\(what)")
                    outcomes.insert("error")
                }
            }
        }
        #expect(outcomes == ["complete", "error"], "both seen over the limits tried")
    }

    @Test("list maps with no descriptor left: an error, not an empty list", arguments: Repo.binaries)
    func listMapsWithFewDescriptors(binary: String) throws {
        // The static binary: the debug build cannot load its shared libraries without a descriptor.
        guard binary == Repo.binaries.last, Repo.binaries.count > 1 else { return }
        let outcome = try run("/usr/bin/prlimit", ["--nofile=3", "--", binary, "list", "maps"])
        #expect(
            outcome.status == 256 - 24 && outcome.stderr.hasPrefix("Error: get map by id (")
                && outcome.stderr.hasSuffix("Too many open files (EMFILE)\n"), "\(outcome)")
    }

    @Test("every command checks its writes: stdout on /dev/full is an error", arguments: Repo.binaries)
    func fullStdout(binary: String) throws {
        let dir = try BPFFSDirectory("full")
        #expect(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), dir.file("it")]).status == 0)
        for command in [
            "help", "version", "list", "list maps", "show", "show \(dir.file("it"))", "-j show", "-j list",
            "run \(Repo.fixture("iter_counter.bpf.o"))", "-j pin \(Repo.fixture("iter_counter.bpf.o")) \(dir.file("again"))",
        ] {
            let outcome = try sh("'\(binary)' \(command) >/dev/full")
            #expect(outcome.status == 256 - 28, "\(command): \(outcome)")
            #expect(
                outcome.stderr.hasSuffix("No space left on device (ENOSPC)\n")
                    && outcome.stderr.hasPrefix("Error: "), "\(command): \(outcome)")
        }
        // The pin whose summary could not be written was undone with it.
        #expect(!FileManager.default.fileExists(atPath: dir.file("again")), "a failed pin -j leaves no pin")
        // A reader that stopped reading (EPIPE) has what it wanted: not an error.
        let head = try sh("'\(binary)' list | head -1 >/dev/null; echo \"${PIPESTATUS:-0}\"")
        #expect(head.stderr.isEmpty, "\(head)")
    }

    @Test("map pinned PATH names what PATH holds when it is not a map", arguments: Repo.binaries)
    func mapPinnedOnLink(binary: String) throws {
        let dir = try BPFFSDirectory("maplink")
        let link = dir.file("link")
        #expect(try run(binary, ["pin", Repo.fixture("iter_counter.bpf.o"), link]).status == 0)
        let outcome = try run(binary, ["run", Repo.fixture("iter_map_elem.bpf.o"), "map", "pinned", link])
        #expect(outcome.status == 255, "\(outcome)")
        #expect(outcome.stderr == "Error: incorrect object type: link (\(link) is a pinned link, not a map)\n", "\(outcome)")
    }

    @Test("a link pinned where a map is pinned by name: 'not a map (it is a link)'", arguments: Repo.binaries)
    func linkAtPinnedMapPath(binary: String) throws {
        // Its own mount namespace and bpffs on /sys/fs/bpf: the object pins /sys/fs/bpf/fill_pinned.
        let script = """
            mount -t bpf bpf /sys/fs/bpf || exit 1
            "$1" pin "$2" /sys/fs/bpf/fill_pinned || exit 1
            "$1" pin "$3" /sys/fs/bpf/it
            """
        let outcome = try run(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c", script, "sh", binary,
                Repo.fixture("iter_counter.bpf.o"), Repo.fixture("iter_map_fill.bpf.o"),
            ])
        #expect(outcome.status == 255, "\(outcome)")
        #expect(
            outcome.stderr == "Error: can't load objfile \(Repo.fixture("iter_map_fill.bpf.o")): map 'fill_pinned': "
                + "can't reuse the map pinned at /sys/fs/bpf/fill_pinned: it is not a map (it is a link)\n", "\(outcome)")
    }
}
