/// Bytes to write over part of a buffer, bit by bit: `mask` says which bits of `bytes` replace
/// the buffer's (all of them, except for a bitfield, which shares its bytes with its
/// neighbours). What `BTF.encodeValue` makes of text.
public struct BTFPatch: Equatable, Sendable {
    /// Where the first byte goes.
    public let offset: Int
    /// The new bits (zero where `mask` is).
    public let bytes: [UInt8]
    /// One bit per bit of `bytes` (as many bytes): set where the buffer takes the new bit.
    public let mask: [UInt8]

    /// A patch of whole bytes at `offset`.
    public init(offset: Int, bytes: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
        mask = [UInt8](repeating: 0xff, count: bytes.count)
    }

    /// A patch of the bits `mask` selects; a mask shorter than `bytes` selects nothing of the
    /// bytes past its end.
    public init(offset: Int, bytes: [UInt8], mask: [UInt8]) {
        self.offset = offset
        self.bytes = bytes
        self.mask = Array(mask.prefix(bytes.count)) + [UInt8](repeating: 0, count: max(0, bytes.count - mask.count))
    }

    /// The same patch `distance` bytes further on (a variable's patch placed in its section).
    public func moved(by distance: Int) -> BTFPatch {
        BTFPatch(offset: offset + distance, bytes: bytes, mask: mask)
    }

    /// Whether the patch lies inside a buffer of `count` bytes.
    public func fits(in count: Int) -> Bool {
        offset >= 0 && bytes.count <= count && offset <= count - bytes.count
    }

    /// Writes the patch over `buffer`; false (and nothing written) when it does not fit.
    @discardableResult
    public func apply(to buffer: inout [UInt8]) -> Bool {
        guard fits(in: buffer.count) else { return false }
        for i in bytes.indices {
            buffer[offset + i] = buffer[offset + i] & ~mask[i] | bytes[i] & mask[i]
        }
        return true
    }

    /// Whether the two patches write some bit in common.
    public func overlaps(_ other: BTFPatch) -> Bool {
        let start = max(offset, other.offset)
        let end = min(offset + bytes.count, other.offset + other.bytes.count)
        guard start < end else { return false }
        return (start..<end).contains { mask[$0 - offset] & other.mask[$0 - other.offset] != 0 }
    }
}
