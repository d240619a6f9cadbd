import Foundation
@testable import IterCommand
import Testing

/// The manual page, help and completion agree; install and the initramfs step work.
@Suite("manual page, completion, install")
struct DocumentationTests {
    static let page = Repo.root.appendingPathComponent("doc/iter.8").path
    static let completion = Repo.root.appendingPathComponent("completion/iter.bash").path

    /// Every option and keyword `iter help` names.
    static func helpWords() throws -> Set<String> {
        let help = try run(Repo.iter, ["help"]).stdout
        var words = Set<String>()
        for token in help.split(whereSeparator: { " {}[]|,\n".contains($0) }) {
            let word = String(token)
            if word.hasPrefix("-") || (word.allSatisfy { $0.isLowercase || $0 == "_" } && word.count > 1) {
                words.insert(word)
            }
        }
        words.remove("iter")
        return words
    }

    @Test("groff -ww renders the page without a warning")
    func renders() throws {
        let outcome = try sh("groff -ww -man -z '\(Self.page)' 2>&1; man -l '\(Self.page)' >/dev/null")
        #expect(outcome.status == 0 && outcome.stdout.isEmpty, "\(outcome)")
    }

    @Test("every option and keyword of iter help is in the page and the completion")
    func agree() throws {
        let words = try Self.helpWords()
        #expect(words.isSuperset(of: ["pin", "run", "cat", "list", "show", "map", "task", "cgroup", "prog", "pinned",
                                      "main_thread_only", "descendants_post", "--nomount", "-j", "--pretty",
                                      "update", "mode", "owner", "children",
                                      "interval", "count", "netns", "pidns", "type", "all"]))
        // The page as man renders it, so roff escapes (\-) do not hide a word.
        let page = try sh("MANWIDTH=200 man -l '\(Self.page)' 2>/dev/null | col -b").stdout
        let completion = try String(contentsOfFile: Self.completion, encoding: .utf8)
        for word in words.sorted() {
            #expect(page.contains(word), "'\(word)' missing from the page")
            #expect(completion.contains(word) || ["bpf_iter_target"].contains(word), "'\(word)' missing from the completion")
        }
    }

    /// What bash completion offers for a command line (the last word is being completed).
    func complete(_ line: [String]) throws -> [String] {
        let words = line.map { "'\($0)'" }.joined(separator: " ")
        let script = """
        PATH=\(URL(fileURLWithPath: Repo.iter).deletingLastPathComponent().path):$PATH
        compopt() { :; }
        source '\(Self.completion)'
        COMP_WORDS=(\(words)); COMP_CWORD=\(line.count - 1)
        _iter
        printf '%s\\n' "${COMPREPLY[@]}"
        """
        return try run("/bin/bash", ["-c", script]).lines
    }

    @Test("completion: commands, options, keywords after pin, orders, map ids from the kernel")
    func completion() throws {
        #expect(try complete(["iter", "p"]) == ["pin"])
        // The command table is the one list of commands: completion offers exactly it.
        #expect(Set(try complete(["iter", ""])) == Set(CommandTable.names))
        #expect(try complete(["iter", "--no"]) == ["--nomount"])
        #expect(Set(try complete(["iter", "pin", "x.o", "/sys/fs/bpf/x", ""])) == ["map", "task", "cgroup", "prog", "set", "mode", "owner"])
        #expect(Set(try complete(["iter", "update", "/sys/fs/bpf/x", "x.o", ""])) == ["prog", "set"])
        #expect(try complete(["iter", "pin", "x.o", "/sys/fs/bpf/x", "owner", "nob"]) == ["nobody"])
        #expect(try complete(["iter", "u"]) == ["update"])
        #expect(try complete(["iter", "run", "x.o", "cgroup", "id", "1", "order", "ch"]) == ["children"])
        #expect(try complete(["iter", "run", Repo.fixture("iter_params.bpf.o"), "task", "tid", "1", "set", "targ_"]) == ["targ_tgid="])
        #expect(try complete(["iter", "update", "/sys/fs/bpf/x", Repo.fixture("iter_params.bpf.o"), "set", "targ_"]) == ["targ_tgid="])
        #expect(Set(try complete(["iter", "run", "x.o", "map", ""])) == ["id", "pinned", "name"])
        #expect(Set(try complete(["iter", "run", "x.o", ""])) == ["map", "task", "cgroup", "prog", "set", "interval", "netns", "pidns", "type"])
        #expect(Set(try complete(["iter", "cat", "/sys/fs/bpf/x", ""])) == ["interval", "netns", "pidns", "type"])
        #expect(Set(try complete(["iter", "cat", "/sys/fs/bpf/x", "interval", "2", ""])) == ["count", "interval", "netns", "pidns", "type"])
        #expect(try complete(["iter", "cat", "/sys/fs/bpf/x", "netns", "a"]).contains("all"))
        #expect(try complete(["iter", "run", "x.o", "pidns", "p"]).contains("pid"))
        #expect(try complete(["iter", "cat", "/sys/fs/bpf/x", "interval", ""]).isEmpty)
        #expect(try complete(["iter", "run", "x.o", "cgroup", "path", "/x", "order", "ancestors"]) == ["ancestors_up"])
        #expect(try complete(["iter", "run", "x.o", "task", "main"]) == ["main_thread_only"])
        let objects = try complete(["iter", "pin", Repo.fixtures.path + "/iter_ta"])
        #expect(objects.contains(Repo.fixture("iter_task.bpf.o")))
        if Repo.isRoot {
            // Maps of our own that stay while pinned (other tests create and drop maps meanwhile).
            let dir = try BPFFSDirectory("complete")
            try #require(try run(Repo.iter, ["pin", Repo.fixture("iter_counter.bpf.o"), dir.file("c")]).status == 0)
            let bss = {
                Set(try run(Repo.iter, ["list", "maps"]).lines.filter { $0.hasSuffix(" iter_cou.bss") }
                    .map { String($0.split(separator: " ")[0]) })
            }
            // Other tests pin the same object meanwhile: only maps listed before and after the
            // completion surely existed while it ran (ids are not reused); ours is among them.
            let before = try bss()
            let ids = try complete(["iter", "run", "x.o", "map", "id", ""])
            let ours = before.intersection(try bss())
            #expect(!ours.isEmpty)
            #expect(ours.isSubset(of: Set(ids)), "\(ours) not in \(ids)")
            #expect(try complete(["iter", "run", "x.o", "map", "name", "iter_cou.bs"]).contains("iter_cou.bss"))
        }
    }

    @Test("install stages binary, page, completion and the initramfs-tools hook")
    func install() throws {
        let stage = FileManager.default.temporaryDirectory.appendingPathComponent("iter-install-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: stage) }
        let outcome = try run(Repo.root.appendingPathComponent("scripts/install.sh").path,
                              ["--prefix", "/usr", "--destdir", stage, "--binary", Repo.iter, "--initramfs-hook"])
        #expect(outcome.status == 0, "\(outcome)")
        for file in ["/usr/sbin/iter", "/usr/share/man/man8/iter.8", "/usr/share/bash-completion/completions/iter",
                     "/etc/initramfs-tools/hooks/iter"] {
            #expect(FileManager.default.fileExists(atPath: stage + file), "\(file) not installed")
        }
        let hook = try String(contentsOfFile: stage + "/etc/initramfs-tools/hooks/iter", encoding: .utf8)
        #expect(hook.contains("copy_exec /usr/sbin/iter /sbin"))
        #expect(try run(stage + "/usr/sbin/iter", ["version"]).status == 0)
    }

    @Test("initramfs-add appends iter as a second archive the kernel unpacks after the first",
          .enabled(if: Repo.binaries.count > 1, Repo.needsStaticBinary))
    func initramfsAdd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("iter-initrd-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/base/etc", withIntermediateDirectories: true)
        try "base\n".write(toFile: dir + "/base/etc/marker", atomically: true, encoding: .utf8)
        #expect(try sh("cd '\(dir)/base' && find . -mindepth 1 | cpio -o -H newc --quiet | gzip > ../initrd").status == 0)
        let added = try run(Repo.root.appendingPathComponent("scripts/initramfs-add.sh").path,
                            [dir + "/initrd", "--binary", Repo.binaries.last ?? ""])
        #expect(added.status == 0, "\(added)")
        // Unpack like the kernel: one archive after another from the concatenated stream.
        let listing = try sh("mkdir -p '\(dir)/out' && cd '\(dir)/out' && zcat ../initrd | (cpio -id --quiet; cpio -id --quiet) && find . -type f | sort")
        #expect(listing.stdout == "./etc/marker\n./sbin/iter\n", "\(listing)")
        #expect(try run(dir + "/out/sbin/iter", ["version"]).stdout.contains("static"))
    }
}
