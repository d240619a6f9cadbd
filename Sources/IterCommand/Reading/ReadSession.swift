import BPFLoader
import BTFParser
import CLinuxBPF
import SyscallBPF

/// Reads an iterator as `run` and `cat` do after it exists: one pass, or a pass every interval;
/// in iter's namespaces, in one given namespace, or in every network namespace; raw or, with -j,
/// as JSON objects. Attached once, read many times: each pass is a new BPF_ITER_CREATE (or a new
/// open of the pin).
struct ReadSession<Source: IteratorReading> {
    /// What is read.
    let source: Source
    /// How (the READ_OPT clauses).
    let request: ReadRequest
    /// Where results, errors and -d lines go.
    let console: Console
    /// How failures name the iterator (`iterator of program dump_task`).
    let subject: String

    /// Where one read happens.
    enum Place {
        /// In iter's own namespaces.
        case here
        /// As seen from this namespace.
        case inside(Namespace)
        /// As seen from this namespace of `netns all`, if it is still there.
        case found(NamespaceCandidate)
    }

    func run() throws(CommandFailure) {
        let fixed = try openNamespace()
        let records = try recordType()
        // JSON objects when there is more than one output to tell apart; a single pass under -j
        // is a JSON array of records, or the program's own output as before.
        let objects = console.json && (request.interval != nil || request.namespaces != nil)
        var out = OutputWriter()
        if request.interval != nil { iter_stop_install() }
        var schedule = PassSchedule(interval: request.interval?.nanoseconds ?? 0)
        var pass: UInt64 = 0
        while true {
            pass += 1
            let time = WallClock.now()
            if request.interval != nil && !console.json {
                guard try out.writeLine("# pass \(pass) \(WallClock.iso8601(time))") else { return }
            }
            let unit = Unit(pass: pass, time: time, objects: objects, records: records)
            for place in places(fixed) {
                guard try read(unit, in: place, into: &out) else { return }
            }
            guard let interval = request.interval else { return }
            if let count = interval.count, pass >= count { return }
            guard schedule.waitForNext() else {
                console.trace("stopped by signal \(iter_stop_requested()) after pass \(pass)")
                return
            }
        }
    }

    /// What one read is part of, and how it is written.
    struct Unit {
        /// The pass (from 1) and when it started (wall clock, ns).
        let pass: UInt64
        let time: UInt64
        /// Each read is one JSON object (-j with interval or namespaces).
        let objects: Bool
        /// The output is records of this type (`type TYPE`).
        let records: RecordType?
    }

    /// The type of `type TYPE`, found before the first pass.
    func recordType() throws(CommandFailure) -> RecordType? {
        guard let name = request.recordType else { return nil }
        do {
            let type = try source.recordType(named: name)
            console.trace("records of \(type), \(type.size) bytes each")
            return type
        } catch {
            if case let .records(_, cause) = error {
                throw CommandFailure("type '\(name)' for \(subject): \(cause.description)")
            }
            throw CommandFailure(reading: error, subject: subject)
        }
    }

    /// The namespace of `netns PATH`, `netns pid PID` (and pidns), opened once for every pass;
    /// nil for none and for `netns all`.
    func openNamespace() throws(CommandFailure) -> Namespace? {
        guard let request = request.namespaces else { return nil }
        let namespace: Namespace
        do {
            switch request.source {
            case let .path(path): namespace = try Namespace(path: path, kind: request.kind)
            case let .process(pid): namespace = try Namespace(process: pid, kind: request.kind)
            case .all: return nil
            }
        } catch {
            throw CommandFailure(error.description, exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode)
        }
        console.trace("reading in \(namespace) (\(namespace.path))" + (namespace.isCurrent ? ", iter's own" : ""))
        return namespace
    }

