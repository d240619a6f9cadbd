import Foundation
import Testing
import TestSupport

/// The committed bad-input corpus through the binaries: for each file of `BadCorpus.table`,
/// `iter pin FILE DIR/it` exits with the status in the table and writes exactly one line,
/// `Error: <bpftool's words> FILE: <reason>`; nothing is pinned and nothing goes to stdout.
/// (IterCommandTests checks the same table at library level, as any user, against the snapshot.)
@Suite("bad-input corpus: one clear error per file")
struct BadCorpusTests {
    @Test("iter pin on each bad file", .enabled(if: Repo.isRoot, "needs root: pins on bpffs, and reads the host's kernel BTF"),
          arguments: Repo.binaries, BadCorpus.table)
    func badFile(binary: String, row: BadCorpus.Row) throws {
        let dir = try BPFFSDirectory("badcorpus")
        let outcome = try run(binary, ["pin", row.path, dir.file("it")])
        #expect(outcome.status == row.status, "\(outcome)")
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 2 && lines[1].isEmpty, "exactly one line: \(outcome)")
        let prefix = "Error: \(row.words) \(row.path): "
        let line = lines.first ?? ""
        #expect(line.hasPrefix(prefix), "\(outcome)")
        #expect(line.dropFirst(prefix.count).contains(row.reason), "expected '\(row.reason)': \(outcome)")
        #expect(outcome.stdout.isEmpty, "\(outcome)")
        #expect(dir.entries.isEmpty, "nothing pinned: \(dir.entries)")
    }
}
