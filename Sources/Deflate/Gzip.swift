import Bytes

/// gzip files (RFC 1952): one or more members, each a header, a DEFLATE stream and a trailer with the
/// CRC-32 and size (mod 2^32) of its data, both checked. Anything after the last member that is not
/// another member is an error (`badMagic` at its offset).
package enum Gzip {
    /// FLG bits.
    static let flagText: UInt8 = 0x01
    static let flagHeaderCRC: UInt8 = 0x02
    static let flagExtra: UInt8 = 0x04
    static let flagName: UInt8 = 0x08
    static let flagComment: UInt8 = 0x10
    static let reservedFlags: UInt8 = 0xe0

    /// True when `data` starts with the gzip magic (1f 8b).
    package static func isGzip(_ data: ByteView) -> Bool {
        data.u8(at: 0) == 0x1f && data.u8(at: 1) == 0x8b
    }

    /// The concatenated data of every member of the gzip file `data`; more than `limit` bytes of it is
    /// an error (`outputLimit`).
    package static func decompress(_ data: ByteView, limit: Int) throws(InflateError) -> [UInt8] {
        let crc = CRC32()
        // Size the output from the last member's ISIZE when it is plausible (DEFLATE expands at most
        // about 1032:1), so the usual single-member file needs no reallocation.
        var hint = 4096
        if data.count >= 18, let size = data.u32(at: data.count - 4, .little) {
            hint = min(Int(size), data.count &* 1032)
        }
        var inflater = Inflater(input: data, at: 0, limit: limit, capacity: min(hint, max(limit, 0)))
        repeat {
            let body = try headerEnd(data, at: inflater.pos, crc: crc)
            inflater.seek(to: body)
            let start = inflater.outCount
            try inflater.inflateStream()
            let trailer = inflater.pos
            guard let storedCRC = data.u32(at: trailer, .little), let storedSize = data.u32(at: trailer + 4, .little) else {
                throw .truncated(offset: data.count)
            }
            let computed = crc.update(0, inflater.out + start, count: inflater.outCount - start)
            guard computed == storedCRC else {
                throw .crcMismatch(offset: trailer, stored: storedCRC, computed: computed)
            }
            let size = UInt32(truncatingIfNeeded: inflater.outCount - start)
            guard size == storedSize else {
                throw .sizeMismatch(offset: trailer + 4, stored: storedSize, actual: size)
            }
            inflater.seek(to: trailer + 8)
        } while inflater.pos < data.count
        return inflater.result()
    }

    /// Checks the member header at `offset` and returns where its DEFLATE data begins.
    static func headerEnd(_ data: ByteView, at offset: Int, crc: CRC32) throws(InflateError) -> Int {
        guard let id1 = data.u8(at: offset) else { throw .truncated(offset: data.count) }
        let id2 = data.u8(at: offset + 1)
        guard id1 == 0x1f, id2 == nil || id2 == 0x8b else {
            throw .badMagic(offset: offset, found: data.bytes(offset: offset, length: id2 == nil ? 1 : 2) ?? [])
        }
        guard let method = data.u8(at: offset + 2), let flags = data.u8(at: offset + 3),
            data.contains(offset: offset, length: 10)
        else { throw .truncated(offset: data.count) }
        guard method == 8 else { throw .unsupportedMethod(offset: offset + 2, method: method) }
        guard flags & reservedFlags == 0 else { throw .reservedFlags(offset: offset + 3, flags: flags) }
        var p = offset + 10
        if flags & flagExtra != 0 {
            guard let length = data.u16(at: p, .little), data.contains(offset: p + 2, length: Int(length)) else {
                throw .truncated(offset: data.count)
            }
            p += 2 + Int(length)
        }
        for flag in [flagName, flagComment] where flags & flag != 0 {
            guard let nul = data.firstIndex(of: 0, from: p) else { throw .truncated(offset: data.count) }
            p = nul + 1
        }
        if flags & flagHeaderCRC != 0 {
            guard let stored = data.u16(at: p, .little) else { throw .truncated(offset: data.count) }
            let computed = UInt16(
                truncatingIfNeeded: crc.update(
                    0, data.base.map { ($0 + offset).assumingMemoryBound(to: UInt8.self) }, count: p - offset))
            guard stored == computed else {
                throw .headerCRCMismatch(offset: p, stored: stored, computed: computed)
            }
            p += 2
        }
        return p
    }
}
