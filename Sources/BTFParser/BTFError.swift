import Bytes

/// Everything that can be wrong with a BTF blob, with the type id or offset it concerns.
public enum BTFError: Error, Equatable, CustomStringConvertible {
    case truncatedHeader(size: Int)
    case badMagic(UInt16)
    case unsupportedVersion(UInt8)
    /// `btf_header.flags` is not 0: no kernel defines a flag.
    case unsupportedFlags(UInt8)
    case badHeaderLength(UInt32)
    /// A section (types or strings) that does not fit in the blob.
    case sectionOutOfBounds(section: String, offset: UInt32, length: UInt32, blobSize: Int)
    case typeSectionMisaligned(offset: UInt32)
    /// A type record that runs past the end of the type section.
    case truncatedType(id: UInt32, offset: Int)
    case unknownKind(id: UInt32, kind: UInt8)
    /// The string section must start with an empty string and end with a NUL.
    case badStringSection(String)
    case stringOffsetOutOfRange(id: UInt32, offset: UInt32, stringsLength: Int)
    case typeIDOutOfRange(id: UInt32, referenced: UInt32, count: Int)
    case noSuchType(UInt32)
    /// Modifier, typedef, array or var chains that loop back on themselves (or nest absurdly deep).
    case typeCycle(id: UInt32)
    case invalidType(id: UInt32, reason: String)
    /// .BTF.ext problems: the section, the record and what is wrong.
    case badExt(String)

    public var description: String {
        switch self {
        case let .truncatedHeader(size):
            return "BTF is \(size) bytes, too short for its 24-byte header"
        case let .badMagic(magic):
            return "bad BTF magic \(hex(magic)), expected 0xeb9f"
        case let .unsupportedFlags(flags):
            return "BTF header flags \(hex(flags)) are not 0 (the kernel defines no flag and refuses any)"
        case let .unsupportedVersion(version):
            return "unsupported BTF version \(version), expected 1"
        case let .badHeaderLength(length):
            return "BTF header length \(length) is invalid"
        case let .sectionOutOfBounds(section, offset, length, blobSize):
            return "BTF \(section) section at \(hex(offset)) + \(hex(length)) beyond end of BTF (\(hex(blobSize)))"
        case let .typeSectionMisaligned(offset):
            return "BTF type section offset \(hex(offset)) is not 4-byte aligned"
        case let .truncatedType(id, offset):
            return "BTF type [\(id)] at \(hex(offset)) runs past the end of the type section"
        case let .unknownKind(id, kind):
            return "BTF type [\(id)] has unknown kind \(kind)"
        case let .badStringSection(reason):
            return "BTF string section \(reason)"
        case let .stringOffsetOutOfRange(id, offset, length):
            return "BTF type [\(id)] names string offset \(hex(offset)), beyond the string section (\(hex(length)))"
        case let .typeIDOutOfRange(id, referenced, count):
            return "BTF type [\(id)] refers to type [\(referenced)], but there are only \(count) types"
        case let .noSuchType(id):
            return "BTF has no type [\(id)]"
        case let .typeCycle(id):
            return "BTF type [\(id)] is part of a reference cycle"
        case let .invalidType(id, reason):
            return "BTF type [\(id)]: \(reason)"
        case let .badExt(reason):
            return ".BTF.ext: \(reason)"
        }
    }
}
