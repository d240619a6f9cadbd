import SyscallBPF
import BPFLoader
import BTFParser

/// `iter list`: the iterator targets of the running kernel (vmlinux and modules), from its BTF;
/// `iter list maps`: the maps of the system (for `map id`/`map name`, and completion).
struct ListCommand: Subcommand {
    static let name = "list"
    static let usage = ["list [maps]"]
    static let summary = "the iterator targets of this kernel (or its maps)"

    /// `maps`: list maps instead of targets.
    var maps = false

    var description: String { maps ? "list maps" : "list" }

    static func parse(_ words: inout Words) throws(UsageError) -> ListCommand {
        if words.take("maps") {
            try words.expectEnd(after: "list maps")
            return ListCommand(maps: true)
        }
        try words.expectEnd(after: "list")
        return ListCommand()
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        if maps {
            try ListCommand.maps(console: context.console)
        } else {
            try ListCommand.targets(console: context.console)
        }
    }

    static func targets(console: Console) throws(CommandFailure) {
        let vmlinux: BTF
        do { vmlinux = try KernelBTFFile.vmlinux().0 } catch {
            throw CommandFailure(error.description, exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode)
        }
        var targets = IteratorTargets.list(in: vmlinux) { id in KernelProbe.acceptsSleepable(targetFunction: id) }
        let modules = SysfsModuleBTF(vmlinux: vmlinux)
        for module in modules.moduleNames() {
            guard let btf = modules.btf(of: module) else { continue }
            // The sleepable probe attaches by vmlinux id; module targets use the known table.
            targets += IteratorTargets.list(in: btf, module: module)
        }
        if console.json {
            console.emit(.array(targets.map(json)))
            return
        }
        for target in targets { console.out(line(target)) }
    }

    /// `iter list maps`: id, type and name of every map, for `map id`/`map name` (and completion).
    static func maps(console: Console) throws(CommandFailure) {
        var rows: [MapInfo] = []
        var id: UInt32 = 0
        while true {
            let next: UInt32?
            do { next = try BPFMap.nextID(after: id) } catch { throw CommandFailure("can't walk maps", errno: error) }
            guard let next else { break }
            id = next
            // A map can go away between the two calls (ENOENT): skip it. Any other failure (no fd
            // left) is an error: a list with maps missing is wrong.
            let fd: FileDescriptor
            do { fd = try BPFMap.fd(id: id, readOnly: true) } catch {
                if error == .ENOENT { continue }
                throw CommandFailure("get map by id (\(id))", errno: error)
            }
            do { rows.append(try BPFMap.info(fd)) } catch { throw CommandFailure("can't get info of map \(id)", errno: error) }
        }
        if console.json {
            console.emit(.array(rows.map { .object([("id", .uint(UInt64($0.id))), ("type", .uint(UInt64($0.type))),
                                                     ("name", .string($0.name))]) }))
            return
        }
        for row in rows { console.out("\(row.id) \(row.name)") }
    }

    /// `task: struct task_struct *task [option: task] [sleepable]`.
    static func line(_ target: IteratorTarget) -> String {
        var text = target.name + ":"
        let fields = target.fields.map { field in
            field.type.hasSuffix("*") ? field.type + field.name : field.type + " " + field.name
        }
        text += fields.isEmpty ? " (no context fields)" : " " + fields.joined(separator: ", ")
        if let option = target.option { text += " [option: \(option.keyword)]" }
        if target.sleepable { text += " [sleepable]" }
        if let module = target.module { text += " [module: \(module)]" }
        return text
    }

    static func json(_ target: IteratorTarget) -> JSONValue {
        .object([
            ("target", .string(target.name)),
            ("fields", .array(target.fields.map { .object([("name", .string($0.name)), ("type", .string($0.type))]) })),
            ("option", target.option.map { .string($0.keyword) } ?? .null),
            ("sleepable", .bool(target.sleepable)),
            ("module", target.module.map { .string($0) } ?? .null),
            ("btf_id", .uint(UInt64(target.functionID))),
        ])
    }
}
