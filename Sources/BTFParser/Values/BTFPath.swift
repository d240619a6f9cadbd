import Bytes

/// A path into a value, as C writes it: `cfg`, `cfg.ports[2]`, `table[1][0].name`.
public struct BTFPath: Hashable, Sendable, CustomStringConvertible {
    /// One step from a value into a part of it.
    public enum Step: Hashable, Sendable {
        /// `.name`: a member of a struct or union (or of an anonymous one inside it, as in C).
        case member(String)
        /// `[i]`: an element of an array.
        case index(UInt64)
    }

    /// The name the path starts from (a variable).
    public let root: String
    /// The steps after it, outermost first.
    public let steps: [Step]

    /// A path of `root` and `steps`.
    public init(root: String, steps: [Step] = []) {
        self.root = root
        self.steps = steps
    }

    /// Parses `NAME`, then any chain of `.member` and `[index]` (an index in decimal, `0x` hex,
    /// `0o` octal or `0b` binary); names are C identifiers.
    public init(parsing text: String) throws(BTFPathError) {
        let bytes = Array(text.utf8)
        var at = 0
        func fail(_ reason: String) -> BTFPathError { .syntax(text: text, reason: reason) }
        // The character at byte `at`, whole (`é`, not its first byte read as Latin-1), and where
        // it is counted in characters, as the user counts.
        func shown(_ at: Int) -> String {
            let lead = bytes[at]
            let length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
            let character = String(decoding: bytes[at..<min(bytes.count, at + length)], as: UTF8.self)
            return "'\(character)' at \(String(decoding: bytes[..<at], as: UTF8.self).unicodeScalars.count)"
        }
        func identifier() throws(BTFPathError) -> String {
            let start = at
            while at < bytes.count, BTFPath.isIdentifierByte(bytes[at], first: at == start) { at += 1 }
            guard at > start else {
                throw fail(at < bytes.count ? "\(shown(at)) cannot start a name" : "a name is missing at the end")
            }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }
        root = try identifier()
        var steps: [Step] = []
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "."):
                at += 1
                steps.append(.member(try identifier()))
            case UInt8(ascii: "["):
                guard let close = bytes[at...].firstIndex(of: UInt8(ascii: "]")) else { throw fail("'[' at \(at) is not closed") }
                let digits = String(decoding: bytes[(at + 1)..<close], as: UTF8.self)
                guard let number = IntegerText(digits), !number.negative, let index = UInt64(exactly: number.magnitude) else {
                    throw fail("'[\(digits)]' is not an index (a number from 0)")
                }
                steps.append(.index(index))
                at = close + 1
            default:
                throw fail("\(shown(at)): expected '.member' or '[index]'")
            }
        }
        self.steps = steps
    }

    /// The path as C writes it.
    public var description: String { prefix(steps.count) }

    /// The root and the first `count` steps, as C writes them.
    func prefix(_ count: Int) -> String {
        var text = root
        for step in steps.prefix(count) {
            switch step {
            case let .member(name): text += "." + name
            case let .index(index): text += "[\(index)]"
            }
        }
        return text
    }

    static func isIdentifierByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return !first
        default: return false
        }
    }
}

/// A member as a path names it: through anonymous members, at its bit offset from the start of
/// the aggregate the path is in.
struct NamedMember {
    let name: String
    let member: BTFMember
    let bitOffset: UInt64
}

/// Where a path leads in a value of the type it was resolved in.
public struct BTFLocation: Equatable, Sendable {
    /// The type found there, as declared (typedefs and qualifiers kept, for messages).
    public var type: TypeID
    /// Offset of its first byte from the start of the outer value.
    public var byteOffset: Int
    /// Set for a bitfield: which bits of the bytes from `byteOffset` on hold it.
    public var bitfield: BTFBitfield?

    /// No value is this large (the kernel's largest map value is a few MiB): offsets stay below
    /// it, so the arithmetic on them cannot overflow, whatever the BTF says.
    static let maximumOffset = 1 << 40

    /// A location of `type` at `byteOffset`, a bitfield when `bitfield` is set.
    public init(type: TypeID, byteOffset: Int, bitfield: BTFBitfield? = nil) {
        self.type = type
        self.byteOffset = byteOffset
        self.bitfield = bitfield
    }
}

/// A bitfield's bits: `bits` of them, from bit `bitOffset` (0 to 7) of the byte it starts in,
/// counted the way the target's byte order counts them (see `RawBits`).
public struct BTFBitfield: Equatable, Sendable {
    /// First bit, within the location's first byte.
    public var bitOffset: Int
    /// Width in bits.
    public var bits: Int

    /// A bitfield `bits` wide from bit `bitOffset`.
    public init(bitOffset: Int, bits: Int) {
        self.bitOffset = bitOffset
        self.bits = bits
    }
}

