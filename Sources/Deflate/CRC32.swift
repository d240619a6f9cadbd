/// CRC-32 as gzip uses it (ISO 3309 / ITU-T V.42: reflected polynomial 0xedb88320, initial and final
/// value 0xffffffff). Slicing-by-8: eight 256-entry tables, eight bytes per step.
struct CRC32 {
    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private let tables: [UInt32]

    init() {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
            tables[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let previous = tables[(k - 1) * 256 + b]
                tables[k * 256 + b] = (previous >> 8) ^ tables[Int(previous & 0xff)]
            }
        }
        self.tables = tables
    }

    /// The CRC of `count` bytes at `start`, continuing from `crc` (0 for a fresh CRC).
    func update(_ crc: UInt32, _ start: UnsafePointer<UInt8>?, count: Int) -> UInt32 {
        guard let start, count > 0 else { return crc }
        return tables.withUnsafeBufferPointer { t -> UInt32 in
            var c = ~crc
            var p = start
            var left = count
            while left >= 8 {
                let lo = c ^ (UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                let hi = UInt32(p[4]) | UInt32(p[5]) << 8 | UInt32(p[6]) << 16 | UInt32(p[7]) << 24
                c =
                    t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int((lo >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xff)] ^ t[2 * 256 + Int((hi >> 8) & 0xff)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xff)] ^ t[Int(hi >> 24)]
                p += 8
                left -= 8
            }
            while left > 0 {
                c = t[Int((c ^ UInt32(p[0])) & 0xff)] ^ (c >> 8)
                p += 1
                left -= 1
            }
            return ~c
        }
    }

    /// The CRC of an array's bytes.
    func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { update(0, $0.baseAddress, count: $0.count) }
    }
}
