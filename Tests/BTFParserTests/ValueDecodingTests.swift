import BTFParser
import Bytes
import Testing

/// Bytes to values, in both byte orders, and every way BTF or bytes can be wrong.
@Suite("decoding values")
struct ValueDecodingTests {
    static let orders: [ByteOrder] = [.little, .big]

    @Test("integers of 1, 2, 4, 8 and 16 bytes, signed and unsigned", arguments: orders)
    func integers(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let s8 = b.int("signed char", size: 1, signed: true)
        let u16 = b.int("unsigned short", size: 2)
        let s32 = b.int("int", signed: true)
        let u64 = b.int("unsigned long long", size: 8)
        let s64 = b.int("long long", size: 8, signed: true)
        let u128 = b.int("unsigned __int128", size: 16)
        let s128 = b.int("__int128", size: 16, signed: true)
        let pid = b.add("pid_t", .typedef(b.add("", .const(b.add("", .volatile(s32))))))
        let btf = try b.parse(order)
        func decode(_ id: TypeID, _ raw: [UInt8]) throws -> BTFValue { try btf.decodeValue(of: id, from: ByteView(raw)) }
        #expect(try decode(s8, [0xfe]) == .int(-2))
        #expect(try decode(u16, bytes(UInt16(0xbeef), order)) == .uint(0xbeef))
        #expect(try decode(s32, bytes(Int32(-70000), order)) == .int(-70000))
        #expect(try decode(pid, bytes(Int32(4242), order) + [9, 9]) == .int(4242))  // extra bytes are ignored
        #expect(try decode(u64, bytes(UInt64.max, order)) == .uint(.max))
        #expect(try decode(s64, bytes(Int64.min, order)) == .int(.min))
        let high = bytes(UInt64(1), order), low = bytes(UInt64(2), order)
        #expect(try decode(u128, order == .little ? low + high : high + low) == .uint128(UInt128(1) << 64 | 2))
        #expect(try decode(s128, [UInt8](repeating: 0xff, count: 16)) == .int128(-1))
    }

    @Test("bool, char, strings up to the first NUL, raw bytes when not UTF-8")
    func characters() throws {
        var b = ValueTestBTF()
        let bool = b.int("_Bool", size: 1, encoding: .bool)
        let char = b.int("char", size: 1, signed: true)
        let u8 = b.int("unsigned char", size: 1)
        let comm = b.array(b.add("", .const(char)), 8)
        let mac = b.array(b.add("__u8", .typedef(u8)), 4)
        let btf = try b.parse()
        #expect(try btf.decodeValue(of: bool, from: ByteView([1])) == .bool(true))
        #expect(try btf.decodeValue(of: bool, from: ByteView([0])) == .bool(false))
        #expect(try btf.decodeValue(of: char, from: ByteView([0x41])) == .char(0x41))
        let bash = try btf.decodeValue(of: comm, from: ByteView(Array("bash".utf8) + [0, 0x41, 0, 0]))
        #expect(bash == .string(BTFString(bytes: Array("bash".utf8))))
        guard case let .string(text) = bash else { return }
        #expect(text.text == "bash")
        let full = try btf.decodeValue(of: comm, from: ByteView(Array("12345678".utf8)))
        #expect(full == .string(BTFString(bytes: Array("12345678".utf8))))
        guard case let .string(latin) = try btf.decodeValue(of: comm, from: ByteView([0x61, 0xe9, 0x62, 0, 0, 0, 0, 0])) else {
            Issue.record("not a string")
            return
        }
        #expect(latin.bytes == [0x61, 0xe9, 0x62] && latin.text == nil)
        // __u8 arrays are bytes, not text.
        #expect(try btf.decodeValue(of: mac, from: ByteView([1, 2, 3, 4])) == .array([.uint(1), .uint(2), .uint(3), .uint(4)]))
    }

