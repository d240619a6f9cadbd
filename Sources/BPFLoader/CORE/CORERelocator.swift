import BTFParser
import Bytes

/// CO-RE: relating the field offsets, sizes, type ids and enum values a program was compiled with
/// (its own BTF) to the running kernel's (vmlinux BTF, module BTF), following the rules of the
/// kernel's and libbpf's relo_core.c.
///
/// Two steps, so each is tested alone: `relocate` is pure and returns one `COREFixup` per record
/// (the decision, with texts for `-d` and for poisoned instructions); `apply` writes them.
package enum CORERelocator {
    /// Computes the fixups for the CO-RE records of one ELF section.
    ///
    /// - Parameters:
    ///   - local: the object's BTF (the records' type ids and access strings refer to it).
    ///   - candidates: for each local root type the records name, the kernel types (in vmlinux or
    ///     module BTF) it may stand for, found beforehand (`CORECandidateIndex`), as relo_core.c
    ///     takes them from its caller: relocating reads no kernel BTF beyond those.
    ///   - records: the section's records from `.BTF.ext`, in file order (`relo #N` is the index).
    ///   - instructions: the section's instructions as decoded, before any other relocation.
    ///   - section, program: for messages.
    ///   - including: which records to relocate (those of code that is loaded); the others are
    ///     skipped, and the numbering of the rest is kept.
    /// - Returns: one fixup per included record, in record order.
    /// - Throws: `COREError` for what libbpf also refuses: malformed records, ambiguous candidates,
    ///   instructions that do not hold the value the object's BTF predicts.
    package static func relocate(local: BTF, candidates: CORECandidateIndex, records: [CORERelocationRecord],
                                instructions: [BPFInstruction], section: String, program: String,
                                including: (CORERelocationRecord) -> Bool = { _ in true }) throws(COREError) -> [COREFixup] {
        guard !records.isEmpty else { return [] }
        var candidates = candidates
        var fixups: [COREFixup] = []
        fixups.reserveCapacity(records.count)
        for (number, record) in records.enumerated() where including(record) {
            do {
                fixups.append(try relocate(record, number: number, local: local, candidates: &candidates,
                                           instructions: instructions, section: section, program: program))
            } catch {
                throw error.error(program: program, relocation: number, instruction: Int(record.instructionOffset / 8))
            }
        }
        return fixups
    }

    /// Writes `fixups` into the section's instructions: new immediates and offsets, memory sizes,
    /// poisoned calls. Each instruction is checked again first (form, expected old value), so a
    /// fixup computed for other instructions is refused rather than written.
    package static func apply(_ fixups: [COREFixup], to instructions: inout [BPFInstruction]) throws(COREError) {
        for fixup in fixups {
            let patch: COREPatch
            do {
                patch = try COREPatch.plan(fixup.computed, at: fixup.instruction, in: instructions)
            } catch {
                throw error.error(program: fixup.program, relocation: fixup.relocation, instruction: fixup.instruction)
            }
            patch.write(at: fixup.instruction, into: &instructions)
        }
    }

    /// Poisoned instructions of `fixups`, by instruction index in the section, for
    /// `COREVerifierLog.explain` (the caller shifts the indices to where the section's code lands
    /// in the linked program).
    package static func poisonNotes(_ fixups: [COREFixup]) -> [Int: COREPoisonNote] {
        var notes: [Int: COREPoisonNote] = [:]
        for fixup in fixups {
            if let note = fixup.poisonNote { notes[fixup.instruction] = note }
        }
        return notes
    }

    // MARK: - One record (bpf_core_calc_relo_insn)

    static func relocate(_ record: CORERelocationRecord, number: Int, local: BTF, candidates: inout CORECandidateIndex,
                         instructions: [BPFInstruction], section: String, program: String) throws(COREProblem) -> COREFixup {
        guard record.instructionOffset % UInt32(BPFInstruction.size) == 0 else {
            throw .invalid("instruction offset \(record.instructionOffset) is not a multiple of \(BPFInstruction.size)")
        }
        let instruction = Int(record.instructionOffset) / BPFInstruction.size
        guard instruction < instructions.count else {
            throw .invalid("instruction offset \(record.instructionOffset) is beyond the \(instructions.count) instructions of section '\(section)'")
        }
        let localType = try local.coreType(record.typeID)
        let localSpec = try CORESpec.parse(record, in: local)
        let localText = localSpec.text(local)

        var result: COREResult
        var targetText: String? = nil
        var failure: String? = nil
        if record.kind == .typeIDLocal {
            // The object's own type id: nothing to look up, and linking may renumber it, so the
            // instruction's current value is not checked.
            result = COREResult(oldValue: UInt64(record.typeID), newValue: UInt64(record.typeID), validate: false)
        } else {
            let localName = local.name(of: record.typeID)
            guard !localName.isEmpty else {
                throw .unsatisfiable("\(record.kind) relocation on anonymous [\(record.typeID)] \(CORESpec.kindName(localType.kind)): "
                                     + "only named types can be found in the kernel")
            }
            let found = candidates.candidates(for: record.typeID)
            var chosen: (spec: CORESpec, candidate: CORECandidate, result: COREResult)? = nil
            var matching: [CORECandidate] = []
            for candidate in found {
                let target = candidates.targets[candidate.target].btf
                guard let spec = try COREMatch.matchSpec(localSpec, localBTF: local, target: target, targetID: candidate.id) else {
                    continue
                }
                let candidateResult = try CORECalc.result(record.kind, local: localSpec, localBTF: local,
                                                          target: spec, targetBTF: target)
                if let first = chosen {
                    // Duplicates (BTF dedup is not perfect) are fine as long as they agree.
                    guard spec.bitOffset == first.spec.bitOffset else {
                        throw .ambiguous("kernel types [\(first.candidate.id)] and [\(candidate.id)] place '\(localSpec.path(local))' "
                                         + "at different bit offsets (\(first.spec.bitOffset) != \(spec.bitOffset))")
                    }
                    guard candidateResult.poison == first.result.poison, candidateResult.newValue == first.result.newValue else {
                        throw .ambiguous("kernel types [\(first.candidate.id)] and [\(candidate.id)] give different \(record.kind) "
                                         + "values for '\(localSpec.path(local))' (\(first.result.newValue) != \(candidateResult.newValue))")
                    }
                } else {
                    chosen = (spec, candidate, candidateResult)
                }
                matching.append(candidate)
            }
            candidates.prune(record.typeID, to: matching)

            if let chosen {
                result = chosen.result
                let target = candidates.targets[chosen.candidate.target]
                targetText = chosen.spec.text(target.btf) + (chosen.candidate.target == 0 ? "" : " in module '\(target.name)'")
            } else {
                result = try CORECalc.result(record.kind, local: localSpec, localBTF: local, target: nil, targetBTF: nil)
            }
            if result.poison {
                failure = notFound(record.kind, localSpec, local, localType: localType, hadCandidates: !found.isEmpty)
            }
        }

        let patch = try COREPatch.plan(result, at: instruction, in: instructions)
        if patch == .poisonUnsafeResize {
            failure = "field '\(localSpec.path(local))' is \(result.newSize) bytes in the kernel and \(result.oldSize) in the program: "
                + "only pointers and unsigned integers can be read at another size"
        }
        return COREFixup(program: program, section: section, relocation: number, instruction: instruction, kind: record.kind,
                         localSpec: localText, targetSpec: targetText, oldValue: result.oldValue, newValue: result.newValue,
                         failure: failure, computed: result, patch: patch)
    }

    /// Why a relocation found nothing: `field 'task_struct.foo' not found in kernel`.
    static func notFound(_ kind: CORERelocationKind, _ spec: CORESpec, _ local: BTF, localType: BTFType,
                         hadCandidates: Bool) -> String {
        let what = kind.isEnumValueBased ? "enum value" : kind.isFieldBased ? "field" : "type"
        var reason = "\(what) '\(spec.path(local))' not found in kernel"
        if !hadCandidates {
            let root = CORENames.essential(local.name(of: spec.rootTypeID))
            reason += " (no \(CORESpec.kindName(localType.kind)) '\(root)' in kernel BTF)"
        }
        return reason
    }
}
