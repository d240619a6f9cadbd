import BTFParser
import Bytes
import Testing

/// Text to bytes by issue 18's rules: what `set NAME=VALUE` accepts, and what it says otherwise.
@Suite("values from text")
struct ValueTextTests {
    /// Encodes `text` as a value of `id` and decodes the bytes back.
    static func roundTrip(_ btf: BTF, _ id: TypeID, _ text: String) throws -> BTFValue {
        let patch = try btf.encodeValue(text, of: id)
        var buffer = [UInt8](repeating: 0xaa, count: patch.bytes.count)
        #expect(patch.apply(to: &buffer))
        return try btf.decodeValue(of: id, from: ByteView(buffer))
    }

    static func error(_ btf: BTF, _ id: TypeID, _ text: String) -> BTFTextError? {
        failure { () throws(BTFTextError) in try btf.encodeValue(text, of: id) }
    }

    @Test("integers in four notations, range-checked against the width", arguments: [ByteOrder.little, .big])
    func integers(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let u8 = b.int("unsigned char", size: 1)
        let s16 = b.int("short", size: 2, signed: true)
        let u32 = b.add("__u32", .typedef(b.int("unsigned int")))
        let pid = b.add("", .const(b.add("", .volatile(b.add("pid_t", .typedef(b.int("int", signed: true)))))))
        let u64 = b.int("unsigned long long", size: 8)
        let s64 = b.int("long long", size: 8, signed: true)
        let btf = try b.parse(order)
        #expect(try btf.encodeValue("0x12345678", of: u32) == BTFPatch(offset: 0, bytes: bytes(UInt32(0x1234_5678), order)))
        #expect(try Self.roundTrip(btf, pid, "-42") == .int(-42))
        #expect(try Self.roundTrip(btf, pid, "2147483647") == .int(2_147_483_647))
        #expect(try Self.roundTrip(btf, pid, "-2147483648") == .int(-2_147_483_648))
        #expect(try Self.roundTrip(btf, u8, "0b1010") == .uint(10))
        #expect(try Self.roundTrip(btf, u8, "0o17") == .uint(15))
        #expect(try Self.roundTrip(btf, s16, "-0x8000") == .int(-32768))
        #expect(try Self.roundTrip(btf, u64, "18446744073709551615") == .uint(.max))
        #expect(try Self.roundTrip(btf, s64, "-9223372036854775808") == .int(.min))
        #expect(
            Self.error(btf, u8, "256")
                == .outOfRange(
                    text: "256", type: "unsigned char",
                    expected: "an integer from 0 to 255 (decimal, 0x hex, 0o octal or 0b binary)"))
        #expect(
            Self.error(btf, u32, "-1")?.description
                == "-1 is out of range for type '__u32': expected an integer from 0 to 4294967295 (decimal, 0x hex, 0o octal or 0b binary)")
        #expect(
            Self.error(btf, pid, "2147483648")?.description
                == "2147483648 is out of range for type 'const volatile pid_t': expected an integer from -2147483648 to 2147483647 (decimal, 0x hex, 0o octal or 0b binary)")
        #expect(
            Self.error(btf, pid, "12x")?.description
                == "'12x' is not a value of type 'const volatile pid_t': expected an integer from -2147483648 to 2147483647 (decimal, 0x hex, 0o octal or 0b binary)")
        for bad in ["", "-", "0x", "1.5", " 1", "+1", "0b102", "１"] {
            guard case .invalid? = Self.error(btf, u32, bad) else {
                Issue.record("'\(bad)' was taken")
                continue
            }
        }
        guard case .outOfRange? = Self.error(btf, u64, "999999999999999999999999999999999999999999999") else {
            Issue.record("a number past 128 bits was taken")
            return
        }
    }

    @Test("bool, enums by name or number, pointers, chars, 16-byte integers")
    func scalars() throws {
        var b = ValueTestBTF()
        let bool = b.add("bool", .typedef(b.int("_Bool", size: 1, encoding: .bool)))
        let mode = b.enumeration("mode", [("MODE_LIST", 0), ("MODE_COUNT", 1)])
        let signed = b.enumeration("level", size: 1, signed: true, [("LOW", -1), ("HIGH", 1)])
        let pointer = b.add("", .pointer(0))
        let char = b.int("char", size: 1, signed: true)
        let wide = b.int("unsigned __int128", size: 16)
        let btf = try b.parse()
        #expect(try Self.roundTrip(btf, bool, "true") == .bool(true))
        #expect(try Self.roundTrip(btf, bool, "0") == .bool(false))
        #expect(Self.error(btf, bool, "yes")?.description == "'yes' is not a value of type 'bool': expected true, false, 1 or 0")
        #expect(try Self.roundTrip(btf, mode, "MODE_COUNT") == .enumerator(name: "MODE_COUNT", value: 1))
        #expect(try Self.roundTrip(btf, mode, "7") == .enumerator(name: nil, value: 7))
        #expect(
            Self.error(btf, mode, "MODE_TREE")?.description
                == "'MODE_TREE' is not a value of type 'enum mode': expected one of MODE_LIST, MODE_COUNT or a number from 0 to 4294967295")
        #expect(
            Self.error(btf, signed, "200")?.description
                == "200 is out of range for type 'enum level': expected one of LOW, HIGH or a number from -128 to 127")
        #expect(try Self.roundTrip(btf, signed, "LOW") == .enumerator(name: "LOW", value: -1))
        #expect(try Self.roundTrip(btf, pointer, "0xffffffff81000000") == .pointer(0xffff_ffff_8100_0000))
        #expect(try Self.roundTrip(btf, char, "65") == .char(65))
        #expect(try Self.roundTrip(btf, char, "-1") == .char(0xff))
        #expect(try Self.roundTrip(btf, wide, "0xffffffffffffffffffffffffffffffff") == .uint128(.max))
    }

    @Test("char arrays take a string that fits with its NUL; other arrays 1,2,3")
    func arrays() throws {
        var b = ValueTestBTF()
        let char = b.int("char", size: 1, signed: true)
        let comm = b.array(b.add("", .const(b.add("", .volatile(char)))), 16)
        let u32 = b.add("__u32", .typedef(b.int("unsigned int")))
        let ports = b.array(u32, 4)
        let matrix = b.array(b.array(u32, 2), 2)
        let btf = try b.parse()
        let patch = try btf.encodeValue("bash", of: comm)
        #expect(patch.bytes == Array("bash".utf8) + [UInt8](repeating: 0, count: 12))  // NUL-padded over old contents
        #expect(try Self.roundTrip(btf, comm, "") == .string(BTFString(bytes: [])))
        #expect(try Self.roundTrip(btf, comm, "123456789012345") == .string(BTFString(bytes: Array("123456789012345".utf8))))
        #expect(
            Self.error(btf, comm, "1234567890123456")?.description
                == "'1234567890123456' is 16 bytes, but 'const volatile char[16]' holds at most 15 and a NUL")
        #expect(try Self.roundTrip(btf, ports, "22,80") == .array([.uint(22), .uint(80), .uint(0), .uint(0)]))
        #expect(try Self.roundTrip(btf, ports, "1, 2, 3, 0x4") == .array([.uint(1), .uint(2), .uint(3), .uint(4)]))
        #expect(try Self.roundTrip(btf, ports, "") == .array([.uint(0), .uint(0), .uint(0), .uint(0)]))
        #expect(Self.error(btf, ports, "1,2,3,4,5")?.description == "5 elements given, but '__u32[4]' has 4")
        #expect(
            Self.error(btf, ports, "1,,3")?.description
                == "'' is not a value of type '__u32': expected an integer from 0 to 4294967295 (decimal, 0x hex, 0o octal or 0b binary)")
        #expect(
            Self.error(btf, matrix, "1,2")?.description
                == "type '__u32[2][2]' cannot be set from text: an array of '__u32[2]': set one element at a time, NAME[i]=VALUE")
    }

    @Test("bitfields are written under a mask, leaving their neighbours alone", arguments: [ByteOrder.little, .big])
    func bitfields(order: ByteOrder) throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let int = b.int("int", signed: true)
        let limits = b.record("limits", size: 4, [("verbose", u32, 0, 1), ("level", u32, 1, 3), ("delta", int, 4, 4), ("wide", u32, 8, 12)])
        let btf = try b.parse(order)
        var buffer = [UInt8](repeating: 0, count: 4)
        let set = [("level", "5"), ("delta", "-2"), ("wide", "0xabc"), ("verbose", "1")]
        for (member, text) in set {
            let location = try btf.locate(BTFPath(root: "limits", steps: [.member(member)]), in: limits)
            #expect(try btf.encodeValue(text, at: location).apply(to: &buffer))
        }
        #expect(try btf.decodeValue(of: limits, from: ByteView(buffer)).plainText == "verbose=1 level=5 delta=-2 wide=2748")
        let level = try btf.locate(BTFPath(root: "limits", steps: [.member("level")]), in: limits)
        #expect(
            failure { () throws(BTFTextError) in try btf.encodeValue("8", at: level) }?.description
                == "8 is out of range for type 'unsigned int:3': expected an integer from 0 to 7 (decimal, 0x hex, 0o octal or 0b binary)")
        let delta = try btf.locate(BTFPath(root: "limits", steps: [.member("delta")]), in: limits)
        #expect(
            failure { () throws(BTFTextError) in try btf.encodeValue("-9", at: delta) }?.description
                == "-9 is out of range for type 'int:4': expected an integer from -8 to 7 (decimal, 0x hex, 0o octal or 0b binary)")
    }

    @Test("structs, floats and void are not set from text, and say why")
    func notSettable() throws {
        var b = ValueTestBTF()
        let u32 = b.int("unsigned int")
        let limits = b.record("limits", size: 8, [("max_tasks", u32, 0, 0), ("min_pid", u32, 32, 0)])
        let ratio = b.add("float", .float(size: 4))
        let btf = try b.parse()
        #expect(
            Self.error(btf, limits, "1")?.description
                == "type 'struct limits' cannot be set from text: set each member of the struct on its own, NAME.member=VALUE (members: max_tasks, min_pid)")
        #expect(Self.error(btf, ratio, "1.5")?.description == "type 'float' cannot be set from text: floating-point values are not taken from text")
        #expect(Self.error(btf, 0, "1")?.description == "type 'void' cannot be set from text: it has no value")
    }

    @Test("patches: overlap, moving, and refusing to write outside the buffer")
    func patches() {
        let whole = BTFPatch(offset: 2, bytes: [1, 2])
        let lowBits = BTFPatch(offset: 3, bytes: [0x01], mask: [0x0f])
        let highBits = BTFPatch(offset: 3, bytes: [0x10], mask: [0xf0])
        #expect(whole.overlaps(lowBits) && lowBits.overlaps(whole))
        #expect(!lowBits.overlaps(highBits))
        #expect(!whole.overlaps(BTFPatch(offset: 4, bytes: [9])))
        var buffer: [UInt8] = [0, 0, 0, 0xff]
        #expect(lowBits.apply(to: &buffer) && buffer == [0, 0, 0, 0xf1])
        #expect(!whole.moved(by: 1).apply(to: &buffer) && buffer == [0, 0, 0, 0xf1])
        #expect(!BTFPatch(offset: -1, bytes: [1]).fits(in: 4))
    }
}
