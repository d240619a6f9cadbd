import BTFParser
import CLinuxBPF
import SyscallBPF

/// What `IteratorObject.update(pinnedAt:)` did: the link at the path runs another program, under
/// the same link id, with the options it was created with.
public struct IteratorUpdate: Sendable, Equatable {
    /// Where the iterator is pinned.
    public let path: FilePath
    /// The link's id (unchanged by the update).
    public let linkID: UInt32
    /// Its target (unchanged).
    public let target: String
    /// The program it runs now.
    public let program: String
    /// That program's section.
    public let section: String
    /// The id of the program it ran before.
    public let oldProgramID: UInt32
    /// The id of the program it runs now.
    public let newProgramID: UInt32
    /// The program it ran filtered to main threads (`task main_thread_only`, which is part of the
    /// program, not of the link), so the new one does too.
    public let mainThreadOnly: Bool
}

/// Why a pinned iterator's program could not be replaced. Nothing was changed in any case.
public enum UpdateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pin cannot be opened (`PinnedIterator.checkPath` has made sure it is a file on bpffs).
    case open(FilePath, Errno)
    /// The path holds another kind of object (a map, a program).
    case notALink(FilePath, BPFObjectKind)
    /// The path holds a link that is not an iterator's (`linkType`: `enum bpf_link_type`).
    case notAnIteratorLink(FilePath, linkType: UInt32)
    /// The link's info cannot be read.
    case linkInfo(FilePath, Errno)
    /// The new program's target is not the link's: the kernel keeps a link's target.
    case targetDiffers(program: String, target: String, path: FilePath, linkTarget: String)
    /// The program the link runs cannot be opened (to name it in BPF_F_REPLACE).
    case oldProgram(FilePath, id: UInt32, Errno)
    /// The kernel refused the new program for the map the link walks (its reads are larger than
    /// the map's key or value): map-element programs are checked when attached, never on update.
    case mapCheck(program: String, mapID: UInt32, Errno)
    /// The kernel cannot update iterator links (EINVAL for a program of the same target).
    case unsupported(FilePath, Errno)
    /// The link's program was replaced by someone else since it was read (BPF_F_REPLACE: EPERM).
    case programChanged(FilePath, was: UInt32, now: UInt32?)
    /// BPF_LINK_UPDATE failed otherwise.
    case refused(FilePath, Errno)

    /// The errno of a failed system call, if that is what this is.
    public var errno: Errno? {
        switch self {
        case let .open(_, e), let .linkInfo(_, e), let .oldProgram(_, _, e), let .mapCheck(_, _, e),
            let .unsupported(_, e), let .refused(_, e):
            return e
        case .programChanged: return .EPERM
        case .notALink, .notAnIteratorLink, .targetDiffers: return nil
        }
    }

    public var description: String {
        switch self {
        case let .open(path, e): return "bpf obj get (\(path)): \(e.description)"
        case let .notALink(path, kind): return "\(path) is a pinned \(kind), not an iterator link"
        case let .notAnIteratorLink(path, type): return "\(path) is a pinned \(LinkInfo.typeName(type)) link, not an iterator link"
        case let .linkInfo(path, e): return "can't get info of the link at \(path): \(e.description)"
        case let .targetDiffers(program, target, path, linkTarget):
            return "program \(program) iterates '\(target)', but the iterator at \(path) iterates '\(linkTarget)':"
                + " an update keeps the target (choose a '\(linkTarget)' program with 'prog NAME', or pin a new iterator)"
        case let .oldProgram(path, id, e): return "can't open program \(id), which the iterator at \(path) runs: \(e.description)"
        case let .mapCheck(program, mapID, e):
            return "program \(program): the kernel refused it for the link's map (id \(mapID)), as it would when attaching"
                + " (its reads exceed the map's key or value): \(e.description)"
        case let .unsupported(path, e):
            return "can't update \(path): this kernel cannot replace the program of an iterator link"
                + " (BPF_LINK_UPDATE for iterators needs Linux 5.8 or later): \(e.description)"
        case let .programChanged(path, was, now):
            let current = now.map { "now program \($0)" } ?? "now gone"
            return "the program of the iterator at \(path) changed meanwhile (was program \(was), \(current));"
                + " nothing was replaced: \(Errno.EPERM.description)"
        case let .refused(path, e): return "can't update \(path): BPF_LINK_UPDATE failed: \(e.description)"
        }
    }
}

extension IteratorObject {
    /// Replaces the program of the iterator pinned at `path` with one of this object (the first
    /// iterator program, or `program`), in place (BPF_LINK_UPDATE): the pin never disappears, its
    /// link id stays, a reader that opens it afterwards runs the new program. The target must be
    /// the link's; its options (map, task, cgroup) stay those it was created with, and a
    /// `task main_thread_only` filter of the old program is put in front of the new one. The old
    /// program is named in the update (BPF_F_REPLACE), so a concurrent update is detected, not
    /// overwritten. The new program's maps are new (`.bss` starts from zero) unless pinned by name;
    /// `settings` give its global variables values, as for `makeIterator`.
    ///
    /// - Throws: `IteratorError` (`.update` for what concerns the pin and the link); the link is
    ///   left as it was.
    public func update(
        pinnedAt path: FilePath, program: String? = nil, settings: [VariableAssignment] = [], verifierLog: Bool = false,
        trace: (String) -> Void = { _ in }
    ) throws(IteratorError) -> IteratorUpdate {
        try update(pinnedAt: path, program: program, settings: settings, verifierLog: verifierLog, trace: trace, beforeReplacing: {})
    }