    @Test("enums by constant name, or the number; signed, packed and 64-bit ones", arguments: orders)
    func enums(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let mode = b.enumeration("mode", [("MODE_LIST", 0), ("MODE_COUNT", 1), ("MODE_ALL", 0xffff_fffe)])
        let signed = b.enumeration("signed_values", signed: true, [("NEGATIVE", -3), ("POSITIVE", 3)])
        let packed = b.enumeration("packed", size: 1, signed: true, [("MINUS_ONE", -1)])
        let big = b.enumeration("big_values", size: 8, wide: true, [("BIG_TOP", Int64(bitPattern: 0x8000_0000_0000_0001))])
        let btf = try b.parse(order)
        func decode(_ id: TypeID, _ raw: [UInt8]) throws -> BTFValue { try btf.decodeValue(of: id, from: ByteView(raw)) }
        #expect(try decode(mode, bytes(UInt32(1), order)) == .enumerator(name: "MODE_COUNT", value: 1))
        #expect(try decode(mode, bytes(UInt32(0xffff_fffe), order)) == .enumerator(name: "MODE_ALL", value: 0xffff_fffe))
        #expect(try decode(mode, bytes(UInt32(7), order)) == .enumerator(name: nil, value: 7))
        #expect(try decode(signed, bytes(Int32(-3), order)) == .enumerator(name: "NEGATIVE", value: -3))
        #expect(try decode(packed, [0xff]) == .enumerator(name: "MINUS_ONE", value: -1))
        #expect(try decode(big, bytes(UInt64(0x8000_0000_0000_0001), order)) == .enumerator(name: "BIG_TOP", value: 0x8000_0000_0000_0001))
        #expect(try decode(mode, bytes(UInt32(1), order)).description == "MODE_COUNT")
        #expect(try decode(mode, bytes(UInt32(7), order)).description == "7")
    }

