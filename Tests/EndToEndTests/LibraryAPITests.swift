import BPFLoader
import Foundation
import SyscallBPF
import Testing

/// The Swift API others embed: load an object, choose a program, read or pin an iterator.
@Suite("library API", .enabled(if: Repo.isRoot, Repo.needsRoot))
struct LibraryAPITests {
    @Test("an object lists its programs; an iterator reads into a String without bpffs")
    func readIntoString() throws {
        let object = try IteratorObject(path: Repo.fixture("iter_two_progs.bpf.o"))
        #expect(object.programs.map { $0.name } == ["dump_pids", "dump_maps", "dump_optional"])
        #expect(object.programs.map { $0.target } == ["task", "bpf_map", "task"])
        #expect(object.programs.map { $0.loadedByDefault } == [true, true, false])
        let iterator = try object.makeIterator()
        #expect(iterator.program == "dump_pids" && iterator.target == "task" && iterator.linkID > 0)
        let text = try iterator.read()
        #expect(text.split(separator: "\n").contains("pid \(getpid())"))
        // Each read runs the iterator afresh.
        #expect(try iterator.read().split(separator: "\n").count > 10)
    }

    @Test("options, a chosen program, and reading in chunks that stop early")
    func optionsAndChunks() throws {
        let object = try IteratorObject(path: Repo.fixture("iter_task.bpf.o"))
        let iterator = try object.makeIterator(options: .task(.process(UInt32(getpid()))))
        let lines = try iterator.read().split(separator: "\n").dropFirst()
        #expect(!lines.isEmpty && lines.allSatisfy { $0.split(separator: " ")[1] == "\(getpid())" })
        var chunks = 0
        try iterator.read { _ in
            chunks += 1
            return false
        }
        #expect(chunks == 1)
    }

    @Test("pin(at:) pins on bpffs; the pin outlives the value")
    func pin() throws {
        let dir = try BPFFSDirectory("api")
        do {
            let iterator = try IteratorObject(path: Repo.fixture("iter_counter.bpf.o")).makeIterator()
            try iterator.pin(at: dir.file("counter"))
        }
        #expect(try readPinned(dir.file("counter")).hasPrefix("count 3\n"))
    }

