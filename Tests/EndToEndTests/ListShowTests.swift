import Foundation
import Testing

/// `iter list` and `iter show`, checked against the kernel's BTF and link info.
@Suite("iter list and show", .enabled(if: Repo.isRoot, "needs root: lists iterator targets and links through bpf(2)"))
struct ListShowTests {
    @Test("list names every bpf_iter_* target of vmlinux BTF, with the context fields", arguments: Repo.binaries)
    func list(binary: String) throws {
        let outcome = try run(binary, ["list"])
        #expect(outcome.status == 0, "\(outcome)")
        let byTarget = Dictionary(outcome.lines.map { line in
            (String(line.prefix { $0 != ":" }), line)
        }, uniquingKeysWith: { a, _ in a })
        // Independent check, from bpftool's dump: names with both a FUNC bpf_iter_<target> and a
        // STRUCT bpf_iter__<target> (what DEFINE_BPF_ITER_FUNC declares).
        let functions = try sh("bpftool btf dump file /sys/kernel/btf/vmlinux | grep -oE \"FUNC 'bpf_iter_[a-z0-9_]+'\" | sed -E \"s/FUNC 'bpf_iter_//; s/'//\" | sort -u")
        let contexts = try sh("bpftool btf dump file /sys/kernel/btf/vmlinux | grep -oE \"STRUCT 'bpf_iter__[a-z0-9_]+'\" | sed -E \"s/STRUCT 'bpf_iter__//; s/'//\" | sort -u")
        let expected = Set(functions.lines).intersection(contexts.lines)
        #expect(expected.count > 5)
        #expect(Set(byTarget.keys) == expected)
        #expect(byTarget["task"] == "task: struct task_struct *task [option: task] [sleepable]")
        #expect(byTarget["task_file"]?.hasPrefix("task_file: struct task_struct *task, u32 fd, struct file *file [option: task]") == true)
        #expect(byTarget["bpf_map_elem"]?.hasPrefix("bpf_map_elem: struct bpf_map *map, void *key, void *value [option: map]") == true)
        #expect(byTarget["cgroup"] == "cgroup: struct cgroup *cgroup [option: cgroup] [sleepable]")
    }

    @Test("list -j has the same targets", arguments: Repo.binaries)
    func listJSON(binary: String) throws {
        let plain = try run(binary, ["list"]).lines.count
        let outcome = try run(binary, ["-j", "list"])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == plain)
        let task = try #require(array.first { $0["target"] as? String == "task" })
        #expect(task["sleepable"] as? Bool == true)
        #expect(task["option"] as? String == "task")
        #expect((task["fields"] as? [[String: String]])?.first?["type"] == "struct task_struct *")
    }

    @Test("show lists the iterators pinned, with their options and paths; a removed pin disappears",
          arguments: Repo.binaries)
    func show(binary: String) throws {
        let dir = try BPFFSDirectory("show")
        let task = dir.file("tasks")
        let cgroup = dir.file("cgroups")
        // Other tests pin iterators at the same time: find ours by the link ids pin reports.
        func linkID(_ outcome: Outcome) throws -> Int {
            let object = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
            return try #require(object?["link_id"] as? Int, "\(outcome)")
        }
        let taskLink = try linkID(try run(binary, ["-j", "pin", Repo.fixture("iter_task.bpf.o"), task]))
        let cgroupLink = try linkID(try run(binary, ["-j", "pin", Repo.fixture("iter_cgroup.bpf.o"), cgroup,
                                                     "cgroup", "path", "/sys/fs/cgroup/unified", "order", "descendants_post"]))
        let all = try run(binary, ["show"])
        #expect(all.status == 0)
        let lines = all.stdout.components(separatedBy: "\n")
        let taskHead = try #require(lines.firstIndex { $0.hasPrefix("\(taskLink): iter  prog ") })
        #expect(lines[taskHead].hasSuffix("name dump_task  target task"))
        #expect(lines[taskHead + 1] == "\tpinned \(task)  mode 0600  owner root:root")
        let cgroupHead = try #require(lines.firstIndex { $0.hasPrefix("\(cgroupLink): iter  prog ") })
        #expect(lines[cgroupHead].contains("target cgroup  cgroup_id ") && lines[cgroupHead].hasSuffix("order descendants_post"))
        #expect(lines[cgroupHead + 1] == "\tpinned \(cgroup)  mode 0600  owner root:root")

        let one = try run(binary, ["-j", "show", cgroup])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [[String: Any]])
        #expect(array.count == 1)
        #expect(array.first?["order"] as? String == "descendants_post")
        #expect((array.first?["cgroup_id"] as? Int ?? 0) > 0)
        #expect(array.first?["pinned"] as? [String] == [cgroup])
        let pins = array.first?["pins"] as? [[String: Any]]
        #expect(pins?.count == 1 && pins?.first?["path"] as? String == cgroup && pins?.first?["mode"] as? String == "0600")
        #expect(pins?.first?["uid"] as? Int == 0 && pins?.first?["user"] as? String == "root" && pins?.first?["group"] as? String == "root")

        #expect(unlink(task) == 0)
        let after = try run(binary, ["show"])
        #expect(!after.stdout.contains("\tpinned \(task)"))
        #expect(after.stdout.contains("\tpinned \(cgroup)"))
    }
}
