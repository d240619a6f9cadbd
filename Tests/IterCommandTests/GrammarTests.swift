import Foundation
import BPFLoader
@testable import IterCommand
import SyscallBPF
import Testing

/// The grammar on its own: no kernel, no root, no files.
@Suite("grammar")
struct GrammarTests {
    func parse(_ words: [String], asBpftool: Bool = false) throws(UsageError) -> ArgumentParser.Invocation {
        try ArgumentParser.parse(words.map { Argument($0) }, asBpftool: asBpftool)
    }

    func message(_ words: [String]) -> String? {
        do {
            _ = try parse(words)
            return nil
        } catch {
            return error.message
        }
    }

    func pin(_ words: [String]) throws -> PinCommand {
        var rest = Words(words.map { Argument($0) })
        return try PinCommand.parse(&rest)
    }

    func run(_ words: [String]) throws -> RunCommand {
        var rest = Words(words.map { Argument($0) })
        return try RunCommand.parse(&rest)
    }

    @Test("commands match by prefix, in the table's order; no command is help")
    func commandPrefixes() throws {
        #expect(try parse(["p", "a.o", "/sys/fs/bpf/x"]).command.name == "pin")
        #expect(try parse(["r", "a.o"]).command.name == "run")
        #expect(try parse(["c", "/sys/fs/bpf/x"]).command.name == "cat")
        #expect(try parse(["u", "/sys/fs/bpf/x", "a.o"]).command.name == "update")
        #expect(try parse(["l"]).command.name == "list")
        #expect(try parse(["s"]).command.name == "show")
        #expect(try parse(["i", "a.o"]).command.name == "info")
        #expect(try parse(["v"]).command.name == "version")
        #expect(try parse(["h"]).command.name == "help")
        #expect(try parse([]).command.name == "help")
        #expect(message(["frobnicate"])?.hasPrefix("unknown command 'frobnicate' (commands: pin, run, cat, update, list, show, info, version, help)") == true)
    }

