import Foundation
import Testing

/// Paths are bytes, not Unicode: a pin path or an object path that is not UTF-8 reaches the
/// system calls byte for byte, is printed escaped (`\xff`, documented in iter(8)), and `show PATH`
/// finds what `show` printed. Arguments that are not UTF-8 cannot go through Foundation's Process
/// (its arguments are Strings), so these tests spell them with printf in sh.
@Suite("paths that are not UTF-8", .enabled(if: Repo.isRoot, Repo.needsRoot), .serialized)
struct BytePathTests {
    /// `printf` spelling of a path with the byte 0xff in it: `DIR/bad\377name`.
    static func raw(_ directory: String, _ name: String = "bad\\377name") -> String {
        "\"$(printf '%s/\(name)' '\(directory)')\""
    }

    @Test(
        "pin creates the pin under exactly those bytes; show prints it escaped; show PATH finds it both ways",
        arguments: Repo.binaries)
    func pinAndShow(binary: String) throws {
        let dir = try BPFFSDirectory("bytes")
        let pinned = try sh("'\(binary)' pin '\(Repo.fixture("iter_counter.bpf.o"))' \(Self.raw(dir.path))")
        #expect(pinned.status == 0, "\(pinned)")
        // The directory holds exactly the bytes given: b a d 0xff n a m e.
        let listing = try sh("ls '\(dir.path)' | od -An -tx1 | tr -s ' \\n' ' '")
        #expect(listing.stdout == " 62 61 64 ff 6e 61 6d 65 0a ", "\(listing)")
        #expect(try sh("cat \(Self.raw(dir.path)) | head -1").stdout == "count 3\n")

        let escaped = dir.path + "/bad\\xffname"
        let shown = try run(binary, ["show"])
        #expect(shown.status == 0, "\(shown)")
        #expect(shown.stdout.contains("\tpinned \(escaped)  mode "), "escaped in show: \(shown)")
        let byEscape = try run(binary, ["show", escaped])
        #expect(byEscape.status == 0 && byEscape.stdout.contains("\tpinned \(escaped)  mode "), "show PATH with the escape: \(byEscape)")
        let byBytes = try sh("'\(binary)' show \(Self.raw(dir.path))")
        #expect(byBytes.status == 0 && byBytes.stdout.contains("\tpinned \(escaped)  mode "), "show PATH with the bytes: \(byBytes)")

        // JSON: the same escape, as a JSON string (the backslash escaped): valid JSON, one line.
        let json = try run(binary, ["-j", "show", escaped])
        #expect(json.status == 0, "\(json)")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect((decoded?.first?["pinned"] as? [String]) == [escaped], "\(json)")
    }

    @Test("pin -j names the pin with the escape", arguments: Repo.binaries)
    func pinJSON(binary: String) throws {
        let dir = try BPFFSDirectory("bytesj")
        let pinned = try sh("'\(binary)' -j pin '\(Repo.fixture("iter_counter.bpf.o"))' \(Self.raw(dir.path))")
        #expect(pinned.status == 0, "\(pinned)")
        let decoded = try JSONSerialization.jsonObject(with: Data(pinned.stdout.utf8)) as? [String: Any]
        #expect(decoded?["path"] as? String == dir.path + "/bad\\xffname", "\(pinned)")
    }

    @Test("a pin path with a control character is escaped too, and found by its escape", arguments: Repo.binaries)
    func controlCharacter(binary: String) throws {
        let dir = try BPFFSDirectory("bytesc")
        let pinned = try sh("'\(binary)' pin '\(Repo.fixture("iter_counter.bpf.o"))' \(Self.raw(dir.path, "tab\\011name"))")
        #expect(pinned.status == 0, "\(pinned)")
        let escaped = dir.path + "/tab\\x09name"
        let shown = try run(binary, ["show", escaped])
        #expect(shown.status == 0 && shown.stdout.contains("\tpinned \(escaped)  mode "), "\(shown)")
    }

    @Test(
        "an object whose file name is not UTF-8 is read, and its maps are named as libbpf names them",
        arguments: Repo.binaries)
    func objectName(binary: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("iter-bytes-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // hst<0xff>.bpf.o: object name "hst\xff", global data maps "hst_.rodata", "hst_.bss", "hst_.data"
        // (libbpf turns each byte it does not allow into one '_').
        let object = Self.raw(scratch, "hst\\377.bpf.o")
        #expect(try sh("cp '\(Repo.fixture("iter_counter.bpf.o"))' \(object)").status == 0)
        let ran = try sh("'\(binary)' run \(object) | head -1")
        #expect(ran.stdout == "count 3\n", "\(ran)")

        let dir = try BPFFSDirectory("bytesobj")
        let pinned = try sh("'\(binary)' pin \(object) '\(dir.file("it"))'")
        #expect(pinned.status == 0, "\(pinned)")
        let maps = try run(binary, ["list", "maps"]).lines.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(maps.contains("hst_.rodata") && maps.contains("hst_.bss"), "\(maps.filter { $0.hasPrefix("hst") })")
        #expect(!maps.contains { $0.hasPrefix("hst___") }, "one '_' per byte, not per U+FFFD's three")

        let missing = try sh("'\(binary)' run \(Self.raw(scratch, "nothing\\377.o"))")
        #expect(
            missing.status == 254 && missing.stderr == "Error: can't open objfile \(scratch)/nothing\\xff.o: No such file or directory (ENOENT)\n",
            "\(missing)")
    }
}
