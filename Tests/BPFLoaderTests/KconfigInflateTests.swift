@testable import BPFLoader
import Bytes
import Foundation
import Testing
@testable import Deflate

/// Inputs that exercise every kind of block and match: compressed by the system gzip and by zlib.
enum KconfigSamples {
    static let all: [(name: String, data: [UInt8])] = {
        var random = KconfigRandom(seed: 0x6b63_6f6e_6669_67)
        var samples: [(String, [UInt8])] = [
            ("empty", []),
            ("one byte", [0x41]),
            ("random 1000", random.bytes(1000)),
            ("random 100000", random.bytes(100_000)),
        ]
        var text = ""
        for i in 0..<6000 {
            text += i % 7 == 0 ? "# CONFIG_OPTION_\(i) is not set\n" : "CONFIG_OPTION_\(i)=\(i % 3 == 0 ? "m" : "y")\n"
        }
        samples.append(("repetitive text", Array(text.utf8)))
        samples.append(("one run", [UInt8](repeating: 0x61, count: 300_000)))
        // Blocks repeated about 30000 bytes later, around random filler: matches near the window's far end.
        let chunk = random.bytes(10_000)
        var far: [UInt8] = []
        for _ in 0..<5 {
            far += chunk
            far += random.bytes(20_000)
        }
        samples.append(("far matches", far))
        // Short random words from a small alphabet: many short matches, many literals.
        var words: [UInt8] = []
        while words.count < 70_000 {
            for _ in 0..<(1 + random.below(8)) { words.append(UInt8(ascii: "a") + UInt8(random.below(6))) }
            words.append(0x20)
        }
        samples.append(("words", words))
        return samples
    }()
}

@Suite("Kconfig: gzip and DEFLATE")
struct KconfigInflateTests {
    @Test("round trip through the system gzip at levels 1, 6, 9", arguments: [1, 6, 9])
    func systemGzip(level: Int) throws {
        for (name, data) in KconfigSamples.all {
            let compressed = try KconfigTestTools.gzip(data, level: level)
            let inflated = try Gzip.decompress(ByteView(compressed), limit: 1 << 26)
            #expect(inflated == data, "\(name) at level \(level)")
        }
    }

    @Test("round trip through zlib: stored blocks (level 0), raw DEFLATE and gzip", arguments: [0, 1, 9])
    func zlibStreams(level: Int) throws {
        guard KconfigTestTools.hasPython else { return }
        for (name, data) in KconfigSamples.all {
            let raw = try KconfigTestTools.zlib(data, level: level, wbits: -15)
            #expect(try Inflate.decompress(ByteView(raw), limit: 1 << 26) == data, "raw \(name) at level \(level)")
            let (bytes, end) = try Inflate.decompress(ByteView(raw + [1, 2, 3]), from: 0, limit: 1 << 26)
            #expect(bytes == data && end == raw.count, "raw \(name): end of stream")
            let gz = try KconfigTestTools.zlib(data, level: level, wbits: 31)
            #expect(try Gzip.decompress(ByteView(gz), limit: 1 << 26) == data, "gzip \(name) at level \(level)")
        }
    }

    @Test("the real kernel config inflates as gzip -dc inflates it")
    func realConfig() throws {
        for path in ["/proc/config.gz"] + KconfigInflateTests.bootConfigs() where path.hasSuffix(".gz") {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { continue }
            let bytes = [UInt8](data)
            let expected = try KconfigTestTools.gunzip(bytes)
            let inflated = try Gzip.decompress(ByteView(bytes), limit: 64 << 20)
            #expect(inflated == expected, "\(path)")
        }
    }