    @Test("pointers as addresses, floats of 2, 4 and 8 bytes", arguments: orders)
    func pointersAndFloats(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let int = b.int("int", signed: true)
        let pointer = b.add("", .pointer(int))
        let half = b.add("_Float16", .float(size: 2))
        let single = b.add("float", .float(size: 4))
        let double = b.add("double", .float(size: 8))
        let quad = b.add("long double", .float(size: 16))
        let btf = try b.parse(order)
        func decode(_ id: TypeID, _ raw: [UInt8]) throws -> BTFValue { try btf.decodeValue(of: id, from: ByteView(raw)) }
        #expect(try decode(pointer, bytes(UInt64(0xffff_8880_dead_beef), order)) == .pointer(0xffff_8880_dead_beef))
        #expect(try decode(pointer, bytes(UInt64(0xffff_8880_dead_beef), order)).description == "0xffff8880deadbeef")
        #expect(try decode(half, bytes(UInt16(0x3e00), order)) == .float(1.5))
        #expect(try decode(half, bytes(UInt16(0xc000), order)) == .float(-2))
        #expect(try decode(half, bytes(UInt16(0x0001), order)) == .float(5.960464477539063e-08))
        #expect(try decode(single, bytes(Float(1.5).bitPattern, order)) == .float(1.5))
        #expect(try decode(double, bytes(Double(-0.25).bitPattern, order)) == .float(-0.25))
        #expect(
            failure { () throws(BTFValueError) in try btf.decodeValue(of: quad, from: ByteView([UInt8](repeating: 0, count: 16))) }
                == .unsupported(type: "long double", reason: "a FLOAT of 16 bytes (2, 4 and 8 are)"))
    }

    /// struct limits { __u32 max_tasks; __u16 min_pid; unsigned verbose:1, level:3; int delta:4; }
    /// as clang lays it out in each byte order: the bits count from the first byte's least
    /// significant bit (little-endian) or its most significant one (big-endian).
    @Test("structs with bitfields, signed and unsigned, in both byte orders", arguments: orders)
    func bitfields(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let u16 = b.int("unsigned short", size: 2)
        let int = b.int("int", signed: true)
        let limits = b.record(
            "limits", size: 8,
            [
                ("max_tasks", u32, 0, 0), ("min_pid", u16, 32, 0), ("verbose", u32, 48, 1), ("level", u32, 49, 3), ("delta", int, 52, 4),
            ])
        let btf = try b.parse(order)
        // verbose = 1, level = 5, delta = -2 (0b1110) in the byte at offset 6 and its neighbour.
        let bits: [UInt8] = order == .little ? [0b1110_1011, 0] : [0b1101_1110, 0]
        let raw = bytes(UInt32(10), order) + bytes(UInt16(300), order) + bits
        let value = try btf.decodeValue(of: limits, from: ByteView(raw))
        #expect(
            value
                == .record([
                    BTFField(name: "max_tasks", value: .uint(10)), BTFField(name: "min_pid", value: .uint(300)),
                    BTFField(name: "verbose", value: .uint(1)), BTFField(name: "level", value: .uint(5)),
                    BTFField(name: "delta", value: .int(-2)),
                ]))
        #expect(value.plainText == "max_tasks=10 min_pid=300 verbose=1 level=5 delta=-2")
    }

    @Test("a bitfield that straddles bytes; bool and enum bitfields; an old-style INT bitfield", arguments: orders)
    func straddling(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let bool = b.int("_Bool", size: 1, encoding: .bool)
        let mode = b.enumeration("mode", [("A", 0), ("B", 1), ("C", 2)])
        // 12 bits from bit 6: bits 6..17 of the first three bytes.
        let wide = b.record("wide", size: 4, [("pad", u32, 0, 6), ("field", u32, 6, 12), ("on", bool, 18, 1), ("mode", mode, 19, 2)])
        let old = b.add("", .int(size: 4, encoding: [], bitOffset: 0, bits: 3))
        let legacy = b.record("legacy", size: 4, [("three", old, 5, 0)])
        let btf = try b.parse(order)
        let field: UInt32 = 0xabc, on: UInt32 = 1, modeValue: UInt32 = 2
        let little = field << 6 | on << 18 | modeValue << 19
        // Big-endian counts bits from the most significant end of the 32-bit unit.
        let big = field << (32 - 6 - 12) | on << (32 - 18 - 1) | modeValue << (32 - 19 - 2)
        let raw = bytes(order == .little ? little : big, order)
        let value = try btf.decodeValue(of: wide, from: ByteView(raw))
        #expect(value.fields.map { $0.description } == ["pad=0", "field=2748", "on=true", "mode=C"])
        let three: UInt32 = 0b101
        let legacyRaw = bytes(order == .little ? three << 5 : three << (32 - 5 - 3), order)
        #expect(try btf.decodeValue(of: legacy, from: ByteView(legacyRaw)).plainText == "three=5")
    }

    @Test("anonymous members, unions, nested structs and arrays of arrays")
    func nesting() throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let char = b.int("char", size: 1, signed: true)
        let point = b.record("point", size: 8, [("x", u32, 0, 0), ("y", u32, 32, 0)])
        let either = b.record("", size: 4, union: true, [("as_int", u32, 0, 0), ("as_bytes", b.array(char, 4), 0, 0)])
        let matrix = b.array(b.array(u32, 2), 2)
        let shape = b.record("shape", size: 32, [("origin", point, 0, 0), ("", either, 64, 0), ("m", matrix, 96, 0)])
        let btf = try b.parse()
        var raw = bytes(UInt32(1), .little) + bytes(UInt32(2), .little) + Array("hi\0\0".utf8)
        for v in [UInt32(1), 2, 3, 4] { raw += bytes(v, .little) }
        raw += [0, 0, 0, 0]
        let value = try btf.decodeValue(of: shape, from: ByteView(raw))
        #expect(value.plainText == #"origin={x=1 y=2} as_int=26984 as_bytes="hi" m={{1,2},{3,4}}"#)
        guard case let .record(members) = value else { return }
        #expect(members.map { $0.name } == ["origin", "", "m"])  // the tree keeps the anonymous member
    }

    @Test("strings and chars escape what is not printable")
    func escapes() {
        #expect(BTFValue.string(BTFString(bytes: Array("a\"b\\c\n\t\u{1}".utf8))).description == #""a\"b\\c\n\t\x01""#)
        #expect(BTFValue.string(BTFString(bytes: Array("née €".utf8))).description == "\"née €\"")
        #expect(BTFValue.string(BTFString(bytes: [0x66, 0xff, 0x80])).description == #""f\xff\x80""#)
        #expect(BTFValue.string(BTFString(bytes: Array("\u{85}".utf8))).description == #""\xc2\x85""#)
        #expect(BTFValue.char(0x27).description == #"'\''"#)
        #expect(BTFValue.char(0).description == #"'\x00'"#)
        #expect(BTFValue.bool(true).description == "true")
        #expect(BTFValue.array([]).description == "{}")
        #expect(BTFValue.record([]).plainText == "")
    }

    @Test("short input, unsized types, members outside their struct: typed errors")
    func malformed() throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let forward = b.add("task_struct", .forward(isUnion: false))
        let outside = b.record("outside", size: 4, [("a", u32, 16, 0)])
        let outsideBits = b.record("bits", size: 1, [("a", u32, 4, 6)])
        let three = b.add("u24", .int(size: 3, encoding: [], bitOffset: 0, bits: 24))
        let wideField = b.record("wide", size: 16, [("a", b.int("unsigned __int128", size: 16), 0, 70)])
        let dangling = b.add("", .typedef(99))
        let btf = try b.parse()
        func error(_ id: TypeID, _ raw: [UInt8]) -> BTFValueError? {
            failure { () throws(BTFValueError) in try btf.decodeValue(of: id, from: ByteView(raw)) }
        }
        #expect(error(u32, [1, 2]) == .truncated(type: "unsigned int", needed: 4, available: 2))
        #expect(error(u32, [1, 2])?.description == "a value of type 'unsigned int' needs 4 bytes, only 2 remain")
        #expect(error(0, []) == .unsized(type: "void"))
        #expect(error(forward, [0]) == .unsized(type: "struct task_struct"))
        #expect(error(outside, [0, 0, 0, 0]) == .memberOutside(type: "struct outside", member: "a", bitOffset: 16, bits: 32, size: 4))
        #expect(error(outsideBits, [0]) == .memberOutside(type: "struct bits", member: "a", bitOffset: 4, bits: 6, size: 1))
        #expect(error(three, [1, 2, 3]) == .unsupported(type: "u24", reason: "a whole number of 3 bytes"))
        #expect(error(wideField, [UInt8](repeating: 0, count: 16)) == .unsupported(type: "unsigned __int128", reason: "a bitfield of 70 bits (at most 64)"))
        #expect(error(dangling, [0]) == .btf(.noSuchType(99)))
    }

    @Test("a struct that contains itself, and a billion empty structs, stop with an error")
    func hostile() throws {
        var b = ValueTestBTF()
        // [1] struct self { struct self inner; } size 4: only malformed BTF can say this.
        b.add("self", .structure(size: 4, members: [BTFMember(nameOffset: 0, type: 1, bitOffset: 0, bitfieldSize: 0)], bitfields: false))
        let empty = b.record("empty", size: 0, [])
        let many = b.array(empty, 1_000_000_000)
        let btf = try b.parse()
        let deep = failure { () throws(BTFValueError) in try btf.decodeValue(of: 1, from: ByteView([0, 0, 0, 0])) }
        #expect(deep == .tooDeep(type: "struct self"))
        let large = failure { () throws(BTFValueError) in try btf.decodeValue(of: many, from: ByteView([0])) }
        #expect(large == .tooLarge(type: "struct empty", limit: 8 + 4096))
    }
}
