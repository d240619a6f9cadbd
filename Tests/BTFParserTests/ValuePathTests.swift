import BTFParser
import Bytes
import ELFReader
import Testing

/// Paths into values (`cfg.ports[2]`), and the fixture's globals decoded in both byte orders.
@Suite("value paths")
struct ValuePathTests {
    @Test("NAME, NAME.member, NAME[i] chained; anything else is a syntax error")
    func syntax() throws {
        #expect(try BTFPath(parsing: "cfg") == BTFPath(root: "cfg"))
        #expect(try BTFPath(parsing: "cfg.arr[2].x") == BTFPath(root: "cfg", steps: [.member("arr"), .index(2), .member("x")]))
        #expect(try BTFPath(parsing: "m[0x1][0]").steps == [.index(1), .index(0)])
        #expect(try BTFPath(parsing: "_a1.b_2").description == "_a1.b_2")
        let bad: [(String, String)] = [
            ("", "a name is missing at the end"),
            ("1x", "'1' at 0 cannot start a name"),
            ("cfg.", "a name is missing at the end"),
            ("cfg..x", "'.' at 4 cannot start a name"),
            ("cfg[", "'[' at 3 is not closed"),
            ("cfg[-1]", "'[-1]' is not an index (a number from 0)"),
            ("cfg[x]", "'[x]' is not an index (a number from 0)"),
            ("cfg x", "' ' at 3: expected '.member' or '[index]'"),
            ("cfg-x", "'-' at 3: expected '.member' or '[index]'"),
            // A character is shown whole and counted as one, however many bytes it takes.
            ("té", "'é' at 1: expected '.member' or '[index]'"),
            ("aé.é", "'é' at 1: expected '.member' or '[index]'"),
            ("a.€", "'€' at 2 cannot start a name"),
        ]
        for (text, reason) in bad {
            #expect(failure { () throws(BTFPathError) in try BTFPath(parsing: text) } == .syntax(text: text, reason: reason), "\(text)")
        }
    }

    /// struct outer { __u32 a; struct { __u16 x; __u16 y; }; __u32 ports[4]; struct point pts[2]; unsigned flag:1; }
    static func outer() throws -> (BTF, TypeID) {
        var b = ValueTestBTF()
        let u32 = b.add("__u32", .typedef(b.int("unsigned int")))
        let u16 = b.int("unsigned short", size: 2)
        let anonymous = b.record("", size: 4, [("x", u16, 0, 0), ("y", u16, 16, 0)])
        let point = b.record("point", size: 8, [("px", u32, 0, 0), ("py", u32, 32, 0)])
        let outer = b.record(
            "outer", size: 48,
            [
                ("a", u32, 0, 0), ("", anonymous, 32, 0), ("ports", b.array(u32, 4), 64, 0),
                ("pts", b.array(point, 2), 192, 0), ("flag", u32, 320 + 13, 1),
            ])
        return (try b.parse(), outer)
    }

    @Test("members (through anonymous ones), elements, bitfields: byte offsets and types")
    func resolve() throws {
        let (btf, outer) = try Self.outer()
        func at(_ text: String) throws -> BTFLocation { try btf.locate(try BTFPath(parsing: text), in: outer) }
        #expect(try at("cfg") == BTFLocation(type: outer, byteOffset: 0))
        #expect(try at("cfg.a").byteOffset == 0)
        #expect(try at("cfg.y").byteOffset == 6)
        #expect(try btf.displayName(at("cfg.y")) == "unsigned short")
        #expect(try at("cfg.ports[3]").byteOffset == 8 + 12)
        #expect(try btf.displayName(at("cfg.ports")) == "__u32[4]")
        #expect(try at("cfg.pts[1].py").byteOffset == 24 + 8 + 4)
        let flag = try at("cfg.flag")
        #expect(flag.byteOffset == 41 && flag.bitfield == BTFBitfield(bitOffset: 5, bits: 1))
        #expect(btf.displayName(flag) == "__u32:1")
    }

    @Test("a missing member lists the members; indices are range-checked; steps must fit the type")
    func errors() throws {
        let (btf, outer) = try Self.outer()
        func error(_ text: String) throws -> String? {
            failure { () throws(BTFPathError) in try btf.locate(try BTFPath(parsing: text), in: outer) }?.description
        }
        #expect(try error("cfg.nope") == "cfg (struct outer) has no member 'nope' (its members: a, x, y, ports, pts, flag)")
        #expect(try error("cfg.pts[0].z") == "cfg.pts[0] (struct point) has no member 'z' (its members: px, py)")
        #expect(try error("cfg.ports[4]") == "index 4 is out of range for cfg.ports (__u32[4]): 0 to 3")
        #expect(try error("cfg[0]") == "cfg is not an array but 'struct outer': it takes no index")
        #expect(try error("cfg.a.b") == "cfg.a is not a struct or union but '__u32': it has no member 'b'")
        #expect(try error("cfg.flag[0]") == "cfg.flag is not an array but '__u32:1': it takes no index")
        #expect(try error("cfg.ports[18446744073709551615]") == "index 18446744073709551615 is out of range for cfg.ports (__u32[4]): 0 to 3")
    }