    /// Where this pass reads: here, in the one namespace, or in every network namespace there
    /// is now (found anew each pass: containers come and go).
    func places(_ fixed: Namespace?) -> [Place] {
        if let fixed { return [.inside(fixed)] }
        guard request.namespaces?.source == .all else { return [.here] }
        let found = Namespace.allNetwork()
        console.trace("\(found.count) network namespaces: " + found.map { "\($0.identity.inode)" }.joined(separator: " "))
        return found.map { .found($0) }
    }

    /// Reads one pass in one place; false when stdout was closed (stop quietly).
    func read(_ unit: Unit, in place: Place, into out: inout OutputWriter) throws(CommandFailure) -> Bool {
        var options = ReadOptions()
        var namespace: Namespace? = nil
        switch place {
        case .here: break
        case let .inside(given): namespace = given
        case let .found(candidate):
            // Opened only now, so that iter holds one namespace at a time, however many there are.
            do {
                namespace = try candidate.open()
            } catch {
                guard case .vanished = error else {
                    throw CommandFailure(error.description, exitCode: error.errno?.exitCode ?? CommandFailure.malformedExitCode)
                }
                console.trace("skipped \(candidate) (\(candidate.path)): it went away")
                return true
            }
        }
        if let namespace {
            switch namespace.kind {
            case .network: options.network = namespace
            case .pid: options.pid = namespace
            }
            if !console.json, !(try out.writeLine("# \(NamespaceRequest.keyword(namespace.kind)) \(ReadSession.header(namespace.label))")) {
                return false
            }
        }
        if unit.objects {
            var fields: [(String, JSONValue)] = []
            if request.interval != nil {
                fields.append(("pass", .uint(unit.pass)))
                fields.append(("time", .string(WallClock.iso8601(unit.time))))
            }
            if let label = namespace?.label {
                var identity: [(String, JSONValue)] = [("inode", .uint(label.inode))]
                if let name = label.name { identity.append(("name", .string(name))) }
                fields.append((NamespaceRequest.keyword(label.kind), .object(identity)))
            }
            if let type = unit.records {
                fields.append(("records", .array(try readRecords(type, options).map { JSONValue($0) })))
            } else {
                fields.append(("output", .string(String(decoding: try readBytes(options), as: UTF8.self))))
            }
            return try out.write(JSONValue.object(fields).render(pretty: console.pretty) + "\n")
        }
        if let type = unit.records, console.json {
            return try out.write(JSONValue.array(try readRecords(type, options).map { JSONValue($0) }).render(pretty: console.pretty) + "\n")
        }
        var writeFailure: CommandFailure? = nil
        func write(_ body: (inout OutputWriter) throws(CommandFailure) -> Bool) -> Bool {
            do throws(CommandFailure) {
                return try body(&out)
            } catch {
                writeFailure = error
                return false
            }
        }
        do {
            if let type = unit.records {
                try source.readRecords(of: type, options: options) { record in
                    write { (out) throws(CommandFailure) in try out.write(record.plainText + "\n") }
                }
            } else {
                try source.read(options: options) { chunk in
                    write { (out) throws(CommandFailure) in try out.write(chunk) }
                }
            }
        } catch {
            throw writeFailure ?? CommandFailure(reading: error, subject: subject)
        }
        if let writeFailure { throw writeFailure }
        return !out.closed
    }

    /// One whole pass, as bytes.
    func readBytes(_ options: ReadOptions) throws(CommandFailure) -> [UInt8] {
        do { return try source.readBytes(options: options) } catch { throw CommandFailure(reading: error, subject: subject) }
    }

    /// One whole pass, as records.
    func readRecords(_ type: RecordType, _ options: ReadOptions) throws(CommandFailure) -> [BTFValue] {
        do { return try source.readRecords(of: type, options: options) } catch { throw CommandFailure(reading: error, subject: subject) }
    }

    /// `4026532290 blue`: the inode, then the name if it has one.
    static func header(_ label: NamespaceLabel) -> String {
        "\(label.inode)" + (label.name.map { " " + $0 } ?? "")
    }
}
