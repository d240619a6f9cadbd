import BPFLoader
import BTFParser
import CLinuxBPF
import SyscallBPF

/// `iter show [PATH | id LINK_ID]`: the iterator links of the system, what they run and where
/// they are pinned, from the kernel's own link and program info.
struct ShowCommand: Subcommand {
    static let name = "show"
    static let usage = ["show [PATH | id LINK_ID]"]
    static let summary = "the pinned iterators, their options and paths"

    /// Which links to show.
    enum Target: Equatable {
        /// Every iterator link of the system.
        case all
        /// The link pinned at a path.
        case path(FilePath)
        /// The link with this id.
        case linkID(UInt32)
    }

    var target: Target = .all

    var description: String {
        switch target {
        case .all: return "show"
        case let .path(path): return "show path=\(path)"
        case let .linkID(id): return "show id=\(id)"
        }
    }

    static func parse(_ words: inout Words) throws(UsageError) -> ShowCommand {
        guard let word = words.peek else { return ShowCommand() }
        if word.is("id") || (word.isPrefix(of: "id") && !word.hasPrefix("/")) {
            _ = try words.next("")
            let id = try words.number("ID", missing: "'show id' needs a link ID", limit: UInt64(UInt32.max))
            try words.expectEnd(after: "show id")
            return ShowCommand(target: .linkID(UInt32(id)))
        }
        let path = try words.next("").path
        try words.expectEnd(after: "show PATH")
        return ShowCommand(target: .path(path))
    }

    struct Shown {
        var link: LinkInfo
        var program: ProgramInfo
        var pins: [FilePath]
        /// The program's global variables and the values its maps hold (`set` ones included).
        var variables: [LoadedVariable] = []

        init(link: LinkInfo, program: ProgramInfo, pins: [FilePath]) throws(CommandFailure) {
            self.link = link
            self.program = program
            self.pins = pins
            do { variables = try LoadedVariables.read(programID: link.programID) } catch {
                throw CommandFailure("can't read the global variables of prog \(link.programID)", errno: error)
            }
        }
    }

    static let iteratorLinkType = BPF_LINK_TYPE_ITER.rawValue

    func run(_ context: CommandContext) throws(CommandFailure) {
        let console = context.console
        var shown: [Shown] = []
        switch target {
        case .all:
            let pins = try ShowCommand.pinnedLinks()
            var id: UInt32 = 0
            while true {
                let next: UInt32?
                do { next = try BPFLink.nextID(after: id) } catch { throw CommandFailure("can't walk links", errno: error) }
                guard let next else { break }
                id = next
                // A link can go away between the two calls (ENOENT): skip it. Any other failure
                // (no fd left, no permission) is an error: a list with links missing is wrong.
                let fd: FileDescriptor
                do { fd = try BPFLink.fd(id: id) } catch {
                    if error == .ENOENT { continue }
                    throw CommandFailure("get link by id (\(id))", errno: error)
                }
                let info: LinkInfo
                do { info = try BPFLink.info(fd) } catch { throw CommandFailure("can't get info of link \(id)", errno: error) }
                guard info.type == ShowCommand.iteratorLinkType else { continue }
                shown.append(try Shown(link: info, program: try ShowCommand.programInfo(info.programID), pins: pins[id] ?? []))
            }
        case let .linkID(id):
            let fd: FileDescriptor
            do { fd = try BPFLink.fd(id: id) } catch { throw CommandFailure("get link by id (\(id))", errno: error) }
            let info = try ShowCommand.linkInfo(fd, what: "link \(id)")
            let pins = try ShowCommand.pinnedLinks()
            shown.append(try Shown(link: info, program: try ShowCommand.programInfo(info.programID), pins: pins[id] ?? []))
        case let .path(given):
            let (path, pin) = try ShowCommand.open(given)
            let kind: BPFObjectKind
            do { kind = try BPFObject.kind(of: pin.fd) } catch { throw CommandFailure("can't tell what \(path) holds", errno: error) }
            guard kind == .link else { throw CommandFailure("\(path) is a pinned \(kind), not an iterator link") }
            let info = try ShowCommand.linkInfo(pin.fd, what: path.description)
            shown.append(try Shown(link: info, program: try ShowCommand.programInfo(info.programID), pins: [path]))
        }
        let accounts = AccountDatabase.system()
        if console.json {
            console.emit(.array(shown.map { ShowCommand.json($0, accounts: accounts) }))
        } else {
            for item in shown { ShowCommand.lines(item, accounts: accounts).forEach(console.out) }
        }
    }

    /// Opens the pin at `path`; if there is none and `path` holds the escapes `iter show` prints
    /// for bytes that are not UTF-8 (`\xff`), the path they spell.
    static func open(_ given: FilePath) throws(CommandFailure) -> (FilePath, OwnedDescriptor) {
        var path = given
        if (try? Files.kind(given)) == nil, let string = given.string, let unescaped = FilePath(escaped: string),
           (try? Files.kind(unescaped)) != nil {
            path = unescaped
        }
        do { try PinnedIterator.checkPath(path) } catch {
            throw CommandFailure(error.description, exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode)
        }
        do {
            return (path, OwnedDescriptor(try BPFObject.get(path)))
        } catch {
            // bpffs's own files (maps.debug, progs.debug: names with a dot, which only the kernel
            // makes) exist but bpf(2) answers ENOENT for them.
            if error == .ENOENT, (try? Files.kind(path)) != nil {
                throw CommandFailure("bpf obj get (\(path)): the file exists but is not a pin bpf(2) opens", errno: error)
            }
            throw CommandFailure("bpf obj get (\(path))", errno: error)
        }
    }