    @Test("anonymous members nested in themselves, exponentially, stop with an error")
    func hostile() throws {
        var b = ValueTestBTF()
        // [1] struct s { struct s; struct s; … 64 times }: each level doubles what a walk would visit.
        let member = BTFMember(nameOffset: 0, type: 1, bitOffset: 0, bitfieldSize: 0)
        b.add("s", .structure(size: 4, members: [BTFMember](repeating: member, count: 64), bitfields: false))
        let btf = try b.parse()
        let error = failure { () throws(BTFPathError) in try btf.locate(try BTFPath(parsing: "v.x"), in: 1) }
        #expect(error == .btf(.invalidType(id: 1, reason: "anonymous members nest more than 32 deep or 131072 in all")))
        #expect(
            failure { () throws(BTFTextError) in try btf.encodeValue("1", of: 1) }?.description
                == "type 'struct s' cannot be set from text: set each member of the struct on its own, NAME.member=VALUE")
    }

    @Test("reading one member back through its location")
    func readBack() throws {
        let (btf, outer) = try Self.outer()
        var buffer = [UInt8](repeating: 0, count: 48)
        for (path, text) in [("cfg.pts[1].py", "7"), ("cfg.flag", "1"), ("cfg.y", "9")] {
            let location = try btf.locate(try BTFPath(parsing: path), in: outer)
            #expect(try btf.encodeValue(text, at: location).apply(to: &buffer))
            #expect(try btf.decodeValue(at: location, in: ByteView(buffer)).description == text)
        }
        #expect(
            try btf.decodeValue(of: outer, from: ByteView(buffer)).plainText
                == "a=0 x=0 y=9 ports={0,0,0,0} pts={{px=0 py=0},{px=0 py=7}} flag=1")
    }

    @Test("locations made by hand: outside the bytes, odd bitfields, are errors, not traps")
    func handMade() throws {
        let (btf, outer) = try Self.outer()
        let bytes = ByteView([UInt8](repeating: 0, count: 48))
        for location in [
            BTFLocation(type: outer, byteOffset: -1), BTFLocation(type: outer, byteOffset: .max),
            BTFLocation(type: 1, byteOffset: 0, bitfield: BTFBitfield(bitOffset: -3, bits: 4)),
            BTFLocation(type: 1, byteOffset: 0, bitfield: BTFBitfield(bitOffset: 0, bits: -100)),
            BTFLocation(type: 1, byteOffset: 47, bitfield: BTFBitfield(bitOffset: 7, bits: 64)),
        ] {
            #expect(failure { () throws(BTFValueError) in try btf.decodeValue(at: location, in: bytes) } != nil, "\(location)")
        }
        // Text is encoded for a location whatever bytes it will be written to: the patch says where.
        #expect(failure { () throws(BTFTextError) in try btf.encodeValue("1", at: BTFLocation(type: 1, byteOffset: 0, bitfield: BTFBitfield(bitOffset: -3, bits: 4))) } != nil)
        #expect(failure { () throws(BTFTextError) in try btf.encodeValue("1", at: BTFLocation(type: 1, byteOffset: 0, bitfield: BTFBitfield(bitOffset: 0, bits: -100))) } != nil)
        let far = try btf.encodeValue("1", at: BTFLocation(type: 1, byteOffset: 47, bitfield: BTFBitfield(bitOffset: 7, bits: 64)))
        #expect(far.offset == 47 && far.bytes.count == 9 && !far.fits(in: 48))
    }

    /// Each global of the fixture: its bytes in `.rodata` (or its custom section) at its symbol's
    /// offset, decoded with the object's BTF.
    static func globals(_ fixture: String) throws -> [String: String] {
        let elf = try ELFFile(FixtureData.view(fixture))
        let btf = try BTF(elf.data(of: try #require(elf.section(named: ".BTF"))))
        var values: [String: String] = [:]
        for id in btf.ownTypeIDs {
            guard case let .dataSection(_, vars) = try btf.type(id).body else { continue }
            guard let section = elf.section(named: btf.name(of: id)), section.type == .progbits else { continue }
            let data = elf.data(of: section)
            for info in vars {
                guard case let .variable(type, .global) = try btf.type(info.type).body,
                    let symbol = elf.symbols.first(where: { $0.name == btf.name(of: info.type) }),
                    let bytes = data.slice(offset: Int(symbol.value), length: Int(info.size))
                else { continue }
                values[btf.name(of: info.type)] = try btf.decodeValue(of: type, from: bytes).description
            }
        }
        return values
    }

    @Test("the fixture's globals decode the same from its little- and big-endian objects")
    func fixture() throws {
        let little = try Self.globals("iter_params.bpf.o")
        #expect(
            little == [
                "targ_tgid": "0", "show_threads": "false", "mode": "MODE_LIST", "target_comm": "\"\"", "ports": "{22,80,0,0}",
                "limits": "{max_tasks=0 min_pid=0 verbose=0 level=1 delta=-2}", "snapshot_id": "65261", "title": "\"tasks\"",
                "LICENSE": "\"GPL\"",
            ])
        #expect(try Self.globals("iter_params.bpfeb.o") == little)
    }
}
