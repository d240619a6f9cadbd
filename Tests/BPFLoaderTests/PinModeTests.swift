import BPFLoader
import Foundation
import Testing

/// `pin … mode MODE`: chmod's grammar and meaning, checked against coreutils chmod itself on a
/// scratch file (no root needed), for every combination below.
@Suite("pin mode: chmod's octal and symbolic modes")
struct PinModeTests {
    static let expressions = [
        "0644", "644", "0", "7777", "4755", "0600", "00644",
        "u+rw,g+r,o-rwx", "a=r", "+x", "-w", "=", "=r", "+s", "+t", "a+X", "u+x,a+X", "+X",
        "g=u", "o=g", "go=u-w", "u=", "u+s", "g+s", "o+s", "o+t", "u+t", "a-s", "ug+rw-x", "=rwx",
        "u+rwx,g=rx,o=", "a+r,g+w", "u=rw,go=r", "ugo+r", "-", "a+rwxXst", "u-rwx+r", "o=u,u=g,g=o", "a=", "u+",
        "g-s,u-s", "a+x,a-X", "ua+w",
    ]
    static let invalid = [
        "", "u", "ug", "u+q", "8", "10000", "77777", "a+r,", ",a+r", "g=ur", "u+r=wu", "x",
        "0x644", "u+r g+w", "+R", "u=+r,,", "0644 ", "a+r:",
    ]

    /// The mode coreutils chmod gives a file of mode `start` with `umask` (nil if it refuses).
    static func chmod(_ expression: String, start: UInt32, umask: UInt32, in directory: String) throws -> UInt32? {
        let file = directory + "/f"
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        defer { unlink(file) }
        #expect(Foundation.chmod(file, mode_t(start)) == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `--` so a mode starting with '-' is not an option; chmod exits 1 (with a warning) when
        // the umask kept a bit from being set, which is not a refusal: the mode tells.
        process.arguments = ["-c", "umask \(String(umask, radix: 8)); chmod -- \"$1\" \"$2\" 2>/dev/null; echo $?", "sh", expression, file]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var info = stat()
        #expect(stat(file, &info) == 0)
        let mode = UInt32(info.st_mode) & 0o7777
        if status.hasPrefix("1"), mode == start {
            // Refused as invalid, or a no-op that warned: tell them apart by asking it to parse only.
            let probe = try run("/bin/sh", ["-c", "chmod -- \"$1\" /dev/null 2>&1 | grep -q 'invalid mode'", "sh", expression])
            if probe == 0 { return nil }
        }
        return mode
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("every mode gives what chmod gives, from several modes and umasks")
    func agreesWithChmod() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iter-pinmode-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for expression in Self.expressions {
            let mode = try PinMode(parsing: expression)
            for start: UInt32 in [0o600, 0o644, 0o700, 0o755, 0o000, 0o4711, 0o1640] {
                for umask: UInt32 in [0o022, 0o077, 0o000, 0o027] {
                    let expected = try Self.chmod(expression, start: start, umask: umask, in: directory)
                    #expect(
                        expected == mode.applied(to: start, umask: umask),
                        "chmod \(expression) on \(String(start, radix: 8)) with umask \(String(umask, radix: 8))")
                }
            }
        }
    }

    @Test("what chmod refuses is refused, with one clear message")
    func refusesWhatChmodRefuses() throws {
        for expression in Self.invalid {
            #expect(throws: PinModeError.self, "\(expression)") { try PinMode(parsing: expression) }
            let chmodRefuses = try Self.run("/bin/sh", ["-c", "chmod -- \"$1\" /dev/null 2>&1 | grep -q 'invalid mode'", "sh", expression]) == 0
            #expect(chmodRefuses || expression.isEmpty, "chmod accepts '\(expression)'")
        }
        #expect(throws: PinModeError.missingOperator("ug")) { try PinMode(parsing: "ug") }
        #expect(throws: PinModeError.invalid("u+q", at: UInt8(ascii: "q"))) { try PinMode(parsing: "u+q") }
        #expect(throws: PinModeError.outOfRange("10000")) { try PinMode(parsing: "10000") }
        #expect(Self.message("g=ur") == "mode 'g=ur': unexpected 'r'; expected octal such as 0644 or symbolic such as u=rw,go=r (as chmod takes it)")
    }

    static func message(_ text: String) -> String? {
        do {
            _ = try PinMode(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("an octal mode is the mode, whatever the file's and the umask")
    func octal() throws {
        let mode = try PinMode(parsing: "0644")
        #expect(mode.form == .absolute(0o644))
        #expect(mode.applied(to: 0o600, umask: 0o077) == 0o644)
        #expect(try PinMode(0o640).text == "0640")
        #expect(throws: PinModeError.self) { try PinMode(0o10000) }
    }
}
