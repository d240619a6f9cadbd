import Bytes

/// Which of a DEFLATE block's three Huffman codes an error concerns.
package enum HuffmanCodeKind: Sendable, Equatable, CustomStringConvertible {
    /// The code-length code of a dynamic block (RFC 1951 3.2.7, HCLEN).
    case codeLength
    /// The literal/length code.
    case literalLength
    /// The distance code.
    case distance

    package var description: String {
        switch self {
        case .codeLength: return "code-length code"
        case .literalLength: return "literal/length code"
        case .distance: return "distance code"
        }
    }
}

/// Everything that can be wrong with a gzip file or a raw DEFLATE stream. `offset` is the byte offset in
/// the input where the problem was found (for Huffman data: the byte holding the next unread bit).
package enum InflateError: Error, Equatable, CustomStringConvertible {
    // DEFLATE (RFC 1951).
    /// The input ended inside a block, a header or a trailer.
    case truncated(offset: Int)
    /// BTYPE 3 is reserved.
    case invalidBlockType(offset: Int)
    /// A stored block's NLEN is not the one's complement of LEN.
    case storedLengthMismatch(offset: Int, length: UInt16, complement: UInt16)
    /// HLIT above 286 or HDIST above 30.
    case tooManyCodes(offset: Int, literalLength: Int, distance: Int)
    /// More codes of some lengths than the code space holds.
    case overSubscribed(offset: Int, code: HuffmanCodeKind)
    /// Code lengths that leave part of the code space unused, where that is not allowed.
    case incomplete(offset: Int, code: HuffmanCodeKind)
    /// Code-length symbol 16 (repeat the previous length) with no previous length.
    case repeatWithoutPrevious(offset: Int)
    /// A code-length repeat that runs past HLIT + HDIST lengths.
    case repeatPastEnd(offset: Int, needed: Int, left: Int)
    /// The literal/length code has no code for symbol 256 (end of block).
    case missingEndOfBlock(offset: Int)
    /// Bits that are no code of an incomplete Huffman code.
    case invalidCode(offset: Int, code: HuffmanCodeKind)
    /// A symbol the format reserves (literal/length 286 and 287, distance 30 and 31).
    case invalidSymbol(offset: Int, code: HuffmanCodeKind, symbol: Int)
    /// A back-reference to before the start of the stream.
    case distanceTooFarBack(offset: Int, distance: Int, available: Int)
    /// The output would exceed the caller's limit.
    case outputLimit(offset: Int, limit: Int)
    // gzip (RFC 1952).
    /// The member does not start with 1f 8b.
    case badMagic(offset: Int, found: [UInt8])
    /// CM is not 8 (deflate).
    case unsupportedMethod(offset: Int, method: UInt8)
    /// FLG has reserved bits (5 to 7) set.
    case reservedFlags(offset: Int, flags: UInt8)
    /// FHCRC does not match the header's bytes.
    case headerCRCMismatch(offset: Int, stored: UInt16, computed: UInt16)
    /// The trailer's CRC-32 does not match the inflated data.
    case crcMismatch(offset: Int, stored: UInt32, computed: UInt32)
    /// The trailer's ISIZE is not the inflated size modulo 2^32.
    case sizeMismatch(offset: Int, stored: UInt32, actual: UInt32)

    /// Where in the input the problem was found.
    package var offset: Int {
        switch self {
        case let .truncated(o), let .invalidBlockType(o), let .storedLengthMismatch(o, _, _),
            let .tooManyCodes(o, _, _), let .overSubscribed(o, _), let .incomplete(o, _),
            let .repeatWithoutPrevious(o), let .repeatPastEnd(o, _, _), let .missingEndOfBlock(o),
            let .invalidCode(o, _), let .invalidSymbol(o, _, _), let .distanceTooFarBack(o, _, _),
            let .outputLimit(o, _), let .badMagic(o, _), let .unsupportedMethod(o, _),
            let .reservedFlags(o, _), let .headerCRCMismatch(o, _, _), let .crcMismatch(o, _, _),
            let .sizeMismatch(o, _, _):
            return o
        }
    }

    package var description: String {
        let at = "at byte \(offset) (\(hex(offset)))"
        switch self {
        case .truncated:
            return "compressed data is truncated: input ends \(at)"
        case .invalidBlockType:
            return "invalid deflate block type 3 \(at)"
        case let .storedLengthMismatch(_, length, complement):
            return "stored block length \(hex(length)) does not match its complement \(hex(complement)) \(at)"
        case let .tooManyCodes(_, literalLength, distance):
            return "dynamic block declares \(literalLength) literal/length and \(distance) distance codes (at most 286 and 30) \(at)"
        case let .overSubscribed(_, code):
            return "over-subscribed \(code.description) \(at)"
        case let .incomplete(_, code):
            return "incomplete \(code.description) \(at)"
        case .repeatWithoutPrevious:
            return "code-length repeat with no previous length \(at)"
        case let .repeatPastEnd(_, needed, left):
            return "code-length repeat of \(needed) with only \(left) lengths left \(at)"
        case .missingEndOfBlock:
            return "dynamic block has no end-of-block code \(at)"
        case let .invalidCode(_, code):
            return "invalid \(code.description) bits \(at)"
        case let .invalidSymbol(_, code, symbol):
            return "reserved symbol \(symbol) of the \(code.description) \(at)"
        case let .distanceTooFarBack(_, distance, available):
            return "back-reference distance \(distance) exceeds the \(available) bytes output so far \(at)"
        case let .outputLimit(_, limit):
            return "inflated data exceeds the limit of \(limit) bytes \(at)"
        case let .badMagic(_, found):
            var bytes = ""
            for b in found { bytes += (bytes.isEmpty ? "" : " ") + hex(b) }
            return "not gzip data: expected magic 0x1f 0x8b, found \(bytes.isEmpty ? "nothing" : bytes) \(at)"
        case let .unsupportedMethod(_, method):
            return "unsupported gzip compression method \(method) (only 8, deflate) \(at)"
        case let .reservedFlags(_, flags):
            return "gzip header flags \(hex(flags)) have reserved bits set \(at)"
        case let .headerCRCMismatch(_, stored, computed):
            return "gzip header CRC \(hex(stored)) does not match the computed \(hex(computed)) \(at)"
        case let .crcMismatch(_, stored, computed):
            return "gzip CRC-32 \(hex(stored)) does not match the computed \(hex(computed)) \(at)"
        case let .sizeMismatch(_, stored, actual):
            return "gzip ISIZE \(stored) does not match the inflated size \(actual) (mod 2^32) \(at)"
        }
    }
}