    @Test("pin(at:mode:owner:) gives the pin its mode and owner; update(pinnedAt:) replaces its program")
    func pinAccessAndUpdate() throws {
        let dir = try BPFFSDirectory("api-access")
        let path = dir.file("tasks")
        let iterator = try IteratorObject(path: Repo.fixture("iter_task.bpf.o")).makeIterator()
        try iterator.pin(at: path, mode: try PinMode(parsing: "a+r"), owner: PinOwner(user: 65534, group: 65534))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(
            attributes[.posixPermissions] as? Int == 0o644 && attributes[.ownerAccountID] as? Int == 65534
                && attributes[.groupOwnerAccountID] as? Int == 65534)
        let update = try IteratorObject(path: Repo.fixture("iter_counter.bpf.o")).update(pinnedAt: FilePath(path))
        #expect(update.linkID == iterator.linkID && update.oldProgramID == iterator.programID)
        #expect(update.program == "count_tasks" && update.newProgramID != update.oldProgramID && !update.mainThreadOnly)
        #expect(try readPinned(path).hasPrefix("count 3\n"))
        do {
            _ = try IteratorObject(path: Repo.fixture("iter_ksym.bpf.o")).update(pinnedAt: FilePath(path))
            Issue.record("updated a task iterator with a ksym program")
        } catch {
            guard case .update(.targetDiffers(program: "dump_ksyms", target: "ksym", path: FilePath(path), linkTarget: "task")) = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("update(pinnedAt:settings:) gives the new program's globals values, as makeIterator does")
    func updateWithSettings() throws {
        let dir = try BPFFSDirectory("api-update-set")
        let path = dir.file("params")
        let object = try IteratorObject(path: Repo.fixture("iter_params.bpf.o"))
        try object.makeIterator().pin(at: path)
        let everyone = try readPinned(path).split(separator: "\n").filter { $0.hasPrefix("task ") }
        #expect(everyone.count > 1)
        _ = try object.update(pinnedAt: FilePath(path), settings: [try VariableAssignment(parsing: "targ_tgid=\(getpid())")])
        let tasks = try readPinned(path).split(separator: "\n").filter { $0.hasPrefix("task ") }
        #expect(tasks.map { $0.split(separator: " ")[2] } == ["\(getpid())"], "only this process, after the update")
        do {
            _ = try object.update(pinnedAt: FilePath(path), settings: [try VariableAssignment(parsing: "no_such_global=1")])
            Issue.record("an unknown global was accepted")
        } catch {
            guard case .variable = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }
    }

    @Test("reading: a pinned iterator, records as values, a namespace, and a bounded retry")
    func reading() throws {
        let dir = try BPFFSDirectory("api-reading")
        let iterator = try IteratorObject(path: Repo.fixture("iter_task_record.bpf.o")).makeIterator()
        try iterator.pin(at: dir.file("records"))
        let pinned = try PinnedIterator(path: dir.file("records"))
        #expect(pinned.displayName == "dump_task_recor" && pinned.link?.iteratorTarget == "task")
        // The type from the object's BTF and from the kernel's copy of the program's: the same records.
        for source in [
            try iterator.readRecords(of: iterator.recordType(named: "task_record")),
            try pinned.readRecords(of: pinned.recordType(named: "task_record")),
        ] {
            let own = source.first { $0.fields.first { $0.name == "pid" }?.value == .int(Int64(getpid())) }
            #expect(own?.fields.map { $0.name } == ["pid", "tgid", "comm", "policy", "kernel_thread"])
            #expect(own?.fields.last?.value == .bool(false))
        }
        // iter's own network namespace, given explicitly: no other process needed, the same output.
        let own = try Namespace(path: "/proc/self/ns/net", kind: .network)
        #expect(own.isCurrent && own.description.hasPrefix("network namespace "))
        let tasks = try IteratorObject(path: Repo.fixture("iter_task.bpf.o")).makeIterator()
        #expect(try tasks.read(options: ReadOptions(network: own)).hasPrefix("    pid    tgid comm\n"))
        // A program that always asks to retry: the limit, then a typed error.
        let retry = try IteratorObject(path: Repo.fixture("iter_retry.bpf.o")).makeIterator(program: "retry_always")
        do {
            _ = try retry.read(options: ReadOptions(retry: RetryLimit(attempts: 100, nanoseconds: 1_000_000_000)))
            Issue.record("read succeeded")
        } catch {
            guard case let .read(program, readError) = error else { Issue.record("\(error)"); return }
            #expect(program == "retry_always")
            guard case let .keptRetrying(attempts, _) = readError.cause else { Issue.record("\(readError)"); return }
            #expect(attempts == 100)
            #expect(readError.errno == .EAGAIN && readError.bytesRead == 0)
        }
    }

    @Test("errors are typed and say which step failed")
    func errors() throws {
        #expect(throws: IteratorError.self) { try IteratorObject(path: "/nonexistent.o") }
        do {
            _ = try IteratorObject(path: Repo.fixture("iter_bad_target.bpf.o")).makeIterator()
            Issue.record("loaded an object whose target does not exist")
        } catch {  // typed: error is an IteratorError
            // Public: the phase and the line; the pipeline's typed cause is the package's own.
            guard case let .object(_, objectError) = error, case .unknownTarget(program: "dump_nothing", target: "no_such_target") = objectError.cause
            else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(objectError.phase == .load)
        }
        do {
            _ = try IteratorObject(path: Repo.fixture("iter_map_elem.bpf.o")).makeIterator(options: .map(.name("no_such_map")))
            Issue.record("found a map that does not exist")
        } catch {  // typed: error is an IteratorError
            #expect(error.description == "no map named 'no_such_map': No such file or directory (ENOENT)")
            #expect(error.errno?.name == "ENOENT")
        }
        do {
            _ = try IteratorObject(path: Repo.fixture("iter_verifier_reject.bpf.o")).makeIterator()
        } catch {  // typed: error is an IteratorError
            #expect(error.kernelLog?.contains("invalid mem access") == true)
        }
    }

    @Test("the example executable reads an iterator")
    func example() throws {
        let binary = URL(fileURLWithPath: Repo.iter).deletingLastPathComponent().appendingPathComponent("read-iterator").path
        let outcome = try run(binary, [Repo.fixture("iter_task.bpf.o")])
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.lines.first == "program dump_task in iter/task: target task")
        #expect(outcome.lines.dropFirst().first?.hasPrefix("read ") == true)
        #expect(outcome.lines.contains("      pid    tgid comm"))
        let bad = try run(binary, [Repo.fixture("iter_bad_target.bpf.o")])
        #expect(bad.status == 1 && bad.stdout.contains("error: ") && bad.stdout.contains("not found in kernel BTF"))
    }
}
