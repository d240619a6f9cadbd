@testable import BPFLoader
import Foundation
import IterCommand
import SyscallBPF
import Testing
import TestSupport

/// The bad-input corpus at library level, as any user and with no kernel: each file of
/// `BadCorpus.table` is opened and planned against the committed kernel snapshot with fixed facts,
/// and the failure is rendered as the command line renders it (`CommandFailure`): the message iter
/// prints after `Error: ` and the exit status. EndToEndTests checks the same table through the
/// binaries, as root.
@Suite("bad-input corpus at library level: the command's message for each file")
struct BadCorpusLibraryTests {
    /// What `iter pin FILE` reports about FILE up to loading it, with the snapshot as the kernel;
    /// nil if it opens and plans.
    static func failure(_ path: String) throws -> CommandFailure? {
        let object: IteratorObject
        do {
            object = try IteratorObject(path: path)
        } catch {
            guard case let .object(_, objectError) = error else {
                Issue.record("opening \(path) failed outside the object: \(error)")
                return nil
            }
            return CommandFailure(objectError.cause, object: FilePath(path))
        }
        let kernel = try KernelSnapshot.kernel(), facts = try KernelSnapshot.facts()
        do {
            _ = try Planner.plan(object.file, kernel: kernel, facts: facts)
        } catch {
            return CommandFailure(error, object: FilePath(path))
        }
        return nil
    }

    @Test("the table has a row for every file of the corpus, and a file for every row")
    func tableMatchesCorpus() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: BadCorpus.directory.path)
            .filter { $0.hasSuffix(".o") }.map { String($0.dropLast(2)) }
        let rows = BadCorpus.table.map { $0.name }
        #expect(Set(rows).count == rows.count, "a name appears twice in the table")
        #expect(Set(files).subtracting(rows).sorted() == [], "files without a row")
        #expect(Set(rows).subtracting(files).sorted() == [], "rows without a file (run make.py)")
    }

    @Test("each bad file fails to open or plan with its message and exit status", arguments: BadCorpus.table)
    func badFile(row: BadCorpus.Row) throws {
        let failure = try #require(try Self.failure(row.path), "\(row.name) opened and planned")
        let prefix = "\(row.words) \(row.path): "
        #expect(failure.message.hasPrefix(prefix), "\(failure.message)")
        #expect(failure.message.dropFirst(prefix.count).contains(row.reason), "expected '\(row.reason)': \(failure.message)")
        #expect(!failure.message.contains("\n"), "one line: \(failure.message)")
        #expect(failure.exitCode == row.status, "\(failure.message)")
    }
}