    static func bootConfigs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        return names.filter { $0.hasPrefix("config-") }.map { "/boot/" + $0 }
    }

    @Test("concatenated members inflate to the concatenation")
    func multipleMembers() throws {
        let a = Array("first member\n".utf8)
        let b = Array(String(repeating: "second member ", count: 500).utf8)
        let file = try KconfigTestTools.gzip(a, level: 6) + KconfigTestTools.gzip([], level: 6)
            + KconfigTestTools.gzip(b, level: 9)
        #expect(try Gzip.decompress(ByteView(file), limit: 1 << 20) == a + b)
        #expect(try KconfigTestTools.gunzip(file) == a + b)
        // Garbage after the last member.
        #expect(KconfigTestTools.gzipError(file + [0x00, 0x00]) == .badMagic(offset: file.count, found: [0, 0]))
        #expect(KconfigTestTools.gzipError(file + [0x1f]) == .truncated(offset: file.count + 1))
    }

    @Test("a member cannot refer back into the previous member's data")
    func distanceAcrossMembers() throws {
        var w = KconfigBitWriter()
        w.bits(1, 1)
        w.bits(1, 2)
        w.code(0b000_0001, 7)  // length 3 (symbol 257)
        w.code(0, 5)  // distance 1
        w.code(0, 7)  // end of block
        let second = KconfigTestTools.gzipMember(deflate: w.bytes, original: [1, 1, 1])
        let file = try KconfigTestTools.gzip([1, 2, 3], level: 6) + second
        guard case .distanceTooFarBack(_, 1, 0)? = KconfigTestTools.gzipError(file) else {
            Issue.record("expected distanceTooFarBack, got \(String(describing: KconfigTestTools.gzipError(file)))")
            return
        }
    }

    @Test("optional header fields: FEXTRA, FNAME, FCOMMENT, FHCRC")
    func headerFields() throws {
        let data = Array("header fields test\n".utf8)
        let plain = try KconfigTestTools.gzip(data, level: 6)
        let rest = Array(plain[10...])
        for flags in 0..<32 {
            var header: [UInt8] = [0x1f, 0x8b, 8, UInt8(flags), 1, 2, 3, 4, 0, 3]
            if flags & 4 != 0 { header += [5, 0, 0x41, 0x42, 2, 0, 9] }
            if flags & 8 != 0 { header += Array("config\0".utf8) }
            if flags & 16 != 0 { header += Array("a comment\0".utf8) }
            if flags & 2 != 0 {
                let crc = KconfigTestTools.crc32(header)
                header += [UInt8(crc & 0xff), UInt8((crc >> 8) & 0xff)]
                // The same header with a wrong CRC.
                var bad = header
                bad[bad.count - 1] ^= 0x10
                let error = KconfigTestTools.gzipError(bad + rest)
                let stored = UInt16(bad[bad.count - 2]) | UInt16(bad[bad.count - 1]) << 8
                #expect(error == .headerCRCMismatch(offset: header.count - 2, stored: stored,
                                                    computed: UInt16(truncatingIfNeeded: crc)))
            }
            #expect(try Gzip.decompress(ByteView(header + rest), limit: 1 << 20) == data, "flags \(flags)")
            #expect(try KconfigTestTools.gunzip(header + rest) == data, "gzip agrees, flags \(flags)")
        }
    }

    @Test("truncation anywhere is .truncated at the end of the input")
    func truncation() throws {
        var inputs = [try KconfigTestTools.gzip(KconfigSamples.all[4].data, level: 6),
                      try KconfigTestTools.gzip(KconfigSamples.all[2].data, level: 9)]
        if KconfigTestTools.hasPython {
            inputs.append(try KconfigTestTools.zlib(KconfigSamples.all[2].data, level: 0, wbits: 31))
        }
        for file in inputs {
            var cuts = Array(stride(from: 0, to: file.count, by: 97))
            cuts += (1...12).map { file.count - $0 }
            for cut in cuts where cut >= 0 {
                let error = KconfigTestTools.gzipError(Array(file[..<cut]))
                #expect(error == .truncated(offset: cut), "cut at \(cut) of \(file.count)")
            }
        }
    }

    @Test("flipped header bits give the header's errors, never a trap")
    func headerBits() throws {
        let data = Array(String(repeating: "CONFIG_BPF=y\n", count: 100).utf8)
        let file = try KconfigTestTools.gzip(data, level: 6)
        for byte in 0..<10 {
            for bit in 0..<8 {
                var bad = file
                bad[byte] ^= UInt8(1 << bit)
                let error = KconfigTestTools.gzipError(bad)
                switch byte {
                case 0, 1:
                    #expect(error == .badMagic(offset: 0, found: Array(bad[0..<2])))
                case 2:
                    #expect(error == .unsupportedMethod(offset: 2, method: bad[2]))
                case 3:
                    switch bit {
                    case 0: #expect(error == nil, "FTEXT is only a hint")
                    case 5, 6, 7: #expect(error == .reservedFlags(offset: 3, flags: bad[3]))
                    default: #expect(error != nil, "flag bit \(bit) makes the header swallow data")
                    }
                default:
                    #expect(error == nil, "MTIME, XFL and OS are informational (byte \(byte))")
                }
            }
        }
    }

    @Test("flipped trailer bits: CRC and ISIZE mismatches")
    func trailerBits() throws {
        let data = Array(String(repeating: "CONFIG_HZ=250\n", count: 50).utf8)
        let file = try KconfigTestTools.gzip(data, level: 9)
        let crcAt = file.count - 8
        for bit in 0..<32 {
            var bad = file
            bad[crcAt + bit / 8] ^= UInt8(1 << (bit % 8))
            let stored = UInt32(bad[crcAt]) | UInt32(bad[crcAt + 1]) << 8 | UInt32(bad[crcAt + 2]) << 16
                | UInt32(bad[crcAt + 3]) << 24
            #expect(KconfigTestTools.gzipError(bad)
                == .crcMismatch(offset: crcAt, stored: stored, computed: KconfigTestTools.crc32(data)))
            var badSize = file
            badSize[crcAt + 4 + bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(KconfigTestTools.gzipError(badSize)
                == .sizeMismatch(offset: crcAt + 4, stored: UInt32(data.count) ^ (1 << UInt32(bit)),
                                 actual: UInt32(data.count)))
        }
    }

    @Test("block type 3 is refused")
    func blockType3() throws {
        #expect(KconfigTestTools.inflateError([0x07]) == .invalidBlockType(offset: 0))
        #expect(KconfigTestTools.inflateError([0x06, 0, 0]) == .invalidBlockType(offset: 0))
        var file = try KconfigTestTools.gzip(Array("abc".utf8), level: 6)
        file[10] |= 0x06
        #expect(KconfigTestTools.gzipError(file) == .invalidBlockType(offset: 10))
    }

    @Test("stored blocks: content, length complement, truncation")
    func storedBlocks() throws {
        let hello = Array("hello".utf8)
        #expect(try Inflate.decompress(ByteView([0x01, 5, 0, 0xfa, 0xff] + hello), limit: 100) == hello)
        // A non-final empty stored block, then a final one.
        #expect(try Inflate.decompress(ByteView([0x00, 0, 0, 0xff, 0xff, 0x01, 5, 0, 0xfa, 0xff] + hello),
                                       limit: 100) == hello)
        #expect(KconfigTestTools.inflateError([0x01, 5, 0, 0xfb, 0xff] + hello)
            == .storedLengthMismatch(offset: 1, length: 5, complement: 0xfffb))
        #expect(KconfigTestTools.inflateError([0x01, 5, 0, 0xfa, 0xff, 0x68, 0x65]) == .truncated(offset: 7))
        #expect(KconfigTestTools.inflateError([0x01, 5, 0, 0xfa]) == .truncated(offset: 4))
        #expect(KconfigTestTools.inflateError([]) == .truncated(offset: 0))
        if KconfigTestTools.hasPython {
            var file = try KconfigTestTools.zlib(KconfigSamples.all[2].data, level: 0, wbits: 31)
            // First block header at 10, LEN at 11, NLEN at 13.
            file[13] ^= 0x01
            guard case .storedLengthMismatch(13 - 2, _, _)? = KconfigTestTools.gzipError(file) else {
                Issue.record("expected storedLengthMismatch at 11")
                return
            }
        }
    }

    /// A complete code-length code of eight 3-bit codes, for hand-made dynamic blocks.
    static let codeLengthSymbols = [0, 1, 2, 8, 9, 16, 17, 18]

    static func dynamicBlock(literals: [Int], distances: [Int], body: (inout KconfigBitWriter) -> Void = { _ in })
        -> [UInt8]
    {
        var w = KconfigBitWriter()
        var lengths: [Int: Int] = [:]
        for symbol in codeLengthSymbols { lengths[symbol] = 3 }
        w.dynamicHeader(literals: literals.count, distances: distances.count, codeLengthLengths: lengths)
        for length in literals + distances {
            w.code(codeLengthSymbols.firstIndex(of: length)!, 3)
        }
        body(&w)
        return w.bytes + [0, 0, 0, 0]
    }

    static func lengths(_ count: Int, _ set: [Int: Int]) -> [Int] {
        (0..<count).map { set[$0] ?? 0 }
    }

    @Test("hand-made dynamic blocks: valid single and empty distance codes")
    func dynamicValid() throws {
        // Literal 0 = "0", end of block = "1"; no distance codes at all.
        let none = Self.dynamicBlock(literals: Self.lengths(257, [0: 1, 256: 1]), distances: [0]) { w in
            w.code(0, 1); w.code(0, 1); w.code(0, 1); w.code(1, 1)
        }
        #expect(try Inflate.decompress(ByteView(none), limit: 100) == [0, 0, 0])
        // Length 3 = "0", literal 0 = "10", end = "11"; one distance code of length 1 ("0": distance 1).
        let single = Self.dynamicBlock(literals: Self.lengths(258, [0: 2, 256: 2, 257: 1]), distances: [1]) { w in
            w.code(0b10, 2); w.code(0, 1); w.code(0, 1); w.code(0b11, 2)
        }
        #expect(try Inflate.decompress(ByteView(single), limit: 100) == [0, 0, 0, 0])
        // The unused half of that distance code.
        let unused = Self.dynamicBlock(literals: Self.lengths(258, [0: 2, 256: 2, 257: 1]), distances: [1]) { w in
            w.code(0b10, 2); w.code(0, 1); w.code(1, 1)
        }
        guard case .invalidCode(_, .distance)? = KconfigTestTools.inflateError(unused) else {
            Issue.record("expected invalidCode in the distance code")
            return
        }
    }

    @Test("hand-made dynamic blocks: each malformed table is its own error")
    func dynamicErrors() throws {
        func kind(_ bytes: [UInt8]) -> String {
            guard let error = KconfigTestTools.inflateError(bytes) else { return "no error" }
            switch error {
            case let .overSubscribed(_, code): return "overSubscribed \(code)"
            case let .incomplete(_, code): return "incomplete \(code)"
            case .repeatWithoutPrevious: return "repeatWithoutPrevious"
            case let .repeatPastEnd(_, needed, left): return "repeatPastEnd \(needed) \(left)"
            case .missingEndOfBlock: return "missingEndOfBlock"
            case let .tooManyCodes(_, l, d): return "tooManyCodes \(l) \(d)"
            default: return error.description
            }
        }
        // Three codes of length 1 in the code-length code.
        var w = KconfigBitWriter()
        w.dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [0: 1, 1: 1, 2: 1])
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "overSubscribed code-length code")
        // Only one 2-bit code in the code-length code.
        w = KconfigBitWriter()
        w.dynamicHeader(literals: 257, distances: 1, codeLengthLengths: [1: 2])
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "incomplete code-length code")
        // 257 literal/length codes of length 1.
        #expect(kind(Self.dynamicBlock(literals: [Int](repeating: 1, count: 257), distances: [1]))
            == "overSubscribed literal/length code")
        // Two literal/length codes of length 2.
        #expect(kind(Self.dynamicBlock(literals: Self.lengths(257, [0: 2, 256: 2]), distances: [1]))
            == "incomplete literal/length code")
        // One distance code of length 2; three distance codes of length 1.
        let literals = Self.lengths(257, [0: 1, 256: 1])
        #expect(kind(Self.dynamicBlock(literals: literals, distances: [2])) == "incomplete distance code")
        #expect(kind(Self.dynamicBlock(literals: literals, distances: [1, 1, 1])) == "overSubscribed distance code")
        // No end-of-block code.
        #expect(kind(Self.dynamicBlock(literals: Self.lengths(257, [0: 1, 1: 1]), distances: [1]))
            == "missingEndOfBlock")
        // Repeat (16) first; a run of zeros past the end.
        var lengths: [Int: Int] = [:]
        for symbol in Self.codeLengthSymbols { lengths[symbol] = 3 }
        w = KconfigBitWriter()
        w.dynamicHeader(literals: 257, distances: 1, codeLengthLengths: lengths)
        w.code(5, 3)
        w.bits(0, 2)
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "repeatWithoutPrevious")
        w = KconfigBitWriter()
        w.dynamicHeader(literals: 257, distances: 1, codeLengthLengths: lengths)
        w.code(7, 3)
        w.bits(127, 7)
        w.code(7, 3)
        w.bits(127, 7)
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "repeatPastEnd 138 120")
        // HLIT 30 (287 codes), HDIST 31 (32 codes).
        w = KconfigBitWriter()
        w.bits(1, 1); w.bits(2, 2); w.bits(30, 5); w.bits(0, 5); w.bits(0, 4)
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "tooManyCodes 287 1")
        w = KconfigBitWriter()
        w.bits(1, 1); w.bits(2, 2); w.bits(0, 5); w.bits(31, 5); w.bits(0, 4)
        #expect(kind(w.bytes + [0, 0, 0, 0]) == "tooManyCodes 257 32")
    }

    @Test("fixed blocks: reserved symbols and references before the start")
    func fixedErrors() throws {
        var w = KconfigBitWriter()
        w.bits(1, 1); w.bits(1, 2)
        w.code(0b1100_0110, 8)  // literal/length 286
        #expect(KconfigTestTools.inflateError(w.bytes + [0, 0, 0])
            == .invalidSymbol(offset: 1, code: .literalLength, symbol: 286))
        w = KconfigBitWriter()
        w.bits(1, 1); w.bits(1, 2)
        w.code(0b1001_0001, 8)  // literal 'a'
        w.code(0b000_0001, 7)  // length 3
        w.code(30, 5)  // distance 30
        guard case .invalidSymbol(_, .distance, 30)? = KconfigTestTools.inflateError(w.bytes + [0, 0, 0]) else {
            Issue.record("expected invalidSymbol 30 of the distance code")
            return
        }
        w = KconfigBitWriter()
        w.bits(1, 1); w.bits(1, 2)
        w.code(0b1001_0001, 8)  // 'a'
        w.code(0b000_0001, 7)  // length 3
        w.code(1, 5)  // distance 2
        guard case .distanceTooFarBack(_, 2, 1)? = KconfigTestTools.inflateError(w.bytes + [0, 0, 0]) else {
            Issue.record("expected distanceTooFarBack 2 > 1")
            return
        }
        // Distance 1 after one literal is fine: "aaaa".
        w = KconfigBitWriter()
        w.bits(1, 1); w.bits(1, 2)
        w.code(0b1001_0001, 8)
        w.code(0b000_0001, 7)
        w.code(0, 5)
        w.code(0, 7)
        #expect(try Inflate.decompress(ByteView(w.bytes), limit: 10) == Array("aaaa".utf8))
    }

    @Test("the output limit is enforced")
    func limit() throws {
        let data = KconfigSamples.all[4].data
        for level in [1, 9] {
            let file = try KconfigTestTools.gzip(data, level: level)
            #expect(try Gzip.decompress(ByteView(file), limit: data.count) == data)
            guard case .outputLimit(_, data.count - 1)? = KconfigTestTools.gzipError(file, limit: data.count - 1) else {
                Issue.record("expected outputLimit at level \(level)")
                continue
            }
            guard case .outputLimit(_, 1000)? = KconfigTestTools.gzipError(file, limit: 1000) else {
                Issue.record("expected outputLimit 1000")
                continue
            }
        }
        let run = try KconfigTestTools.gzip(KconfigSamples.all[5].data, level: 9)
        guard case .outputLimit? = KconfigTestTools.gzipError(run, limit: 299_999) else {
            Issue.record("expected outputLimit on a run")
            return
        }
        #expect(try Gzip.decompress(ByteView(KconfigTestTools.gzip([], level: 6)), limit: 0) == [])
        guard case .outputLimit(_, 0)? = KconfigTestTools.gzipError(try KconfigTestTools.gzip([1], level: 6), limit: 0)
        else {
            Issue.record("expected outputLimit 0")
            return
        }
        if KconfigTestTools.hasPython {
            let stored = try KconfigTestTools.zlib(data, level: 0, wbits: -15)
            guard case .outputLimit? = KconfigTestTools.inflateError(stored, limit: 65_535) else {
                Issue.record("expected outputLimit in a stored block")
                return
            }
        }
    }

    @Test("random corruption never traps and never exceeds the limit")
    func fuzz() throws {
        var random = KconfigRandom(seed: 42)
        let bases = [
            try KconfigTestTools.gzip(KconfigSamples.all[4].data, level: 6),
            try KconfigTestTools.gzip(KconfigSamples.all[7].data, level: 1),
            try KconfigTestTools.gzip(Array(KconfigSamples.all[2].data.prefix(300)), level: 9),
        ]
        var outcomes = [0, 0]
        for round in 0..<3000 {
            var bad = bases[round % bases.count]
            for _ in 0..<(1 + random.below(4)) {
                let at = 10 + random.below(bad.count - 10)
                bad[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            }
            let limit = 1 << 20
            do {
                let out = try Gzip.decompress(ByteView(bad), limit: limit)
                #expect(out.count <= limit)
                outcomes[0] += 1
            } catch {
                _ = error.description
                outcomes[1] += 1
            }
        }
        // Raw DEFLATE from random bytes.
        for _ in 0..<3000 {
            let bytes = random.bytes(1 + random.below(200))
            do {
                let out = try Inflate.decompress(ByteView(bytes), limit: 4096)
                #expect(out.count <= 4096)
            } catch {
                _ = error.description
            }
        }
        #expect(outcomes[1] > 0)
    }

    @Test("table-driven CRC-32 matches the bitwise one")
    func crc() {
        var random = KconfigRandom(seed: 7)
        let crc = CRC32()
        for count in [0, 1, 7, 8, 9, 63, 64, 1000, 4099] {
            let bytes = random.bytes(count)
            #expect(crc.checksum(bytes) == KconfigTestTools.crc32(bytes))
        }
        #expect(crc.checksum(Array("123456789".utf8)) == 0xcbf4_3926)
    }

    @Test("error descriptions name the offset")
    func descriptions() {
        #expect(InflateError.truncated(offset: 26).description.includes("26"))
        #expect(InflateError.badMagic(offset: 0, found: [0x50, 0x4b]).description.includes("0x50 0x4b"))
        #expect(InflateError.overSubscribed(offset: 12, code: .distance).description
            == "over-subscribed distance code at byte 12 (0xc)")
    }
}
