import Bytes

/// Raw DEFLATE (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks. Safe on hostile input:
/// every read is bounds-checked, every loop consumes input or ends, and the output never grows past
/// the caller's `limit`. Errors name the byte offset where the stream went wrong.
package enum Inflate {
    /// Inflates the DEFLATE stream at the start of `data`; bytes after its final block are ignored.
    package static func decompress(_ data: ByteView, limit: Int) throws(InflateError) -> [UInt8] {
        try decompress(data, from: 0, limit: limit).bytes
    }

    /// Inflates the DEFLATE stream starting at byte `offset` of `data`. `end` is the offset of the
    /// first byte after the stream (its final block padded to a byte boundary).
    package static func decompress(
        _ data: ByteView, from offset: Int, limit: Int
    ) throws(InflateError) -> (bytes: [UInt8], end: Int) {
        guard offset >= 0, offset <= data.count else { throw .truncated(offset: data.count) }
        let hint = min(max(limit, 0), max(4096, (data.count - offset) &* 4))
        var inflater = Inflater(input: data, at: offset, limit: limit, capacity: hint)
        try inflater.inflateStream()
        return (inflater.result(), inflater.pos)
    }
}

/// Storage for the output, freed when the inflater goes away (also on a thrown error). The inflater
/// keeps `base` and `capacity` in its own fields for the hot loop and updates both here when growing.
final class InflateOutput {
    private(set) var base: UnsafeMutablePointer<UInt8>

    init(capacity: Int) {
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity, 1))
    }

    deinit { base.deallocate() }

    /// Moves the first `count` bytes to a new allocation of `capacity` bytes.
    func reallocate(capacity: Int, keeping count: Int) -> UnsafeMutablePointer<UInt8> {
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: max(capacity, 1))
        if count > 0 { fresh.initialize(from: base, count: count) }
        base.deallocate()
        base = fresh
        return fresh
    }
}

/// Where one of the three Huffman codes lives in the inflater's shared arrays, and its root-table width.
struct HuffmanSlot {
    let kind: HuffmanCodeKind
    /// First entry of its lookup table in `Inflater.table` (`1 << rootBits` entries).
    let tableStart: Int
    let rootBits: Int
    /// First of its 16 code-length counts in `Inflater.counts`.
    let countStart: Int
    /// First of its symbols (sorted by code length, then value) in `Inflater.symbols`.
    let symbolStart: Int

    var mask: UInt64 { (1 &<< UInt64(rootBits)) &- 1 }

    static let literalLength = HuffmanSlot(kind: .literalLength, tableStart: 0, rootBits: 10, countStart: 0, symbolStart: 0)
    static let distance = HuffmanSlot(kind: .distance, tableStart: 1024, rootBits: 8, countStart: 16, symbolStart: 288)
    static let codeLength = HuffmanSlot(kind: .codeLength, tableStart: 1280, rootBits: 7, countStart: 32, symbolStart: 320)
    static let tableSize = 1024 + 256 + 128
    static let symbolCount = 288 + 32 + 19
}

/// RFC 1951 3.2.5: base values and extra bits of length symbols 257...285 and distance symbols 0...29.
enum DeflateTables {
    static let lengthBase: [UInt16] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    static let lengthExtra: [UInt8] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    static let distanceBase: [UInt16] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra: [UInt8] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
    /// The order in which a dynamic block lists the code-length code's lengths.
    static let codeLengthOrder: [UInt8] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
}

/// The decoder state: an LSB-first bit reader over the input, the output so far, and the Huffman tables.
///
/// Bits: `bitBuffer` holds `bitCount` unread bits (lowest first) ending just before byte `pos`. Bits
/// above `bitCount` may hold copies of the next input bits (the refill loads eight bytes at a time) and
/// are never consumed without a count check, so running out of input is always `.truncated`.
///
/// Huffman codes: a root table indexed by the next `rootBits` bits gives `symbol << 4 | length` for
/// codes up to `rootBits` long; 0 sends the (rare) longer codes and invalid bits to a canonical
/// bit-by-bit decode over the counts and sorted symbols.
struct Inflater {
    let input: ByteView
    let bytes: UnsafeRawPointer?
    let end: Int
    var pos: Int
    var bitBuffer: UInt64 = 0
    var bitCount: Int = 0

