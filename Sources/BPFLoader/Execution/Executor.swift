import CLinuxBPF
import SyscallBPF

/// Runs a `LoadPlan`: BTF, maps (with contents, frozen where planned), then programs with map fds
/// patched in. If any step fails, the fds created so far close as the partial result is dropped.
package enum Executor {
    static let tracingProgramType = BPF_PROG_TYPE_TRACING.rawValue
    static let traceIterAttachType = BPF_TRACE_ITER.rawValue
    static let sleepableFlag = UInt32(BPF_F_SLEEPABLE)

    /// Executes `plan`. `debug` receives one line per step (for `-d`); `verifierLog` asks for the
    /// verifier's log of successful loads too.
    package static func execute(_ plan: LoadPlan, verifierLog: Bool = false,
                               debug: (String) -> Void = { _ in }) throws(LoadError) -> LoadedObject {
        // Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK (often 64 KiB): lift it, as libbpf does.
        _ = iter_raise_memlock()

        let btf = try loadBTF(plan, debug: debug)
        var maps: [OwnedDescriptor] = []
        var reused: Set<Int> = []
        var pinned: [FilePath] = []
        do {
            for (i, map) in plan.maps.enumerated() {
                let (fd, wasReused) = try createMap(map, btf: btf, pinned: &pinned, debug: debug)
                if wasReused { reused.insert(i) }
                maps.append(fd)
            }
            // Map-in-map slots once every map exists (an outer map may be declared before its inner ones).
            for (i, map) in plan.maps.enumerated() where !reused.contains(i) {
                try fillSlots(map, of: maps[i], debug: debug) { target in
                    guard case let .map(m) = target else { return nil }
                    return maps[m].fd.rawValue
                }
            }
            var programs: [OwnedDescriptor] = []
            for program in plan.programs {
                programs.append(try loadProgram(program, plan: plan, maps: maps, btf: btf, verifierLog: verifierLog, debug: debug))
            }
            // Program arrays after their programs load, as libbpf's bpf_object_init_prog_arrays does.
            for (i, map) in plan.maps.enumerated() where !reused.contains(i) {
                try fillSlots(map, of: maps[i], debug: debug) { target in
                    guard case let .program(p) = target else { return nil }
                    return programs[p].fd.rawValue
                }
            }
            return LoadedObject(plan: plan, btf: btf, maps: maps, programs: programs, pinnedMaps: pinned)
        } catch {
            // Maps this load pinned by name go with the failure; maps it reused stay as they were.
            for path in pinned { try? Files.remove(path) }
            throw error
        }
    }

    static func loadBTF(_ plan: LoadPlan, debug: (String) -> Void) throws(LoadError) -> OwnedDescriptor? {
        guard let blob = plan.btf else { return nil }
        do {
            let fd = try BPFBTF.load(blob, log: false)
            let id = (try? BPFBTF.info(fd))?.id ?? 0
            debug("BTF loaded: id \(id), \(blob.count) bytes, fd \(fd.rawValue)")
            return OwnedDescriptor(fd)
        } catch {
            // Ask again with a log so the message can say what the kernel disliked.
            var reason = ""
            do { _ = try BPFBTF.load(blob, log: true) } catch { reason = error.log }
            if plan.btfRequired {
                throw .btfLoad(errno: error.errno, log: reason)
            }
            debug("BTF rejected by the kernel (\(error.errno.description)); loading without BTF")
            if !reason.isEmpty { debug(reason) }
            return nil
        }
    }

    /// Writes the slots of `map` whose target `fd` gives (nil: a slot of the other kind) into it:
    /// key the slot index, value the target's fd.
    static func fillSlots(_ map: PlannedMap, of outer: OwnedDescriptor, debug: (String) -> Void,
                          fd: (MapSlot.Target) -> Int32?) throws(LoadError) {
        for slot in map.slots {
            guard let value = fd(slot.target) else { continue }
            do {
                try BPFMap.update(outer.fd, key: hostBytes(slot.index), value: hostBytes(UInt32(bitPattern: value)))
            } catch {
                throw .mapSlot(name: map.name, slot: slot.index, target: slot.targetName, error)
            }
            debug("map '\(map.name)': slot [\(slot.index)] set to '\(slot.targetName)' (fd \(value))")
        }
    }

    static func hostBytes(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    /// Creates (or reuses from its pin) one map; true when it was reused.
    static func createMap(_ map: PlannedMap, btf: OwnedDescriptor?, pinned: inout [FilePath],
                          debug: (String) -> Void) throws(LoadError) -> (OwnedDescriptor, Bool) {
        var attributes = map.attributes
        attributes.name = map.name
        if let path = map.pinPath, let reused = try reusePinned(map, at: path) {
            debug("map '\(map.name)': reusing the map pinned at \(path): fd \(reused.fd.rawValue)")
            return (reused, true)
        }
        // A map-in-map's template: what every inner map must match, closed once the outer map exists.
        var template: OwnedDescriptor? = nil
        if let inner = map.innerMap {
            do { template = OwnedDescriptor(try BPFMap.create(inner)) } catch {
                throw .mapCreate(name: inner.name, error)
            }
        }
        let usesBTF = btf != nil && (attributes.btfValueTypeID != 0 || attributes.btfKeyTypeID != 0)
        var created: FileDescriptor? = nil
        do {
            created = try BPFMap.create(attributes, btf: usesBTF ? btf : nil, innerMap: template)
        } catch {
            guard usesBTF else { throw .mapCreate(name: map.name, error) }
            // Kernels that cannot check this map's BTF still create it without: libbpf retries the same way.
            debug("map '\(map.name)': create with BTF failed (\(error.description)); retrying without BTF")
            attributes.btfKeyTypeID = 0
            attributes.btfValueTypeID = 0
            do { created = try BPFMap.create(attributes, btf: nil, innerMap: template) } catch { throw .mapCreate(name: map.name, error) }
        }
        guard let fd = consume created else { throw .mapCreate(name: map.name, .EINVAL) }
        if let value = map.initialValue {
            do { try BPFMap.update(fd, key: [0, 0, 0, 0], value: value) } catch { throw .mapUpdate(name: map.name, error) }
        }
        if map.freeze {
            do { try BPFMap.freeze(fd) } catch { throw .mapUpdate(name: map.name, error) }
        }
        if let path = map.pinPath {
            do { try BPFObject.pin(fd, at: path) } catch { throw .mapPin(name: map.name, path: path, error) }
            pinned.append(path)
        }
        debug("map '\(map.name)' created: fd \(fd.rawValue), type \(attributes.type), value size \(attributes.valueSize)"
              + (map.freeze ? ", frozen" : "") + (map.pinPath.map { ", pinned at \($0)" } ?? ""))
        return (OwnedDescriptor(fd), false)
    }

    /// The map pinned at `path`, if there is one and it matches the declaration (libbpf's
    /// map_is_reuse_compat: type, key and value size, entries, flags); nil if nothing is pinned.
    static func reusePinned(_ map: PlannedMap, at path: FilePath) throws(LoadError) -> OwnedDescriptor? {
        let fd: FileDescriptor
        do {
            fd = try BPFObject.get(path)
        } catch {
            if error == .ENOENT { return nil }
            throw .mapPin(name: map.name, path: path, error)
        }
        // BPF_OBJ_GET opens any pinned object, and a link's or program's info reads as a map's:
        // ask what it is first.
        let kind: BPFObjectKind
        do { kind = try BPFObject.kind(of: fd) } catch { throw .mapPin(name: map.name, path: path, error) }
        guard kind == .map else { throw .mapReuse(name: map.name, path: path, reason: "it is not a map (it is a \(kind))") }
        let info: MapInfo
        do { info = try BPFMap.info(fd) } catch {
            throw .mapReuse(name: map.name, path: path, reason: "its info cannot be read (\(error.description))")
        }
        if let d = MapType.difference(type: info.type, keySize: info.keySize, valueSize: info.valueSize,
                                      maxEntries: info.maxEntries, flags: info.flags, from: map.attributes) {
            throw .mapReuse(name: map.name, path: path, reason: "its \(d.what) is \(d.actual), the object declares \(d.expected)")
        }
        return OwnedDescriptor(fd)
    }

    static func loadProgram(_ program: PlannedProgram, plan: LoadPlan, maps: [OwnedDescriptor], btf: OwnedDescriptor?,
                            verifierLog: Bool, debug: (String) -> Void) throws(LoadError) -> OwnedDescriptor {
        var instructions = program.instructions
        for reference in program.mapReferences {
            instructions[reference.instruction].immediate = maps[reference.map].fd.rawValue
        }
        // Module BTF fds: for module variables (second half of ld_imm64) and kfuncs (fd_array).
        var modules: [String: OwnedDescriptor] = [:]
        for name in Set(program.fdArrayModules + program.moduleReferences.map { $0.module }) {
            let found: FileDescriptor?
            do { found = try BPFBTF.kernelBTF(named: name) } catch { throw .kernelBTFUnavailable(path: "module " + name, error) }
            guard let fd = consume found else { throw .kernelBTFUnavailable(path: "module " + name, .ENOENT) }
            modules[name] = OwnedDescriptor(fd)
        }
        for reference in program.moduleReferences {
            instructions[reference.instruction + 1].immediate = modules[reference.module]?.fd.rawValue ?? 0
        }
        let fdArray = program.fdArrayModules.isEmpty ? [] : [0] + program.fdArrayModules.map { modules[$0]?.fd.rawValue ?? 0 }
        var attributes = ProgramLoadAttributes(
            type: tracingProgramType, expectedAttachType: traceIterAttachType, name: program.name,
            license: plan.license, instructions: instructions.encoded(),
            flags: program.sleepable ? sleepableFlag : 0, attachBTFID: program.attachBTFID, fdArray: fdArray)
        if btf != nil {
            attributes.funcInfo = program.funcInfo
            attributes.funcInfoRecordSize = program.funcInfoRecordSize
            attributes.lineInfo = program.lineInfo
            attributes.lineInfoRecordSize = program.lineInfoRecordSize
        }
        do {
            let loaded = try BPFProgram.load(attributes, btf: btf, log: verifierLog ? .always : .onFailure)
            debug("program '\(program.name)' loaded: fd \(loaded.fd.rawValue), \(instructions.count) instructions")
            var log = Substring(loaded.log)
            while log.hasSuffix("\n") { log = log.dropLast() }
            if !log.isEmpty { debug(String(log)) }
            // libbpf binds every read-only global data map of the object (`.rodata`, `.rodata.*`,
            // string literals' `.rodata.str1.1`) to each program it loads, so tools that read a
            // program's metadata variables (bpftool prog show) find them; a kernel without the
            // command (before 5.10) only loses that, as with libbpf.
            for (i, map) in plan.maps.enumerated() {
                guard case .globalData(.rodata, _) = map.origin else { continue }
                do {
                    try BPFProgram.bindMap(loaded.fd, maps[i].fd)
                    debug("program '\(program.name)': bound map '\(map.name)'")
                } catch {
                    debug("program '\(program.name)': binding map '\(map.name)' failed (\(error.description)); loading on")
                }
            }
            return OwnedDescriptor(loaded.fd)
        } catch {
            // A reachable instruction that CO-RE poisoned: name the relocation, not the dummy call.
            var notes: [Int: COREPoisonNote] = [:]
            for p in program.poisoned { notes[p.instruction] = p.note }
            if let note = COREVerifierLog.explain(error.log, poisoned: notes) {
                throw .poisonedCodeReached(program: program.name, note)
            }
            throw .programLoad(program: program.name, target: program.target, errno: error.errno, log: error.log,
                               hint: VerifierHints.hint(for: error.log, license: plan.license))
        }
    }
}
