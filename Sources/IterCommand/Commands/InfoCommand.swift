import BPFLoader
import BTFParser
import SyscallBPF

/// `iter info OBJ`: what an object holds, read from the file alone (nothing is loaded): its
/// programs and the options their targets take, its maps, and every global variable `set` can
/// give a value, with its type and default.
struct InfoCommand: Subcommand {
    static let name = "info"
    static let usage = ["info OBJ"]
    static let summary = "the programs, maps and settable variables of an object, without loading it"

    var object: FilePath

    var description: String { "info object=\(object)" }

    static func parse(_ words: inout Words) throws(UsageError) -> InfoCommand {
        guard !words.isEmpty else { throw UsageError("'info' needs an object file", showUsage: true) }
        let command = InfoCommand(object: try words.next("").path)
        try words.expectEnd(after: "info OBJ")
        return command
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        let object: IteratorObject
        let maps: [ObjectMap]
        let variables: [GlobalVariable]
        do {
            object = try IteratorObject(path: self.object)
            maps = try object.maps
            variables = try object.variables
        } catch {
            throw CommandFailure(error, object: self.object)
        }
        let console = context.console
        if console.json {
            console.emit(
                .object([
                    ("object", .string(self.object.description)),
                    ("name", .string(IteratorObject.objectName(self.object).description)),
                    ("license", .string(object.license)),
                    ("programs", .array(object.programs.map(InfoCommand.json))),
                    ("other_programs", .array(object.otherPrograms.map(InfoCommand.json))),
                    ("maps", .array(maps.map(InfoCommand.json))),
                    ("variables", .array(variables.map(InfoCommand.json))),
                ]))
            return
        }
        console.out("object \(IteratorObject.objectName(self.object)) (\(self.object))" + (object.license.isEmpty ? ", no license" : ", license \(object.license)"))
        console.out("programs:")
        if object.programs.isEmpty && object.otherPrograms.isEmpty { console.out("  (none)") }
        for program in object.programs { console.out("  " + InfoCommand.line(program)) }
        for program in object.otherPrograms {
            console.out("  \(program.name): \(program.section), \(program.type) program (not attached by iter)")
        }
        console.out("maps:")
        if maps.isEmpty { console.out("  (none)") }
        for map in maps { console.out("  " + InfoCommand.line(map)) }
        console.out("variables (set NAME=VALUE):")
        if variables.isEmpty { console.out("  (none)") }
        for variable in variables { console.out("  " + InfoCommand.line(variable)) }
    }

    /// `dump_task: iter/task, target task, option task, sleepable, loaded only by name`.
    static func line(_ program: IteratorProgram) -> String {
        var text = "\(program.name): \(program.section), target \(program.target)"
        if let option = program.option { text += ", option \(option.keyword)" }
        if program.sleepable { text += ", sleepable" }
        if !program.loadedByDefault { text += ", attached only when named (prog \(program.name))" }
        return text
    }

    /// `counts: hash, key 4, value 8, max_entries 1024, pinned by name`.
    static func line(_ map: ObjectMap) -> String {
        var text = "\(map.name): \(map.type), key \(map.keySize), value \(map.valueSize), "
        text += map.maxEntries == 0 ? "max_entries unset" : "max_entries \(map.maxEntries)"
        if map.section != ".maps" { text += " (\(map.section))" }
        if map.pinnedByName { text += ", pinned by name" }
        if let inner = map.inner {
            text += ", inner \(inner.type) (key \(inner.keySize), value \(inner.valueSize), max_entries \(inner.maxEntries))"
        }
        return text
    }

    /// `targ_tgid = 0  (const volatile pid_t, .rodata+0, 4 bytes)`.
    static func line(_ variable: GlobalVariable) -> String {
        let value: String
        switch variable.defaultValue {
        case let .success(decoded): value = decoded.description
        case let .failure(error): value = "? (\(error.description))"
        }
        let size = variable.size == 1 ? "1 byte" : "\(variable.size) bytes"
        return "\(variable.name) = \(value)  (\(variable.type), \(variable.section)+\(variable.offset), \(size))"
    }

    static func json(_ program: IteratorProgram) -> JSONValue {
        .object([
            ("name", .string(program.name)), ("section", .string(program.section)), ("target", .string(program.target)),
            ("sleepable", .bool(program.sleepable)), ("loaded_by_default", .bool(program.loadedByDefault)),
            ("option", program.option.map { .string($0.keyword) } ?? .null),
        ])
    }

    static func json(_ program: OtherObjectProgram) -> JSONValue {
        .object([("name", .string(program.name)), ("section", .string(program.section)), ("type", .string(program.type))])
    }

    static func json(_ map: ObjectMap) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(map.name)), ("section", .string(map.section)), ("type", .string(map.type.description)),
            ("key_size", .uint(UInt64(map.keySize))), ("value_size", .uint(UInt64(map.valueSize))),
            ("max_entries", .uint(UInt64(map.maxEntries))), ("flags", .uint(UInt64(map.flags))),
            ("pinned_by_name", .bool(map.pinnedByName)),
        ]
        if let inner = map.inner {
            fields.append(
                (
                    "inner",
                    .object([
                        ("type", .string(inner.type.description)), ("key_size", .uint(UInt64(inner.keySize))),
                        ("value_size", .uint(UInt64(inner.valueSize))), ("max_entries", .uint(UInt64(inner.maxEntries))),
                    ])
                ))
        }
        return .object(fields)
    }

    static func json(_ variable: GlobalVariable) -> JSONValue {
        let value: JSONValue
        switch variable.defaultValue {
        case let .success(decoded): value = JSONValue(decoded)
        case .failure: value = .null
        }
        return .object([
            ("name", .string(variable.name)), ("section", .string(variable.section)), ("type", .string(variable.type)),
            ("offset", .uint(UInt64(variable.offset))), ("size", .uint(UInt64(variable.size))), ("default", value),
        ])
    }
}