    static func linkInfo(_ fd: borrowing FileDescriptor, what: String) throws(CommandFailure) -> LinkInfo {
        let info: LinkInfo
        do { info = try BPFLink.info(fd) } catch { throw CommandFailure("can't get info of \(what)", errno: error) }
        guard info.type == iteratorLinkType else { throw CommandFailure("\(what) is a \(LinkInfo.typeName(info.type)) link, not an iterator link") }
        return info
    }

    /// The link's program (its name): a link holds its program, so failing to open it is an error.
    static func programInfo(_ id: UInt32) throws(CommandFailure) -> ProgramInfo {
        do { return try BPFProgram.info(try BPFProgram.fd(id: id)) } catch {
            throw CommandFailure("get prog by id (\(id))", errno: error)
        }
    }

    /// Link id → bpffs paths where it is pinned, over every bpffs mount. A pin removed while this
    /// walks is skipped; any other failure to look is an error, not a pin left out.
    static func pinnedLinks() throws(CommandFailure) -> [UInt32: [FilePath]] {
        var result: [UInt32: [FilePath]] = [:]
        let mounts: [FilePath]
        do { mounts = try BPFFSMounts.mountPoints() } catch { throw CommandFailure("can't read /proc/self/mountinfo", errno: error) }
        for mount in mounts {
            let paths: [FilePath]
            do { paths = try BPFFSMounts.files(under: mount) } catch {
                throw CommandFailure("can't list \(error.path)", errno: error.errno)
            }
            for path in paths {
                let fd: FileDescriptor
                do { fd = try BPFObject.get(path) } catch {
                    if error == .ENOENT { continue }
                    throw CommandFailure("bpf obj get (\(path))", errno: error)
                }
                let kind: BPFObjectKind
                do { kind = try BPFObject.kind(of: fd) } catch { throw CommandFailure("can't tell what \(path) holds", errno: error) }
                guard kind == .link else { continue }
                let info: LinkInfo
                do { info = try BPFLink.info(fd) } catch { throw CommandFailure("can't get info of \(path)", errno: error) }
                result[info.id, default: []].append(path)
            }
        }
        return result
    }

    /// `12: iter  prog 34 name dump_task  target task  map_id 5` then `\tpinned PATH` lines, like
    /// bpftool link show, each with the pin's mode and owner (who may read it is what a pin's
    /// users ask first).
    static func lines(_ item: Shown, accounts: AccountDatabase) -> [String] {
        var head = "\(item.link.id): iter  prog \(item.link.programID)"
        if !item.program.name.isEmpty { head += " name \(item.program.name)" }
        head += "  target \(item.link.iteratorTarget)"
        for field in IteratorOptions.fields(of: item.link) { head += "  \(field.name) \(field.value)" }
        var lines = [head]
        // As `set` gives them: what the program was loaded with (.rodata), and what .data and
        // .bss hold now.
        if !item.variables.isEmpty {
            lines.append("\t" + item.variables.flatMap { settings($0.name, $0.value) }.map { "set " + $0 }.joined(separator: " "))
        }
        return lines + item.pins.map { path in
            guard let access = try? Files.access(path) else { return "\tpinned \(path)" }
            return "\tpinned \(path)  mode \(access.octalMode)  owner \(ownerName(access, accounts))"
        }
    }

    /// A value as the `set` clauses that would give it (`limits.level=1`, `ports=1,2,0,0`), so a
    /// line of `iter show` can be pasted back after `pin` or `update`.
    static func settings(_ path: String, _ value: BTFValue) -> [String] {
        switch value {
        case .record:
            return value.fields.flatMap { settings(path + "." + $0.name, $0.value) }
        case let .array(elements):
            let scalar = elements.allSatisfy { element in
                switch element {
                case .int, .uint, .int128, .uint128, .bool, .char, .pointer: return true
                default: return false
                }
            }
            if scalar { return [path + "=" + elements.map { $0.description }.joined(separator: ",")] }
            return elements.enumerated().flatMap { settings(path + "[\($0.offset)]", $0.element) }
        default:
            return [path + "=" + value.description]
        }
    }

    /// `root:root`, or the numbers where /etc/passwd or /etc/group do not name them.
    static func ownerName(_ access: FileAccess, _ accounts: AccountDatabase) -> String {
        (accounts.user(id: access.user)?.name ?? String(access.user)) + ":"
            + (accounts.group(id: access.group)?.name ?? String(access.group))
    }

    static func json(_ item: Shown, accounts: AccountDatabase) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .uint(UInt64(item.link.id))),
            ("type", .string("iter")),
            ("prog_id", .uint(UInt64(item.link.programID))),
        ]
        fields.append(("prog_name", .string(item.program.name)))
        fields.append(("target", .string(item.link.iteratorTarget)))
        fields += IteratorOptions.fields(of: item.link).map { ($0.name, JSONValue($0.value)) }
        if !item.variables.isEmpty {
            fields.append(("variables", .object(item.variables.map { ($0.name, JSONValue($0.value)) })))
        }
        fields.append(("pinned", .array(item.pins.map { .string($0.description) })))
        // The same paths with their mode and owner (a list of its own, so "pinned" stays bpftool's).
        fields.append(("pins", .array(item.pins.map { path in
            var pin: [(String, JSONValue)] = [("path", .string(path.description))]
            if let access = try? Files.access(path) {
                pin += [("mode", .string(access.octalMode)), ("uid", .uint(UInt64(access.user))), ("gid", .uint(UInt64(access.group)))]
                if let user = accounts.user(id: access.user) { pin.append(("user", .string(user.name))) }
                if let group = accounts.group(id: access.group) { pin.append(("group", .string(group.name))) }
            }
            return .object(pin)
        })))
        return .object(fields)
    }
}
