/// Reading a verifier log back in terms of CO-RE relocations.
///
/// A relocation that found nothing in the kernel poisons its instruction with `call 0xbad2310`.
/// If the verifier reaches it, all it can say is
///
///     123: (85) call unknown#195896080
///     invalid func unknown#195896080
///
/// This finds that instruction and names the relocation instead (libbpf rewrites its log the same
/// way): `relo #3: field 'task_struct.foo' not found in kernel`.
package enum COREVerifierLog {
    /// The poisoned call's immediate, 0xbad2310 ("bad relo"), as the verifier prints it.
    package static let poisonMarker: Int32 = 0xbad2310

    private static let callText = Array("call unknown#195896080".utf8)
    private static let invalidText = Array("invalid func unknown#195896080".utf8)

    /// The explanation of a log that stops at a poisoned call: the note of the poisoned
    /// instruction the verifier reached, by its index in the loaded (linked) program.
    /// nil when the log does not end that way or names an instruction not in `poisoned`.
    package static func explain(_ log: String, poisoned: [Int: COREPoisonNote]) -> COREPoisonNote? {
        let lines = splitLines(log)
        guard let failing = lines.lastIndex(where: { contains($0, invalidText) }) else { return nil }
        if let index = instructionIndex(before: failing, in: lines), let note = poisoned[index] {
            return note
        }
        // The instruction line may have been cut from a truncated log; with one poisoned
        // instruction there is no doubt which one it was.
        if poisoned.count == 1, let only = poisoned.first { return only.value }
        return nil
    }

    /// Index of the poisoned call the verifier rejected, from the instruction line printed just
    /// before `invalid func unknown#195896080`; nil if the log does not show one.
    package static func failedInstruction(in log: String) -> Int? {
        let lines = splitLines(log)
        guard let failing = lines.lastIndex(where: { contains($0, invalidText) }) else { return nil }
        return instructionIndex(before: failing, in: lines)
    }

    /// The nearest `N: (85) call unknown#195896080` line above line `failing`.
    private static func instructionIndex(before failing: Int, in lines: [ArraySlice<UInt8>]) -> Int? {
        var i = failing - 1
        while i >= 0 {
            if let index = poisonedCallIndex(lines[i]) { return index }
            i -= 1
        }
        return nil
    }

    /// `123: (85) call unknown#195896080` → 123 (leading blanks allowed).
    private static func poisonedCallIndex(_ line: ArraySlice<UInt8>) -> Int? {
        var at = line.startIndex
        while at < line.endIndex, line[at] == UInt8(ascii: " ") || line[at] == UInt8(ascii: "\t") { at += 1 }
        var value = 0
        var digits = 0
        while at < line.endIndex, line[at] >= UInt8(ascii: "0"), line[at] <= UInt8(ascii: "9") {
            guard value < Int(Int32.max) / 10 else { return nil }
            value = value * 10 + Int(line[at] - UInt8(ascii: "0"))
            digits += 1
            at += 1
        }
        guard digits > 0, at < line.endIndex, line[at] == UInt8(ascii: ":"), contains(line[at...], callText) else { return nil }
        return value
    }

    private static func splitLines(_ text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return needle.isEmpty }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