extension BTF {
    /// Follows `path`'s steps through a value of type `id`: members (looking into anonymous
    /// structs and unions, as C does) and array elements. The root's name is for messages only.
    public func locate(_ path: BTFPath, in id: TypeID) throws(BTFPathError) -> BTFLocation {
        var location = BTFLocation(type: id, byteOffset: 0)
        for (i, step) in path.steps.enumerated() {
            let here = path.prefix(i)
            let shape: ValueShape
            do { shape = try self.shape(of: location.type) } catch { throw .btf(error) }
            switch step {
            case let .member(name):
                guard location.bitfield == nil, case let .record(members, _, _) = shape else {
                    throw .notARecord(path: here, member: name, type: displayName(location))
                }
                let reachable = try namedMembers(members, of: location.type)
                guard let found = reachable.first(where: { $0.name == name }) else {
                    throw .noSuchMember(path: here, member: name, type: displayName(location), members: reachable.map { $0.name })
                }
                location = try place(found.member, atBit: found.bitOffset, in: location)
            case let .index(index):
                guard location.bitfield == nil, case let .array(element, count) = shape else {
                    throw .notAnArray(path: here, type: displayName(location))
                }
                guard index < UInt64(count) else {
                    throw .indexOutOfRange(path: here, index: index, type: displayName(location), count: count)
                }
                let stride: UInt64
                do { stride = try size(of: element) } catch { throw .btf(error) }
                let (offset, overflow) = stride.multipliedReportingOverflow(by: index)
                guard !overflow, offset <= UInt64(BTFLocation.maximumOffset - location.byteOffset) else {
                    throw .btf(.invalidType(id: element, reason: "element \(index) lies beyond any value's bytes"))
                }
                location = BTFLocation(type: element, byteOffset: location.byteOffset + Int(offset))
            }
        }
        return location
    }

    /// The type at `location` as C writes it, with its width for a bitfield (`unsigned int:3`).
    public func displayName(_ location: BTFLocation) -> String {
        displayName(location.type) + (location.bitfield.map { ":\($0.bits)" } ?? "")
    }

    /// The members a path can name in a struct or union with these members: its named ones, and
    /// those of its anonymous struct and union members in their place (as C reaches them), each
    /// with its bit offset from the start of the outer aggregate. Bounded: malformed BTF can nest
    /// anonymous members in each other exponentially, or in themselves.
    func namedMembers(_ members: [BTFMember], of id: TypeID) throws(BTFPathError) -> [NamedMember] {
        var found: [NamedMember] = []
        var visits = 0
        func walk(_ members: [BTFMember], base: UInt64, depth: Int) throws(BTFPathError) {
            for member in members {
                visits += 1
                guard visits <= BTF.maximumMemberVisits, depth <= BTF.maxResolveDepth else {
                    throw .btf(.invalidType(id: id, reason: "anonymous members nest more than \(BTF.maxResolveDepth) deep or \(BTF.maximumMemberVisits) in all"))
                }
                let name = string(at: member.nameOffset)?.string ?? ""
                let bit = base + UInt64(member.bitOffset)
                guard name.isEmpty else {
                    found.append(NamedMember(name: name, member: member, bitOffset: bit))
                    continue
                }
                let shape: ValueShape
                do { shape = try self.shape(of: member.type) } catch { throw .btf(error) }
                if case let .record(inner, _, _) = shape { try walk(inner, base: bit, depth: depth + 1) }
            }
        }
        try walk(members, base: 0, depth: 0)
        return found
    }

    /// No legitimate struct reaches this many members through anonymous ones (a BTF record
    /// holds at most 65535).
    static let maximumMemberVisits = 1 << 17

    /// The location of `member`, `bit` bits into the aggregate at `outer`.
    private func place(_ member: BTFMember, atBit bit: UInt64, in outer: BTFLocation) throws(BTFPathError) -> BTFLocation {
        var start = bit
        var width = UInt64(member.bitfieldSize)
        if width == 0 && bit % 8 != 0 {
            // Off a byte boundary without kind_flag: the member's INT says which of its bits it uses.
            let shape: ValueShape
            do { shape = try self.shape(of: member.type) } catch { throw .btf(error) }
            guard case let .integer(_, _, intOffset, bits) = shape else {
                throw .btf(.invalidType(id: member.type, reason: "a member at bit \(bit) that is not an integer"))
            }
            start += UInt64(intOffset)
            width = UInt64(bits)
        }
        // `outer.byteOffset` is below maximumOffset and member offsets are 32-bit: no overflow.
        let absolute = outer.byteOffset * 8 + Int(start)
        guard width > 0 else { return BTFLocation(type: member.type, byteOffset: outer.byteOffset + Int(start / 8)) }
        return BTFLocation(type: member.type, byteOffset: absolute / 8, bitfield: BTFBitfield(bitOffset: absolute % 8, bits: Int(width)))
    }
}