    let storage: InflateOutput
    var out: UnsafeMutablePointer<UInt8>
    var outCapacity: Int
    var outCount: Int = 0
    let limit: Int
    /// Output index where the current DEFLATE stream began: back-references may not reach before it.
    var streamStart: Int = 0

    var table: [UInt16]
    var counts: [Int]
    var symbols: [UInt16]
    /// Code lengths being read (288 + 32), then the code-length code's 19.
    var lengths: [UInt8]
    var offsets: [Int]
    var fixedTablesBuilt = false

    init(input: ByteView, at offset: Int, limit: Int, capacity: Int) {
        self.input = input
        bytes = input.base
        end = input.count
        pos = min(max(offset, 0), input.count)
        self.limit = max(limit, 0)
        outCapacity = min(max(capacity, 0), self.limit)
        storage = InflateOutput(capacity: outCapacity)
        out = storage.base
        table = [UInt16](repeating: 0, count: HuffmanSlot.tableSize)
        counts = [Int](repeating: 0, count: 48)
        symbols = [UInt16](repeating: 0, count: HuffmanSlot.symbolCount)
        lengths = [UInt8](repeating: 0, count: 320 + 19)
        offsets = [Int](repeating: 0, count: 16)
    }

    /// The byte holding the next unread bit: where errors are reported.
    var offset: Int { pos - ((bitCount + 7) >> 3) }

    /// The output so far, as an array.
    func result() -> [UInt8] {
        Array(UnsafeBufferPointer(start: out, count: outCount))
    }

    /// Restarts bit reading at byte `offset` (after a gzip header).
    mutating func seek(to offset: Int) {
        pos = min(max(offset, 0), end)
        bitBuffer = 0
        bitCount = 0
    }

    // MARK: Bits

