import BTFParser
import Bytes
import Testing

/// Hand-made broken BTF: each flaw is a typed error naming the type, never a trap or a hang.
@Suite("BTF errors")
struct BTFErrorTests {
    func int(_ btf: inout EditableBTF) -> TypeID {
        btf.append(BTFType(nameOffset: btf.addString("int"), body: .int(size: 4, encoding: .signed, bitOffset: 0, bits: 32)))
    }

    func parse(_ btf: EditableBTF) throws -> BTF {
        try BTF(ByteView(btf.encoded()))
    }

    @Test("a typedef cycle is a typeCycle error, from validate and from resolving")
    func cycle() throws {
        var btf = EditableBTF()
        _ = int(&btf)
        // [2] typedef a -> [3], [3] const -> [4], [4] typedef b -> [2]: no pointer breaks the loop.
        btf.append(BTFType(nameOffset: btf.addString("a"), body: .typedef(3)))
        btf.append(BTFType(nameOffset: 0, body: .const(4)))
        btf.append(BTFType(nameOffset: btf.addString("b"), body: .typedef(2)))
        let parsed = try parse(btf)
        #expect(throws: BTFError.typeCycle(id: 2)) { try parsed.validate() }
        #expect(throws: BTFError.typeCycle(id: 2)) { try parsed.skipModsAndTypedefs(2) }
        #expect(throws: BTFError.typeCycle(id: 3)) { try parsed.size(of: 3) }
    }

    @Test("a cycle through a pointer is legal")
    func pointerCycle() throws {
        var btf = EditableBTF()
        let i = int(&btf)
        // struct node { int value; struct node *next; }
        let node = btf.append(BTFType(nameOffset: btf.addString("node"), body: .structure(size: 16, members: [
            BTFMember(nameOffset: btf.addString("value"), type: i, bitOffset: 0, bitfieldSize: 0),
            BTFMember(nameOffset: btf.addString("next"), type: 3, bitOffset: 64, bitfieldSize: 0),
        ], bitfields: false)))
        btf.append(BTFType(nameOffset: 0, body: .pointer(node)))
        let parsed = try parse(btf)
        try parsed.validate()
        #expect(try parsed.size(of: node) == 16)
        #expect(parsed.displayName(3) == "struct node *")
    }

    @Test("a name offset past the string section")
    func stringOffset() throws {
        var btf = EditableBTF()
        btf.append(BTFType(nameOffset: 0x10000, body: .int(size: 4, encoding: [], bitOffset: 0, bits: 32)))
        let parsed = try parse(btf)
        #expect(throws: BTFError.stringOffsetOutOfRange(id: 1, offset: 0x10000, stringsLength: 1)) { try parsed.validate() }
        #expect(parsed.name(of: 1) == "")
    }

    @Test("a member name offset past the string section")
    func memberStringOffset() throws {
        var btf = EditableBTF()
        let i = int(&btf)
        btf.append(BTFType(nameOffset: 0, body: .structure(size: 4, members: [
            BTFMember(nameOffset: 999, type: i, bitOffset: 0, bitfieldSize: 0)], bitfields: false)))
        let parsed = try parse(btf)
        #expect(throws: BTFError.stringOffsetOutOfRange(id: 2, offset: 999, stringsLength: btf.strings.count)) {
            try parsed.validate()
        }
    }

    @Test("a reference to a type id that does not exist")
    func typeID() throws {
        var btf = EditableBTF()
        btf.append(BTFType(nameOffset: 0, body: .pointer(77)))
        let parsed = try parse(btf)
        #expect(throws: BTFError.typeIDOutOfRange(id: 1, referenced: 77, count: 2)) { try parsed.validate() }
        #expect(throws: BTFError.noSuchType(77)) { try parsed.type(77) }
    }

    @Test("an unknown kind stops the walk with the id of the record")
    func unknownKind() throws {
        var btf = EditableBTF()
        _ = int(&btf)
        var bytes = btf.encoded(order: .little)
        bytes[24 + 4 + 3] = 25  // high byte of the info word of type [1]: kind 25
        #expect(throws: BTFError.unknownKind(id: 1, kind: 25)) { try BTF(ByteView(bytes)) }
    }

    @Test("a vlen that runs past the type section")
    func truncatedRecord() throws {
        var btf = EditableBTF()
        let i = int(&btf)
        btf.append(BTFType(nameOffset: 0, body: .structure(size: 4, members: [
            BTFMember(nameOffset: 0, type: i, bitOffset: 0, bitfieldSize: 0)], bitfields: false)))
        var bytes = btf.encoded(order: .little)
        bytes[24 + 16 + 4] = 0xff  // vlen of [2] = 255 members
        guard case .truncatedType(id: 2, offset: 16)? = catching({ () throws(BTFError) -> BTF in try BTF(ByteView(bytes)) }) else {
            Issue.record("expected truncatedType for [2]")
            return
        }
    }

    @Test("header problems: magic, version, flags, sections out of bounds, huge offsets")
    func header() throws {
        var btf = EditableBTF()
        _ = int(&btf)
        let good = btf.encoded(order: .little)
        var magic = good
        magic[0] = 0
        #expect(throws: BTFError.badMagic(0xeb00)) { try BTF(ByteView(magic)) }
        var version = good
        version[2] = 2
        #expect(throws: BTFError.unsupportedVersion(2)) { try BTF(ByteView(version)) }
        var flags = good
        flags[3] = 0x80
        #expect(throws: BTFError.unsupportedFlags(0x80)) { try BTF(ByteView(flags)) }
        var strings = good
        strings[16] = 0xff; strings[17] = 0xff; strings[18] = 0xff; strings[19] = 0xff  // str_off
        guard case .sectionOutOfBounds(section: "string", _, _, _)? = catching({ () throws(BTFError) -> BTF in try BTF(ByteView(strings)) }) else {
            Issue.record("expected the string section out of bounds")
            return
        }
        #expect(throws: BTFError.truncatedHeader(size: 10)) { try BTF(ByteView(Array(good.prefix(10)))) }
    }

    @Test(".BTF.ext with a record count that does not fit")
    func extCount() throws {
        // header (32 bytes), func_info: record size 8, one section claiming 1,000,000 records.
        var w = ByteWriter(order: .little)
        w.u16(0xeb9f); w.u8(1); w.u8(0); w.u32(32)
        w.u32(0); w.u32(16)  // func_info
        w.u32(16); w.u32(0)  // line_info
        w.u32(16); w.u32(0)  // core_relo
        w.u32(8); w.u32(1); w.u32(1_000_000); w.u32(0)
        #expect(throws: BTFError.self) { try BTFExt(ByteView(w.bytes)) }
        let error = catchingExt { () throws(BTFError) -> BTFExt in try BTFExt(ByteView(w.bytes)) }
        #expect(error?.description.contains("do not fit") == true)
    }
}

func catching(_ body: () throws(BTFError) -> BTF) -> BTFError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

func catchingExt(_ body: () throws(BTFError) -> BTFExt) -> BTFError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