    @Test("options anywhere before --, bundled, long by unambiguous prefix")
    func globalOptions() throws {
        let invocation = try parse(["run", "-jd", "a.o", "--nomo"])
        #expect(invocation.options.json && invocation.options.debug && invocation.options.noMount && !invocation.options.pretty)
        #expect(try parse(["-p", "list"]).options.pretty)
        #expect(try parse(["--", "run", "-x.o"]).command.description == "run object=-x.o")
        #expect(message(["--x"]) == "unrecognized option '--x'")
        #expect(message(["-z"]) == "invalid option -- 'z'")
        #expect(message(["run", "a.o", "prog", "x", "prog", "y"]) == "'prog' given twice")
        #expect(message(["run", "a.o", "set", "a\u{1}=1"])?.hasPrefix("set a\u{1}=1: 'a\u{1}' is not a variable path") == true)
        #expect(
            message(["cat", "/sys/fs/bpf/x", "interval", "-1"])
                == "'-1': no number iter takes is negative (a word starting with '-' is read as options)")
        #expect(message(["cat", "/sys/fs/bpf/x", "interval", "2", "count", "-3.5"])?.hasPrefix("'-3.5': no number") == true)
        #expect(try parse(["-V", "pin"]).command.name == "version")
        #expect(try parse(["run", "a.o", "-h"]).command.name == "help")
    }

    @Test("an error is one line: control characters from the user's words are written as \\xHH")
    func oneLineErrors() {
        #expect(Console.oneLine("no program named 'a\nb'") == "no program named 'a\\x0ab'")
        #expect(Console.oneLine("\t\u{7f}\r") == "\\x09\\x7f\\x0d")
        #expect(Console.oneLine("plain 'é' text") == "plain 'é' text")
    }

    @Test("bpftool form: the object word comes first")
    func bpftoolForm() throws {
        #expect(try parse(["iter", "pin", "a.o", "/sys/fs/bpf/x"], asBpftool: true).command.name == "pin")
        #expect(try parse(["i", "p", "a.o", "/sys/fs/bpf/x"], asBpftool: true).command.name == "pin")
        #expect(try parse(["version"], asBpftool: true).command.name == "version")
        #expect(try parse([], asBpftool: true).command.name == "help")
        #expect(throws: UsageError.self) { try parse(["prog", "show"], asBpftool: true) }
    }

    @Test("pin and run parse straight into the library's IteratorOptions")
    func iteratorOptions() throws {
        #expect(try pin(["a.o", "/sys/fs/bpf/x"]) == PinCommand(iterator: IteratorRequest(object: "a.o"), path: "/sys/fs/bpf/x"))
        #expect(try run(["a.o", "map", "id", "0x10"]).iterator.options == .map(.id(16)))
        #expect(try run(["a.o", "m", "p", "/sys/fs/bpf/m"]).iterator.options == .map(.pinned("/sys/fs/bpf/m")))
        #expect(try run(["a.o", "map", "name", "counts"]).iterator.options == .map(.name("counts")))
        #expect(try run(["a.o", "task", "main"]).iterator.options == .task(.mainThreadOnly))
        #expect(try run(["a.o", "task", "tid", "42"]).iterator.options == .task(.thread(42)))
        #expect(try run(["a.o", "task", "pid", "010"]).iterator.options == .task(.process(8)))
        #expect(try run(["a.o", "task", "pid_fd", "3"]).iterator.options == .task(.processDescriptor(3)))
        #expect(try run(["a.o", "cgroup", "path", "/sys/fs/cgroup"]).iterator.options == .cgroup(.path("/sys/fs/cgroup"), order: .descendantsPre))
        #expect(try run(["a.o", "cgroup", "id", "1", "order", "anc"]).iterator.options == .cgroup(.id(1), order: .ancestorsUp))
        let settings = try run(["a.o", "set", "targ_tgid=1", "s", "limits.level=3", "set", "title=a=b"])
        #expect(settings.iterator.settings.map { $0.description } == ["targ_tgid=1", "limits.level=3", "title=a=b"])
        let both = try run(["a.o", "prog", "dump", "task", "tid", "1"])
        #expect(both.iterator.program == "dump" && both.iterator.options == .task(.thread(1)))
    }

    @Test("each mistake is one message, in bpftool's words where bpftool has them")
    func mistakes() {
        #expect(message(["pin", "a.o"]) == "'pin' needs at least 2 arguments, 1 found")
        #expect(message(["run"]) == "'run' needs at least 1 argument, 0 found")
        #expect(message(["run", "a.o", "map", "id"]) == "incorrect map spec")
        #expect(message(["run", "a.o", "map", "ids", "1"]) == "expected 'id', 'name' or 'pinned', got: 'ids'?")
        #expect(message(["run", "a.o", "map", "id", "x"]) == "can't parse x as ID")
        #expect(message(["run", "a.o", "map", "id", "4294967296"]) == "can't parse 4294967296 as ID")
        #expect(message(["run", "a.o", "task"]) == "'task' needs one of 'main_thread_only', 'tid TID', 'pid PID' or 'pid_fd FD'")
        #expect(message(["run", "a.o", "task", "tid"]) == "'task tid' needs a number")
        #expect(message(["run", "a.o", "task", "x", "1"]) == "expected 'main_thread_only', 'tid', 'pid' or 'pid_fd', got: 'x'?")
        #expect(message(["run", "a.o", "task", "pid", "0"]) == "'task pid 0' names no task: the kernel would take it as no pid and walk every task")
        #expect(message(["run", "a.o", "task", "tid", "0"]) == "'task tid 0' names no task: the kernel would take it as no tid and walk every task")
        #expect(message(["run", "a.o", "cgroup", "id", "0"]) == "'cgroup id 0' names no cgroup: the kernel would take it as none and walk from the root")
        #expect(message(["run", "a.o", "cgroup", "id"]) == "incorrect cgroup spec: expected 'id ID' or 'path PATH'")
        #expect(message(["run", "a.o", "cgroup", "id", "1", "order", "sideways"])?.hasPrefix("unknown cgroup order 'sideways'") == true)
        #expect(
            message(["run", "a.o", "task", "tid", "1", "map", "id", "1"])
                == "'map' cannot be combined with 'task': an iterator takes one of 'map', 'task' or 'cgroup'")
        #expect(
            message(["run", "a.o", "bogus"])
                == "unexpected argument 'bogus': expected 'map', 'task', 'cgroup', 'prog', 'set', 'interval', 'netns', 'pidns' or 'type'")
        #expect(message(["cat", "/p", "map", "id", "1"]) == "unexpected argument 'map': expected 'interval', 'netns', 'pidns' or 'type'")
        #expect(message(["run", "a.o", "prog"]) == "'prog' needs a program name")
        #expect(message(["run", "a.o", "set"]) == "'set' needs NAME=VALUE")
        #expect(message(["run", "a.o", "set", "x"]) == "set x: 'x' is not NAME=VALUE: no '='")
        #expect(message(["info"]) == "'info' needs an object file")
        #expect(message(["info", "a.o", "b"]) == "unexpected argument 'b' after 'info OBJ'")
        #expect(message(["list", "x"]) == "unexpected argument 'x' after 'list'")
        #expect(message(["show", "id"]) == "'show id' needs a link ID")
        #expect(message(["show", "a", "b"]) == "unexpected argument 'b' after 'show PATH'")
    }

    func cat(_ words: [String]) throws -> CatCommand {
        var rest = Words(words.map { Argument($0) })
        return try CatCommand.parse(&rest)
    }

    @Test("READ_OPT: interval, netns, pidns and type, after run's iterator clauses and after cat's path")
    func readingClauses() throws {
        let command = try run(["a.o", "task", "pid", "1", "interval", "0.25", "count", "3", "netns", "all", "type", "rec"])
        #expect(command.iterator.options == .task(.process(1)))
        #expect(command.reading.interval == PassInterval(nanoseconds: 250_000_000, count: 3))
        #expect(command.reading.namespaces == NamespaceRequest(kind: .network, source: .all))
        #expect(command.reading.recordType == "rec")
        #expect(command.description == "run object=a.o options=task pid 1 interval=0.25s*3 netns=all type=rec")
        // Keywords by prefix; the iterator's clauses win a shared prefix (`t` is task, `p` is prog).
        #expect(
            try run(["a.o", "i", "2", "n", "pid", "7"]).reading
                == ReadRequest(
                    interval: PassInterval(nanoseconds: 2_000_000_000, count: nil),
                    namespaces: NamespaceRequest(kind: .network, source: .process(7))))
        #expect(
            try cat(["/sys/fs/bpf/x", "pidns", "/proc/9/ns/pid", "interval", ".5"]).reading
                == ReadRequest(
                    interval: PassInterval(nanoseconds: 500_000_000, count: nil),
                    namespaces: NamespaceRequest(kind: .pid, source: .path("/proc/9/ns/pid"))))
        // A path is never a keyword, even when it is a prefix of one.
        #expect(try cat(["/x", "netns", "./all"]).reading.namespaces?.source == .path("./all"))
        #expect(try cat(["/x", "netns", "/a"]).reading.namespaces?.source == .path("/a"))
        #expect(try cat(["/x", "netns", "a"]).reading.namespaces?.source == .all)
        #expect(try cat(["/x"]).reading == ReadRequest())
    }

    @Test("SECONDS: digits with up to nine decimals, 0 to 86400")
    func seconds() {
        #expect(PassInterval.parseSeconds("2") == 2_000_000_000)
        #expect(PassInterval.parseSeconds("0.2") == 200_000_000)
        #expect(PassInterval.parseSeconds(".5") == 500_000_000)
        #expect(PassInterval.parseSeconds("0") == 0)
        #expect(PassInterval.parseSeconds("1.000000001") == 1_000_000_001)
        #expect(PassInterval.parseSeconds("86400") == 86_400_000_000_000)
        for bad in ["", ".", "1.", "-1", "+1", "1e3", "1s", "1.0000000001", "86400.5", "9999999", "1..2", " 1", "0x10"] {
            #expect(PassInterval.parseSeconds(bad) == nil, "\(bad)")
        }
        #expect(PassInterval(nanoseconds: 250_000_000, count: nil).description == "0.25s")
        #expect(PassInterval(nanoseconds: 3_000_000_000, count: 2).description == "3s*2")
    }

    @Test("READ_OPT mistakes")
    func readingMistakes() {
        #expect(message(["cat"]) == "'cat' needs a path, 0 arguments found")
        #expect(message(["cat", "/x", "interval"]) == "'interval' needs a number of seconds")
        #expect(message(["cat", "/x", "interval", "1", "interval", "2"]) == "'interval' given twice")
        #expect(message(["cat", "/x", "interval", "0.1x"]) == "can't parse 0.1x as seconds: expected a number such as 2 or 0.25, at most 86400")
        #expect(message(["cat", "/x", "interval", "1", "count", "0"]) == "'count' needs at least 1 pass")
        #expect(message(["cat", "/x", "interval", "1", "count", "x"]) == "can't parse x as a count")
        #expect(message(["cat", "/x", "netns"]) == "'netns' needs PATH, 'pid PID' or 'all'")
        #expect(message(["cat", "/x", "pidns"]) == "'pidns' needs PATH or 'pid PID'")
        #expect(message(["cat", "/x", "netns", "pid"]) == "'netns pid' needs a process ID")
        #expect(message(["cat", "/x", "netns", "pid", "x"]) == "can't parse x as a process ID")
        #expect(message(["cat", "/x", "pidns", "all"]) == "'pidns all' is not supported: give a PATH or 'pid PID' (a pid namespace holds those nested in it)")
        #expect(message(["cat", "/x", "netns", "all", "netns", "/y"]) == "'netns' given twice")
        #expect(message(["cat", "/x", "netns", "all", "pidns", "/y"]) == "'pidns' cannot be combined with 'netns': read in one kind of namespace")
        #expect(message(["cat", "/x", "type"]) == "'type' needs the name of a struct, union or integer type")
        #expect(message(["cat", "/x", "type", "a", "type", "b"]) == "'type' given twice")
    }

    @Test("a path argument keeps its bytes, even when they are not UTF-8")
    func bytePaths() throws {
        let raw: [UInt8] = Array("/sys/fs/bpf/bad".utf8) + [0xff] + Array("name".utf8)
        var words = Words([Argument("a.o"), Argument(bytes: raw)])
        let command = try PinCommand.parse(&words)
        #expect(command.path.bytes == raw)
        #expect(command.path.description == "/sys/fs/bpf/bad\\xffname")
        #expect(FilePath(escaped: command.path.description)?.bytes == raw)
    }

    @Test("help lists every command of the table and the rules they use")
    func help() {
        let text = HelpText.usage(program: "iter")
        for entry in CommandTable.all {
            for line in entry.usage { #expect(text.contains("iter " + line)) }
            for rule in entry.rules { #expect(text.contains(rule + " :=")) }
        }
        #expect(text.contains("ORDER := { self_only | descendants_pre | descendants_post | ancestors_up | children }"))
        #expect(text.contains("iter pin OBJ PATH [ITER_OPT] [prog NAME] [SET]… [mode MODE] [owner OWNER]"))
        #expect(text.contains("iter update PATH OBJ [prog NAME] [SET]…"))
        #expect(text.contains("MODE := { OCTAL | SYMBOLIC }"))
    }

    func update(_ words: [String]) throws -> UpdateCommand {
        var rest = Words(words.map { Argument($0) })
        return try UpdateCommand.parse(&rest)
    }

    @Test("pin takes mode and owner after the iterator clauses, in any order; the mode is checked as it is parsed")
    func pinAccess() throws {
        let command = try pin(["a.o", "/sys/fs/bpf/x", "task", "tid", "1", "owner", "nobody:", "mode", "a+r", "prog", "dump"])
        #expect(command.access.mode?.text == "a+r")
        #expect(command.access.owner == (try OwnerSpec(parsing: "nobody:")))
        #expect(command.iterator.program == "dump" && command.iterator.options == .task(.thread(1)))
        #expect(command.description == "pin object=a.o prog=dump options=task tid 1 path=/sys/fs/bpf/x mode=a+r owner=nobody:")
        #expect(try pin(["a.o", "/sys/fs/bpf/x", "mo", "0644", "ow", ":0"]).access.mode?.form == .absolute(0o644))
        #expect(
            try parse(["run", "a.o", "cgroup", "id", "1", "order", "children"]).command.description
                == "run object=a.o options=cgroup id 1 order children")
    }

    @Test("update takes PATH, OBJ and the object's clauses, and no link options")
    func updateGrammar() throws {
        let command = try update(["/sys/fs/bpf/x", "a.o", "prog", "dump"])
        #expect(command.path == "/sys/fs/bpf/x" && command.iterator == IteratorRequest(object: "a.o", program: "dump"))
        #expect(try update(["/sys/fs/bpf/x", "a.o"]).description == "update path=/sys/fs/bpf/x object=a.o")
        #expect(message(["update", "/sys/fs/bpf/x"]) == "'update' needs at least 2 arguments, 1 found")
        let set = try update(["/sys/fs/bpf/x", "a.o", "set", "targ_tgid=7", "s", "limits.level=3"])
        #expect(set.iterator.settings.map { $0.description } == ["targ_tgid=7", "limits.level=3"])
        #expect(set.description == "update path=/sys/fs/bpf/x object=a.o set=targ_tgid=7 set=limits.level=3")
        #expect(message(["update", "/sys/fs/bpf/x", "a.o", "task", "tid", "1"]) == "unexpected argument 'task': expected 'prog' or 'set'")
        #expect(message(["update", "/sys/fs/bpf/x", "a.o", "mode", "0644"]) == "unexpected argument 'mode': expected 'prog' or 'set'")
    }

    @Test("bad modes and owners are one message each")
    func accessMistakes() {
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "mode"]) == "'mode' needs a mode, such as 0644 or a+r")
        #expect(
            message(["pin", "a.o", "/sys/fs/bpf/x", "mode", "u+q"])
                == "mode 'u+q': unexpected 'q'; expected octal such as 0644 or symbolic such as u=rw,go=r (as chmod takes it)")
        #expect(
            message(["pin", "a.o", "/sys/fs/bpf/x", "mode", "ug"])
                == "mode 'ug': a clause needs '+', '-' or '='; expected octal such as 0644 or symbolic such as u=rw,go=r (as chmod takes it)")
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "mode", "17777"]) == "mode '17777': octal modes go up to 07777")
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "mode", "0644", "mode", "0600"]) == "'mode' given twice")
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "owner", "a:b:c"]) == "owner 'a:b:c': expected USER, USER:GROUP, USER: or :GROUP")
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "owner", ":"]) == "owner ':': expected USER, USER:GROUP, USER: or :GROUP")
        #expect(message(["pin", "a.o", "/sys/fs/bpf/x", "owner"]) == "'owner' needs USER, USER:GROUP, USER: or :GROUP")
        #expect(
            message(["pin", "a.o", "/sys/fs/bpf/x", "bogus"])
                == "unexpected argument 'bogus': expected 'map', 'task', 'cgroup', 'prog', 'set', 'mode' or 'owner'")
        #expect(
            message(["run", "a.o", "mode", "0644"])
                == "unexpected argument 'mode': expected 'map', 'task', 'cgroup', 'prog', 'set', 'interval', 'netns', 'pidns' or 'type'")
    }
}