    /// The same, calling `beforeReplacing` just before BPF_LINK_UPDATE (tests race it there).
    package func update(
        pinnedAt path: FilePath, program: String?, settings: [VariableAssignment] = [], verifierLog: Bool, trace: (String) -> Void,
        beforeReplacing: () -> Void
    ) throws(IteratorError) -> IteratorUpdate {
        do { try PinnedIterator.checkPath(path) } catch { throw .pinned(error) }
        let link: OwnedDescriptor
        do { link = OwnedDescriptor(try BPFObject.get(path)) } catch {
            throw .update(.open(path, error))
        }
        let kind: BPFObjectKind
        do { kind = try BPFObject.kind(of: link.fd) } catch { throw .update(.open(path, error)) }
        guard kind == .link else { throw .update(.notALink(path, kind)) }
        let info: LinkInfo
        do { info = try BPFLink.info(link.fd) } catch { throw .update(.linkInfo(path, error)) }
        guard info.type == BPF_LINK_TYPE_ITER.rawValue else { throw .update(.notAnIteratorLink(path, linkType: info.type)) }

        // The target first: a program for another one costs nothing to refuse.
        let chosen: ObjectProgram
        do { chosen = file.programs[try Planner.selectProgram(file, options: PlanOptions(programName: program))] } catch {
            throw .object(path: self.path, ObjectError(error))
        }
        guard chosen.kind.target == info.iteratorTarget else {
            throw .update(.targetDiffers(program: chosen.name, target: chosen.kind.target, path: path, linkTarget: info.iteratorTarget))
        }
        trace("link \(info.id) at \(path): target \(info.iteratorTarget), program \(info.programID)")

        // The program it runs now, held from here on: BPF_F_REPLACE names it, so an update by
        // someone else while this one loads is refused instead of silently undone.
        let old: OwnedDescriptor
        do { old = OwnedDescriptor(try BPFProgram.fd(id: info.programID)) } catch {
            if error == .ENOENT { throw .update(.programChanged(path, was: info.programID, now: IteratorObject.programID(of: link))) }
            throw .update(.oldProgram(path, id: info.programID, error))
        }
        // Whether it starts with iter's main_thread_only filter needs the kernel's offsets: the
        // kernel's BTF is opened here, once, and planning is given it. It is indexed looking up
        // every name planning may need with the filter on (the filter's structs are the only
        // names it adds), so planning walks it no more.
        var kernel: KernelTypes
        do {
            let names = try Planner.kernelNameQuery(file, options: PlanOptions(programName: program, mainThreadOnly: true))
            kernel = try IteratorObject.openKernel(lookingUp: names, trace: trace)
        } catch {
            throw .object(path: self.path, ObjectError(error))
        }
        kernel.names = KernelNames.make(for: kernel.vmlinux)
        let oldCode = (try? BPFProgram.translatedInstructions(old.fd)) ?? []
        let mainThreadOnly = MainThreadFilter.isApplied(translated: oldCode, target: chosen.kind.target, kernel: kernel)
        if mainThreadOnly { trace("program \(info.programID) filters main threads (task main_thread_only): so will the new one") }
        let loaded = try load(
            program: program, mainThreadOnly: mainThreadOnly, settings: settings, kernel: kernel, verifierLog: verifierLog,
            trace: trace
        ) { (_, _) throws(IteratorError) in }
        let newProgram = loaded.selectedProgram
        let newID = (try? BPFProgram.info(newProgram.fd))?.id ?? 0

        // A map-element program's reads are checked against the map when it is attached, and
        // never on update: attach it to the link's map once (and drop that link) so the kernel
        // makes the check it would make for a new iterator.
        if IteratorTargets.option(of: info.iteratorTarget) == .map, info.mapID != 0 {
            do {
                let map = try BPFMap.fd(id: info.mapID, readOnly: true)
                let trial = try BPFLink.createIterator(program: newProgram.fd, options: .map(map))
                _ = consume trial
                _ = consume map
            } catch {
                loaded.unpinMaps()
                throw .update(.mapCheck(program: chosen.name, mapID: info.mapID, error))
            }
            trace("program \(chosen.name) accepted for map \(info.mapID)")
        }

        beforeReplacing()
        do {
            try BPFLink.update(link.fd, program: newProgram.fd, replacing: old.fd)
        } catch {
            loaded.unpinMaps()
            let now = IteratorObject.programID(of: link)
            switch error {
            case .EPERM where now != info.programID: throw .update(.programChanged(path, was: info.programID, now: now))
            case .EINVAL: throw .update(.unsupported(path, error))
            default: throw .update(.refused(path, error))
            }
        }
        trace("link \(info.id): program \(info.programID) replaced by program \(newID) (\(chosen.name))")
        return IteratorUpdate(
            path: path, linkID: info.id, target: info.iteratorTarget, program: chosen.name,
            section: chosen.sectionName, oldProgramID: info.programID, newProgramID: newID,
            mainThreadOnly: mainThreadOnly)
    }

    /// The program a link runs now; nil if its info cannot be read.
    static func programID(of link: OwnedDescriptor) -> UInt32? {
        (try? BPFLink.info(link.fd))?.programID
    }
}