    /// Tops the bit buffer up to at least 56 bits, or with whatever input is left.
    @inline(__always)
    mutating func refill() {
        guard let bytes else { return }
        if end - pos >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
            bitBuffer |= word &<< UInt64(bitCount)
            let taken = (63 - bitCount) >> 3
            pos += taken
            bitCount += taken << 3
        } else {
            while bitCount < 56 && pos < end {
                bitBuffer |= UInt64(bytes.load(fromByteOffset: pos, as: UInt8.self)) &<< UInt64(bitCount)
                pos += 1
                bitCount += 8
            }
        }
    }

    /// The next `n` bits (0...16) as a number, first bit lowest.
    @inline(__always)
    mutating func bits(_ n: Int) throws(InflateError) -> Int {
        if bitCount < n {
            refill()
            if bitCount < n { throw .truncated(offset: end) }
        }
        let value = Int(truncatingIfNeeded: bitBuffer & ((1 &<< UInt64(n)) &- 1))
        bitBuffer = bitBuffer &>> UInt64(n)
        bitCount -= n
        return value
    }

    /// Drops the bits up to the next byte boundary and gives back the whole bytes still buffered, so
    /// `pos` is the next byte to read.
    mutating func alignToByte() {
        bitCount -= bitCount & 7
        pos -= bitCount >> 3
        bitBuffer = 0
        bitCount = 0
    }

    // MARK: Output

    @inline(__always)
    mutating func reserve(_ n: Int) throws(InflateError) {
        if n > outCapacity - outCount { try grow(n) }
    }

    mutating func grow(_ n: Int) throws(InflateError) {
        guard n <= limit - outCount else { throw .outputLimit(offset: offset, limit: limit) }
        let needed = outCount + n
        let doubled = outCapacity > limit / 2 ? limit : max(outCapacity * 2, 4096)
        let capacity = min(max(needed, doubled), limit)
        out = storage.reallocate(capacity: capacity, keeping: outCount)
        outCapacity = capacity
    }

    // MARK: Blocks

    /// Inflates one DEFLATE stream from `pos`, appending to the output; leaves `pos` after its last byte.
    mutating func inflateStream() throws(InflateError) {
        streamStart = outCount
        var final = false
        repeat {
            let at = offset
            let header = try bits(3)
            final = header & 1 != 0
            switch header >> 1 {
            case 0:
                try storedBlock()
            case 1:
                if !fixedTablesBuilt { try buildFixedTables() }
                try huffmanBlock()
            case 2:
                try readDynamicTables()
                try huffmanBlock()
            default:
                throw .invalidBlockType(offset: at)
            }
        } while !final
        alignToByte()
    }

    mutating func storedBlock() throws(InflateError) {
        alignToByte()
        guard let length = input.u16(at: pos, .little), let complement = input.u16(at: pos + 2, .little) else {
            throw .truncated(offset: end)
        }
        guard length == ~complement else {
            throw .storedLengthMismatch(offset: pos, length: length, complement: complement)
        }
        pos += 4
        let n = Int(length)
        guard n <= end - pos, let bytes else {
            if n == 0 { return }
            throw .truncated(offset: end)
        }
        try reserve(n)
        (out + outCount).initialize(from: bytes.advanced(by: pos).assumingMemoryBound(to: UInt8.self), count: n)
        outCount += n
        pos += n
    }

    /// Literals and matches until end of block, with the tables in the literal/length and distance slots.
    mutating func huffmanBlock() throws(InflateError) {
        let lit = HuffmanSlot.literalLength
        let dist = HuffmanSlot.distance
        while true {
            let symbol = try decode(lit)
            if symbol < 256 {
                if outCount == outCapacity { try grow(1) }
                out[outCount] = UInt8(truncatingIfNeeded: symbol)
                outCount += 1
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < 29 else {
                throw .invalidSymbol(offset: offset, code: .literalLength, symbol: symbol)
            }
            let length =
                Int(DeflateTables.lengthBase[lengthIndex])
                + (try bits(Int(DeflateTables.lengthExtra[lengthIndex])))
            let distanceSymbol = try decode(dist)
            guard distanceSymbol < 30 else {
                throw .invalidSymbol(offset: offset, code: .distance, symbol: distanceSymbol)
            }
            let distance =
                Int(DeflateTables.distanceBase[distanceSymbol])
                + (try bits(Int(DeflateTables.distanceExtra[distanceSymbol])))
            let available = outCount - streamStart
            guard distance <= available else {
                throw .distanceTooFarBack(offset: offset, distance: distance, available: available)
            }
            try reserve(length)
            let target = out + outCount
            let source = target - distance
            if distance >= length {
                target.update(from: source, count: length)
            } else {
                for i in 0..<length { target[i] = source[i] }
            }
            outCount += length
        }
    }

    // MARK: Huffman codes

    @inline(__always)
    mutating func decode(_ slot: HuffmanSlot) throws(InflateError) -> Int {
        if bitCount < 15 { refill() }
        let entry = table[slot.tableStart + Int(truncatingIfNeeded: bitBuffer & slot.mask)]
        if entry != 0 {
            let length = Int(entry & 15)
            if length > bitCount { throw .truncated(offset: end) }
            bitBuffer = bitBuffer &>> UInt64(length)
            bitCount -= length
            return Int(entry >> 4)
        }
        return try decodeSlow(slot)
    }

    /// Canonical decoding one bit at a time (as in zlib's puff): codes longer than the root table, and
    /// bits that are no code at all.
    mutating func decodeSlow(_ slot: HuffmanSlot) throws(InflateError) -> Int {
        var code = 0
        var first = 0
        var index = 0
        var pending = bitBuffer
        for length in 1...15 {
            code |= Int(truncatingIfNeeded: pending & 1)
            pending = pending &>> 1
            let count = counts[slot.countStart + length]
            if code - first < count {
                if length > bitCount { throw .truncated(offset: end) }
                bitBuffer = bitBuffer &>> UInt64(length)
                bitCount -= length
                return Int(symbols[slot.symbolStart + index + code - first])
            }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        if bitCount < 15 { throw .truncated(offset: end) }
        throw .invalidCode(offset: offset, code: slot.kind)
    }

    /// Builds `slot`'s code from `n` code lengths at `lengths[start...]`. Over-subscribed codes are
    /// refused; incomplete ones too, except (as zlib) a literal/length or distance code with no code
    /// or a single code of length 1.
    mutating func build(_ slot: HuffmanSlot, lengthsAt start: Int, count n: Int, at errorOffset: Int) throws(InflateError) {
        let c = slot.countStart
        for len in 0..<16 { counts[c + len] = 0 }
        for i in 0..<n { counts[c + Int(lengths[start + i] & 15)] += 1 }
        var left = 1
        for len in 1...15 {
            left = (left << 1) - counts[c + len]
            if left < 0 { throw .overSubscribed(offset: errorOffset, code: slot.kind) }
        }
        if left > 0 {
            let used = n - counts[c]
            let allowed = slot.kind != .codeLength && (used == 0 || (used == 1 && counts[c + 1] == 1))
            if !allowed { throw .incomplete(offset: errorOffset, code: slot.kind) }
        }
        // Symbols sorted by code length, then by value.
        offsets[1] = 0
        for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[c + len] }
        for i in 0..<n {
            let len = Int(lengths[start + i] & 15)
            if len != 0 {
                symbols[slot.symbolStart + offsets[len]] = UInt16(truncatingIfNeeded: i)
                offsets[len] += 1
            }
        }
        // Root table: each code of at most rootBits bits fills every entry it is a prefix of (bit-reversed:
        // Huffman codes are packed starting from their most significant bit).
        let size = 1 << slot.rootBits
        for i in slot.tableStart..<(slot.tableStart + size) { table[i] = 0 }
        var code = 0
        var index = slot.symbolStart
        for len in 1...slot.rootBits {
            for _ in 0..<counts[c + len] {
                let symbol = Int(symbols[index])
                index += 1
                var reversed = 0
                var rest = code
                for _ in 0..<len {
                    reversed = (reversed << 1) | (rest & 1)
                    rest >>= 1
                }
                let entry = UInt16(truncatingIfNeeded: symbol << 4 | len)
                var i = reversed
                while i < size {
                    table[slot.tableStart + i] = entry
                    i += 1 << len
                }
                code += 1
            }
            code <<= 1
        }
    }

    /// RFC 1951 3.2.6: literal/length 0-143 8 bits, 144-255 9, 256-279 7, 280-287 8; distances 5 bits.
    mutating func buildFixedTables() throws(InflateError) {
        for i in 0..<288 {
            lengths[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8
        }
        for i in 288..<320 { lengths[i] = 5 }
        try build(.literalLength, lengthsAt: 0, count: 288, at: offset)
        try build(.distance, lengthsAt: 288, count: 32, at: offset)
        fixedTablesBuilt = true
    }

    /// RFC 1951 3.2.7: HLIT, HDIST, HCLEN, the code-length code, then the run-length coded lengths.
    mutating func readDynamicTables() throws(InflateError) {
        fixedTablesBuilt = false
        let headerAt = offset
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw .tooManyCodes(offset: headerAt, literalLength: literalCount, distance: distanceCount)
        }
        let cl = 320
        for i in 0..<19 { lengths[cl + i] = 0 }
        for i in 0..<codeLengthCount {
            lengths[cl + Int(DeflateTables.codeLengthOrder[i])] = UInt8(truncatingIfNeeded: try bits(3))
        }
        try build(.codeLength, lengthsAt: cl, count: 19, at: headerAt)

        let total = literalCount + distanceCount
        var i = 0
        while i < total {
            let at = offset
            let symbol = try decode(.codeLength)
            if symbol < 16 {
                lengths[i] = UInt8(truncatingIfNeeded: symbol)
                i += 1
                continue
            }
            var value: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 16:
                guard i > 0 else { throw .repeatWithoutPrevious(offset: at) }
                value = lengths[i - 1]
                repeatCount = 3 + (try bits(2))
            case 17:
                repeatCount = 3 + (try bits(3))
            default:
                repeatCount = 11 + (try bits(7))
            }
            guard repeatCount <= total - i else {
                throw .repeatPastEnd(offset: at, needed: repeatCount, left: total - i)
            }
            for j in i..<(i + repeatCount) { lengths[j] = value }
            i += repeatCount
        }
        guard lengths[256] != 0 else { throw .missingEndOfBlock(offset: offset) }
        // The distance lengths follow the literal/length ones: move them up to the distance slot's place
        // (last first: the two ranges can overlap).
        var j = distanceCount
        while j > 0 {
            j -= 1
            lengths[288 + j] = lengths[literalCount + j]
        }
        try build(.literalLength, lengthsAt: 0, count: literalCount, at: offset)
        try build(.distance, lengthsAt: 288, count: distanceCount, at: offset)
    }
}
