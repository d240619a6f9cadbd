import Foundation
import Testing

/// Out of memory (prlimit --as): every command either works or says `Error: out of memory (…)`
/// and exits with 256 - ENOMEM; none dies by a signal (Embedded Swift traps on a failed
/// allocation: the static binaries wrap the allocator). Only the static binary: the debug build
/// cannot even load the Swift runtime's shared libraries in a few megabytes.
@Suite(
    "out of memory", .enabled(if: Repo.isRoot, Repo.needsRoot),
    .enabled(if: Repo.binaries.count > 1, Repo.needsStaticBinary), .serialized)
struct OutOfMemoryTests {
    static var binary: String { Repo.binaries.last ?? "" }

    /// Address-space limits from too small for the kernel's BTF mapping to enough for everything.
    /// (Below about 2.5 MB the kernel cannot even map the 2 MB binary and kills the exec.)
    static let limits = [3_000_000, 4_000_000, 6_000_000, 8_192_000, 10_000_000, 16_000_000, 64_000_000]

    static let commands: [[String]] = [
        ["version"], ["help"], ["list"], ["-j", "list"], ["list", "maps"], ["show"],
        ["run", Repo.fixture("iter_counter.bpf.o")], ["run", Repo.fixture("iter_map_in_map.bpf.o")],
        ["run", "/dev/zero"],
    ]

    @Test("each command works or says it ran out of memory", arguments: limits)
    func commands(limit: Int) throws {
        for command in Self.commands {
            let outcome = try run("/usr/bin/prlimit", ["--as=\(limit)", "--", Self.binary] + command, timeout: 30)
            let what = "\(command) under --as=\(limit): \(outcome)"
            #expect(outcome.signal == nil && !outcome.timedOut, "no signal death: \(what)")
            if outcome.status == 256 - 12 {
                // Under -j the line is JSON on stdout, unless memory ran out in libc's start-up,
                // before iter read its arguments.
                let plain = outcome.stderr.hasPrefix("Error: out of memory (an allocation of") && outcome.stderr.hasSuffix(" bytes failed)\n")
                let json = outcome.stdout.hasPrefix("{\"error\":\"out of memory (an allocation of") && outcome.stdout.hasSuffix(" bytes failed)\"}\n")
                #expect(command.first == "-j" ? json || plain : plain, "\(what)")
            } else {
                #expect(outcome.status == 0 || outcome.stderr.hasPrefix("Error: "), "\(what)")
            }
        }
    }

    @Test("a pin that runs out of memory leaves nothing behind", arguments: limits)
    func pin(limit: Int) throws {
        let dir = try BPFFSDirectory("oom")
        let outcome = try run(
            "/usr/bin/prlimit",
            [
                "--as=\(limit)", "--", Self.binary, "pin", Repo.fixture("iter_counter.bpf.o"),
                dir.file("it"),
            ], timeout: 30)
        #expect(outcome.signal == nil && !outcome.timedOut, "\(outcome)")
        if outcome.status == 0 {
            #expect(try readPinned(dir.file("it")).hasPrefix("count 3\n"))
        } else {
            #expect(outcome.status == 256 - 12 && outcome.stderr.hasPrefix("Error: out of memory"), "\(outcome)")
            #expect(dir.entries.isEmpty, "nothing pinned")
        }
    }
}
