import BPFLoader
import BTFParser
import Foundation
import Testing

/// Setting an object's globals through the library before it loads: each setting of the
/// iter_params fixture shows in what it prints (its configuration, then the tasks its filters
/// let through, then how many it visited).
@Suite("setting global variables", .enabled(if: Repo.isRoot))
struct VariableSettingTests {
    /// One pass of iter_params with `settings`.
    static func read(_ settings: [String]) throws -> Snapshot {
        let object = try IteratorObject(path: Repo.fixture("iter_params.bpf.o"))
        var assignments: [VariableAssignment] = []
        for text in settings { assignments.append(try VariableAssignment(parsing: text)) }
        return Snapshot(try object.makeIterator(settings: assignments).read())
    }

    /// What iter_params printed.
    struct Snapshot {
        let lines: [String]
        /// The `config …`, `ports=…`, `limits …` and `title=…` lines.
        var header: [String] { Array(lines.prefix(4)) }
        /// `task PID TGID [COMM]`, split.
        var tasks: [[String]] { lines.filter { $0.hasPrefix("task ") }.map { $0.split(separator: " ").map(String.init) } }
        /// `visited=N shown=M`.
        var totals: (visited: Int, shown: Int) {
            let fields = (lines.last ?? "").split(separator: " ").map { $0.split(separator: "=").last.map(String.init) ?? "" }
            return (Int(fields.first ?? "") ?? -1, Int(fields.last ?? "") ?? -1)
        }

        init(_ text: String) {
            lines = text.split(separator: "\n").map(String.init)
        }
    }

    @Test("the defaults: every group leader, the configuration as compiled")
    func defaults() throws {
        let snapshot = try Self.read([])
        #expect(
            snapshot.header.prefix(3) == [
                "config tgid=0 threads=0 mode=0 comm= id=feed", "ports=22,80,0,0",
                "limits max_tasks=0 min_pid=0 verbose=0 level=1 delta=-2",
            ])
        #expect(snapshot.header.last?.hasPrefix("title=tasks kernel=") == true)
        #expect(snapshot.tasks.allSatisfy { $0.count == 3 && $0[1] == $0[2] })
        #expect(snapshot.tasks.contains { $0[1] == "\(getpid())" })
        #expect(snapshot.totals.shown == snapshot.tasks.count && snapshot.totals.visited >= snapshot.tasks.count)
    }

    @Test("pid_t, bool and char[16] settings filter the tasks; a struct member names them")
    func filters() throws {
        let me = getpid()
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count
        let mine = try Self.read(["targ_tgid=\(me)", "show_threads=true"])
        #expect(mine.header.first == "config tgid=\(me) threads=1 mode=0 comm= id=feed")
        #expect(!mine.tasks.isEmpty && mine.tasks.allSatisfy { $0[2] == "\(me)" })
        #expect(mine.tasks.count >= min(threads, 2))
        let leader = try Self.read(["targ_tgid=\(me)"])
        #expect(leader.tasks.map { $0[1] } == ["\(me)"])
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        let named = try Self.read(["target_comm=\(comm)", "limits.verbose=1", "ports[3]=9"])
        #expect(named.header.prefix(2) == ["config tgid=0 threads=0 mode=0 comm=\(comm) id=feed", "ports=22,80,0,9"])
        #expect(named.tasks.contains { $0[1] == "\(me)" })
        #expect(named.tasks.allSatisfy { $0.count == 4 && $0[3] == comm })
    }

    @Test("an enum by name, an array, bitfields, a custom section, .data and .bss")
    func everyKind() throws {
        let snapshot = try Self.read([
            "mode=MODE_COUNT", "ports=443,8080", "limits.max_tasks=3",
            "limits.level=7", "limits.delta=-8", "snapshot_id=0xabc", "title=snap", "visited=1000000",
        ])
        #expect(
            snapshot.header.prefix(3) == [
                "config tgid=0 threads=0 mode=1 comm= id=abc", "ports=443,8080,0,0",
                "limits max_tasks=3 min_pid=0 verbose=0 level=7 delta=-8",
            ])
        #expect(snapshot.header.last?.hasPrefix("title=snap kernel=") == true)
        #expect(snapshot.tasks.isEmpty)  // MODE_COUNT: totals only
        #expect(snapshot.totals.shown == 3)
        #expect(snapshot.totals.visited > 1_000_000)
    }

    @Test("a refused setting is an IteratorError.variable, before anything loads")
    func refused() throws {
        let object = try IteratorObject(path: Repo.fixture("iter_params.bpf.o"))
        for (setting, expected) in [
            ("LINUX_KERNEL_VERSION=1", "'LINUX_KERNEL_VERSION' is a __kconfig extern: the loader fills it in from the running kernel, it cannot be set"),
            ("show_thread=1", "no variable 'show_thread' to set in the object (did you mean show_threads?)"),
            ("limits.level=8", "limits.level: 8 is out of range for type 'unsigned int:3': expected an integer from 0 to 7 (decimal, 0x hex, 0o octal or 0b binary)"),
        ] {
            do {
                _ = try object.makeIterator(settings: [try VariableAssignment(parsing: setting)])
                Issue.record("\(setting) was taken")
            } catch {
                guard case .variable = error else {
                    Issue.record("\(setting): \(error)")
                    continue
                }
                #expect(error.description == expected)
                #expect(error.errno == nil)
            }
        }
        // What the object lists is what it takes.
        let names = try object.variables.map { $0.name }
        #expect(names == ["targ_tgid", "show_threads", "mode", "target_comm", "ports", "limits", "snapshot_id", "title", "shown", "visited"])
    }
}
