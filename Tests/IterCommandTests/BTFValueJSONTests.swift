import BTFParser
@testable import IterCommand
import Testing

/// Decoded BTF values as `-j` shows them.
@Suite("BTF values as JSON")
struct BTFValueJSONTests {
    @Test("numbers stay numbers, char arrays are strings, records objects with anonymous members flattened")
    func conversion() {
        let value = BTFValue.record([
            BTFField(name: "pid", value: .int(-1)),
            BTFField(name: "id", value: .uint(.max)),
            BTFField(name: "comm", value: .string(BTFString(bytes: Array("bash".utf8)))),
            BTFField(name: "mode", value: .enumerator(name: "MODE_LIST", value: 0)),
            BTFField(name: "other", value: .enumerator(name: nil, value: 7)),
            BTFField(name: "", value: .record([BTFField(name: "x", value: .bool(true))])),
            BTFField(name: "ports", value: .array([.uint(22), .uint(80)])),
            BTFField(name: "task", value: .pointer(0xffff_8880_0000_0000)),
            BTFField(name: "c", value: .char(65)),
            BTFField(name: "wide", value: .uint128(UInt128(1) << 64)),
            BTFField(name: "small", value: .int128(-5)),
            BTFField(name: "ratio", value: .float(1.5)),
            BTFField(name: "raw", value: .string(BTFString(bytes: [0x61, 0xff]))),
        ])
        #expect(
            JSONValue(value).render(pretty: false) == #"{"pid":-1,"id":18446744073709551615,"comm":"bash","mode":"MODE_LIST","#
                + #""other":7,"x":true,"ports":[22,80],"task":18446612682070032384,"c":65,"wide":"18446744073709551616","#
                + #""small":-5,"ratio":"1.5","raw":"a\#u{FFFD}"}"#)
    }
}
