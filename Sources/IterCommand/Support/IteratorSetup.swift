import BPFLoader
import CLinuxBPF
import SyscallBPF

/// From command line to iterator, through the library API: translate the options (duplicating a
/// pidfd the user passed, so theirs stays theirs), make the iterator, and turn any failure into
/// bpftool's words (`can't open objfile`, `attach_iter failed for program`, …).
enum IteratorSetup {
    static func prepare(_ request: IteratorRequest, console: Console) throws(CommandFailure) -> Iterator {
        let options = try libraryOptions(request.option)
        let object: IteratorObject
        do { object = try IteratorObject(path: request.object) } catch { throw failure(error, object: request.object) }
        do {
            return try object.makeIterator(program: request.program, options: options, verifierLog: console.debug) { line in
                console.trace(line)
            }
        } catch {
            throw failure(error, object: request.object)
        }
    }

    /// The command line's option as the library's.
    static func libraryOptions(_ option: IteratorOption) throws(CommandFailure) -> IteratorOptions {
        switch option {
        case .none: return .none
        case let .map(.id(id)): return .map(.id(id))
        case let .map(.pinned(path)): return .map(.pinned(path))
        case let .map(.name(name)): return .map(.name(name))
        case .task(.mainThreadOnly): return .task(.mainThreadOnly)
        case let .task(.tid(tid)): return .task(.thread(tid))
        case let .task(.pid(pid)): return .task(.process(pid))
        case let .task(.pidFD(number)):
            // Our own duplicate: the user's fd stays theirs, ours closes with the iterator setup.
            let raw = dup(number)
            guard raw >= 0 else { throw CommandFailure("task pid_fd \(number)", errno: Errno.current) }
            return .task(.processDescriptor(OwnedDescriptor(FileDescriptor(adopting: raw))))
        case let .cgroup(spec):
            let order = IteratorOptions.CgroupWalkOrder(rawValue: spec.order.rawValue) ?? .descendantsPreOrder
            switch spec.start {
            case let .id(id): return .cgroup(.id(id), order: order)
            case let .path(path): return .cgroup(.path(path), order: order)
            }
        }
    }

    /// bpftool's words for each step that can fail, with the reason after them.
    static func failure(_ error: IteratorError, object: String) -> CommandFailure {
        switch error {
        case let .unreadable(_, errno):
            return CommandFailure("can't open objfile \(object)", errno: errno)
        case let .object(_, loadError):
            return CommandFailure(loadError, object: object)
        case let .option(message, errno):
            guard let errno else { return CommandFailure(message) }
            return CommandFailure(message, errno: errno)
        case let .attach(program, errno, hint):
            return CommandFailure("attach_iter failed for program \(program)\(hint)", errno: errno)
        case let .pin(program, path, errno):
            return CommandFailure("pin_iter failed for program \(program) to path \(path)", errno: errno)
        case let .read(program, errno):
            return CommandFailure("reading iterator of program \(program)", errno: errno)
        case let .variable(error):
            return CommandFailure(error.description)
        }
    }

    /// The options for `pin -j`'s description of what was pinned.
    static func summary(_ option: IteratorOption, iterator: Iterator) -> [(String, JSONValue)] {
        switch option {
        case .none: return []
        case .map: return [("map_id", .uint(UInt64(iterator.mapID ?? 0)))]
        case .task(.mainThreadOnly): return [("main_thread_only", .bool(true))]
        case let .task(.tid(tid)): return [("tid", .uint(UInt64(tid)))]
        case let .task(.pid(pid)): return [("pid", .uint(UInt64(pid)))]
        case let .task(.pidFD(fd)): return [("pid_fd", .int(Int64(fd)))]
        case let .cgroup(spec):
            let start: (String, JSONValue)
            switch spec.start {
            case let .id(id): start = ("cgroup_id", .uint(id))
            case let .path(path): start = ("cgroup_path", .string(path))
            }
            return [start, ("cgroup_order", .string(spec.order.keyword))]
        }
    }
}