/// Paths as bytes, shown escaped, and the escape undone.
@Suite("file paths")
struct FilePathTests {
    @Test("printable UTF-8 is shown as is, backslashes included")
    func plain() {
        #expect(FilePath("/sys/fs/bpf/tâches").description == "/sys/fs/bpf/tâches")
        #expect(FilePath("/a\\b").description == "/a\\b")
        #expect(FilePath(escaped: "/a\\b") == nil || FilePath(escaped: "/a\\b")?.bytes != Array("/a\\b".utf8))
    }

    @Test("bytes that are not UTF-8 and control characters are escaped, and the escape is undone")
    func escaped() {
        let cases: [[UInt8]] = [
            Array("/x/".utf8) + [0xff],
            Array("/x/a\nb".utf8),
            Array("/x/a\\b".utf8) + [0xc3],
            [0xe2, 0x82],  // a truncated three-byte sequence
            [0xc0, 0xaf],  // an overlong '/'
            Array("/x/\u{7f}".utf8),
        ]
        for bytes in cases {
            let path = FilePath(bytes: bytes)
            #expect(path.needsEscaping)
            #expect(!path.description.utf8.contains { $0 < 0x20 || $0 == 0x7f })
            #expect(FilePath(escaped: path.description)?.bytes == bytes, "\(path)")
        }
    }

