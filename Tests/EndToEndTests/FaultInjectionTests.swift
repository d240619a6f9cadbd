import Foundation
import Testing

/// scripts/faults.sh: every system call of a pin failed in turn (strace -e inject), a fatal signal
/// brought at each, and the undo failed too, in five mount layouts, each checked to leave nothing
/// behind. The static binary only: with no shared library to open, the calls are iter's own.
@Suite(
    "fault injection", .enabled(if: Repo.isRoot, Repo.needsRoot),
    .enabled(if: Repo.binaries.count > 1, Repo.needsStaticBinary),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "needs strace"))
struct FaultInjectionTests {
    @Test("each failing system call and each signal of a pin leaves nothing behind", .timeLimit(.minutes(15)))
    func faults() throws {
        let outcome = try run(
            "/bin/bash", [Repo.root.appendingPathComponent("scripts/faults.sh").path, Repo.binaries.last ?? ""],
            timeout: 900)
        #expect(outcome.status == 0, "\(outcome)")
        let summary = try #require(outcome.stdout.split(separator: "\n").last.map(String.init), "\(outcome)")
        #expect(
            summary.hasPrefix("faults: ")
                && summary.hasSuffix(
                    "0 left something behind, 0 died by a signal, 0 hung"),
            "\(outcome)")
    }
}
