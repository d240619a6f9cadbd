@testable import BPFLoader
import Bytes
import Foundation
import Testing
import Deflate

/// Helpers for the gzip/DEFLATE and kernel-config tests: system tools as references, a seeded random
/// source, a bit writer for hand-made DEFLATE streams, and a plain bitwise CRC-32 to check against.
enum KconfigTestTools {
    struct ToolFailed: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        var description: String { "\(command) exited with \(status)" }
    }

    /// Runs `command` (looked up in PATH) with `input` on stdin and returns its stdout. Files, not pipes,
    /// so large inputs and outputs cannot deadlock.
    static func run(_ command: [String], input: [UInt8] = []) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kconfig-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inURL = directory.appendingPathComponent("in")
        let outURL = directory.appendingPathComponent("out")
        try Data(input).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let stdin = try FileHandle(forReadingFrom: inURL)
        let stdout = try FileHandle(forWritingTo: outURL)
        defer {
            try? stdin.close()
            try? stdout.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailed(command: command.joined(separator: " "), status: process.terminationStatus)
        }
        return [UInt8](try Data(contentsOf: outURL))
    }

    /// `gzip -<level> -n -c` of `data` (no name, no time stamp).
    static func gzip(_ data: [UInt8], level: Int) throws -> [UInt8] {
        try run(["gzip", "-\(level)", "-n", "-c"], input: data)
    }

    /// `gzip -dc` of `data`.
    static func gunzip(_ data: [UInt8]) throws -> [UInt8] {
        try run(["gzip", "-dc"], input: data)
    }

    /// zlib's deflate through Python: `wbits` -15 for raw DEFLATE, 31 for gzip; level 0 makes stored blocks.
    static func zlib(_ data: [UInt8], level: Int, wbits: Int) throws -> [UInt8] {
        let script = """
        import sys, zlib
        c = zlib.compressobj(\(level), zlib.DEFLATED, \(wbits))
        sys.stdout.buffer.write(c.compress(sys.stdin.buffer.read()) + c.flush())
        """
        return try run(["python3", "-c", script], input: data)
    }

    static var hasPython: Bool { (try? run(["python3", "-c", "import zlib"])) != nil }

    /// Bitwise CRC-32 (no tables), to check the table-driven one and to build test headers.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func le32(_ v: UInt32) -> [UInt8] {
        [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
    }

    /// Wraps a raw DEFLATE stream of `original` in a minimal gzip member.
    static func gzipMember(deflate: [UInt8], original: [UInt8]) -> [UInt8] {
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + deflate + le32(crc32(original))
            + le32(UInt32(truncatingIfNeeded: original.count))
    }

    /// Decompresses and returns the error, failing the test if there was none.
    static func gzipError(_ data: [UInt8], limit: Int = 1 << 26) -> InflateError? {
        do {
            _ = try Gzip.decompress(ByteView(data), limit: limit)
            return nil
        } catch {
            return error
        }
    }

    static func inflateError(_ data: [UInt8], limit: Int = 1 << 26) -> InflateError? {
        do {
            _ = try Inflate.decompress(ByteView(data), limit: limit)
            return nil
        } catch {
            return error
        }
    }
}

/// SplitMix64: reproducible test data.
struct KconfigRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// Writes DEFLATE bit streams by hand: fields LSB first, Huffman codes most significant bit first.
struct KconfigBitWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 0

    mutating func bits(_ value: Int, _ count: Int) {
        for i in 0..<count {
            if used == 0 { bytes.append(0) }
            if (value >> i) & 1 != 0 { bytes[bytes.count - 1] |= UInt8(1 << used) }
            used = (used + 1) & 7
        }
    }

    mutating func code(_ code: Int, _ length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { bits((code >> i) & 1, 1) }
    }

    /// Starts a dynamic block: BFINAL, BTYPE 2, HLIT, HDIST, then code-length code lengths given in
    /// symbol order (0...18) and written in the format's order.
    mutating func dynamicHeader(final: Bool = true, literals: Int, distances: Int, codeLengthLengths: [Int: Int]) {
        bits(final ? 1 : 0, 1)
        bits(2, 2)
        bits(literals - 257, 5)
        bits(distances - 1, 5)
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var count = 19
        while count > 4 && codeLengthLengths[order[count - 1]] == nil { count -= 1 }
        bits(count - 4, 4)
        for symbol in order.prefix(count) { bits(codeLengthLengths[symbol] ?? 0, 3) }
    }
}