    @Test("components")
    func components() {
        #expect(FilePath("/sys/fs/bpf/x").directory == "/sys/fs/bpf")
        #expect(FilePath("/x").directory == "/")
        #expect(FilePath("x").directory == ".")
        #expect(FilePath("/sys/fs/bpf/x/").lastComponent == "x")
        #expect(FilePath("/sys/fs/bpf").appending("x") == "/sys/fs/bpf/x")
    }
}

/// The wall-clock time of pass headers, formatted without Foundation.
@Suite("pass header times")
struct WallClockTests {
    @Test("UTC, ISO 8601 with milliseconds, leap days and century rules included")
    func iso8601() {
        #expect(WallClock.iso8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(WallClock.iso8601(951_782_400_000_000_000 + 5_000_000) == "2000-02-29T00:00:00.005Z")
        #expect(WallClock.iso8601(4_107_542_399_999_999_999) == "2100-02-28T23:59:59.999Z")
        #expect(WallClock.iso8601(4_107_542_400_000_000_000) == "2100-03-01T00:00:00.000Z")
        #expect(WallClock.iso8601(1_796_513_691_123_456_789) == "2026-12-05T23:34:51.123Z")
        // Every day of four years (a leap cycle) against the Foundation calendar.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: 19_000, to: 19_000 + 4 * 366, by: 1) {
            let date = Date(timeIntervalSince1970: Double(day) * 86400 + 3723.5)
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02dT01:02:03.500Z", c.year!, c.month!, c.day!)
            #expect(WallClock.iso8601(UInt64(day) * 86_400_000_000_000 + 3_723_500_000_000) == expected)
        }
    }
}
