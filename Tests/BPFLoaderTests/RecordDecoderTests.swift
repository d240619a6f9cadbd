@testable import BPFLoader
import BTFParser
import Bytes
import ELFReader
import Testing

/// Records of a BTF type from an iterator's output bytes, in both byte orders: no kernel needed.
@Suite("records decoded with BTF")
struct RecordDecoderTests {
    /// The `task_record` type of iter_task_record (little- or big-endian build).
    /// (The big-endian object cannot be loaded here, so its `.BTF` is read from the ELF directly.)
    static func recordType(_ fixture: String, _ name: String = "task_record") throws -> RecordType {
        let elf = try ELFFile(ByteView(try COREFixtureData.bytes(fixture)))
        let section = try #require(elf.section(named: ".BTF"))
        let btf = try BTF(elf.data(of: section))
        try btf.validate()
        return try RecordType.find(name, in: btf)
    }

    /// One `struct task_record` (pid, tgid, comm[16], enum sched_policy, bool, 3 bytes padding) in `order`.
    static func record(pid: Int32, tgid: Int32, comm: String, policy: UInt32, kernelThread: Bool, _ order: ByteOrder) -> [UInt8] {
        var writer = ByteWriter(order: order)
        writer.i32(pid)
        writer.i32(tgid)
        let name = Array(comm.utf8.prefix(15))
        for byte in name + [UInt8](repeating: 0, count: 16 - name.count) { writer.u8(byte) }
        writer.u32(policy)
        writer.u8(kernelThread ? 1 : 0)
        for _ in 0..<3 { writer.u8(0xaa) }  // padding: never read
        return writer.bytes
    }

    /// Feeds `bytes` in chunks of `chunk` bytes; the records and the end's error.
    static func decode(_ type: RecordType, _ bytes: [UInt8], chunk: Int) -> (records: [String], end: RecordError?) {
        var decoder = RecordDecoder(type: type)
        var records: [String] = []
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(offset + chunk, bytes.count)])
            offset += chunk
            let fed = piece.withUnsafeBytes { raw in
                Result { () throws(RecordError) -> Bool in
                    try decoder.feed(raw) { value in
                        records.append(value.plainText)
                        return true
                    }
                }
            }
            if case let .failure(error) = fed { return (records, error) }
        }
        do {
            try decoder.finish()
            return (records, nil)
        } catch {
            return (records, error)
        }
    }

    static let expected = [
        "pid=1 tgid=1 comm=\"init\" policy=SCHED_NORMAL kernel_thread=false",
        "pid=-7 tgid=4096 comm=\"kworker/0:1H-kb\" policy=SCHED_FIFO kernel_thread=true",
        "pid=300 tgid=299 comm=\"a\\\"b\\n\" policy=4 kernel_thread=false",
    ]

    func records(_ order: ByteOrder) -> [UInt8] {
        Self.record(pid: 1, tgid: 1, comm: "init", policy: 0, kernelThread: false, order)
            + Self.record(pid: -7, tgid: 4096, comm: "kworker/0:1H-kblockd", policy: 1, kernelThread: true, order)
            + Self.record(pid: 300, tgid: 299, comm: "a\"b\n", policy: 4, kernelThread: false, order)
    }

    @Test(
        "little- and big-endian: every field, whatever the chunks (whole records, split ones, a byte at a time)",
        arguments: [("iter_task_record.bpf.o", ByteOrder.little), ("iter_task_record.bpfeb.o", ByteOrder.big)])
    func bothOrders(fixture: String, order: ByteOrder) throws {
        let type = try Self.recordType(fixture)
        #expect(type.size == 32)
        #expect(type.description == "struct task_record")
        #expect(type.btf.order == order)
        for chunk in [96, 32, 7, 1, 1000] {
            let (decoded, end) = Self.decode(type, records(order), chunk: chunk)
            #expect(decoded == Self.expected, "chunks of \(chunk)")
            #expect(end == nil)
        }
        // The other order's bytes are other numbers: the BTF's order is the one used.
        let (swapped, _) = Self.decode(type, records(order == .little ? .big : .little), chunk: 32)
        #expect(swapped.first?.hasPrefix("pid=16777216 tgid=16777216 ") == true)
    }

    @Test("a trailing partial record is an error with its byte count, after the whole ones")
    func partial() throws {
        let type = try Self.recordType("iter_task_record.bpf.o")
        let (decoded, end) = Self.decode(type, records(.little) + [1, 2, 3, 4, 5], chunk: 13)
        #expect(decoded == Self.expected)
        #expect(end == .partial(bytes: 5, type: "struct task_record", size: 32, records: 3))
        #expect(end?.description == "the output ends with a partial record: 5 bytes of a 32-byte struct task_record (after 3 whole records)")
        #expect(
            RecordError.partial(bytes: 1, type: "int", size: 4, records: 1).description
                == "the output ends with a partial record: 1 byte of a 4-byte int (after 1 whole record)")
        let (none, short) = Self.decode(type, [0, 0, 0], chunk: 3)
        #expect(none.isEmpty && short == .partial(bytes: 3, type: "struct task_record", size: 32, records: 0))
    }

    @Test("the body can stop early")
    func stops() throws {
        let type = try Self.recordType("iter_task_record.bpf.o")
        var decoder = RecordDecoder(type: type)
        var seen = 0
        let more = try records(.little).withUnsafeBytes { raw in
            try decoder.feed(raw) { _ in
                seen += 1
                return seen < 2
            }
        }
        #expect(!more && seen == 2)
    }

    @Test("names: struct, union, enum, integer, typedef; struct NAME; unknown, forward, empty and ambiguous ones refused")
    func lookup() throws {
        #expect(try Self.recordType("iter_task_record.bpf.o", "struct task_record").size == 32)
        let policy = try Self.recordType("iter_task_record.bpf.o", "sched_policy")
        #expect(policy.size == 4 && policy.description == "enum sched_policy")
        #expect(try Self.recordType("iter_task_record.bpf.o", "__u64").size == 8)
        #expect(throws: RecordError.unsized(type: "struct seq_file", reason: "it is only declared (a forward declaration)")) {
            try Self.recordType("iter_task_record.bpf.o", "seq_file")
        }
        do {
            _ = try Self.recordType("iter_task_record.bpf.o", "task_recod")
            Issue.record("found")
        } catch let error as RecordError {
            guard case let .unknown(name, records) = error else { Issue.record("\(error)"); return }
            #expect(name == "task_recod")
            #expect(records.contains("task_record") && records.contains("bpf_iter__task"))
            #expect(error.description.hasPrefix("no struct, union, enum or integer type named 'task_recod' in the program's BTF (its structs and unions: "))
        }
        // Made for the test: an empty struct, a typedef of a struct of its own name, and a name
        // shared by a struct and a union.
        var btf = EditableBTF()
        func add(_ name: String, _ body: BTFTypeBody) -> TypeID { btf.append(BTFType(nameOffset: btf.addString(name), body: body)) }
        let int = add("int", .int(size: 4, encoding: .signed, bitOffset: 0, bits: 32))
        _ = add("empty", .structure(size: 0, members: [], bitfields: false))
        let pair = add(
            "pair",
            .structure(
                size: 8,
                members: [
                    BTFMember(nameOffset: btf.addString("a"), type: int, bitOffset: 0, bitfieldSize: 0),
                    BTFMember(nameOffset: btf.addString("b"), type: int, bitOffset: 32, bitfieldSize: 0),
                ],
                bitfields: false))
        _ = add("pair", .typedef(pair))
        _ = add("both", .structure(size: 4, members: [], bitfields: false))
        _ = add("both", .union(size: 8, members: [], bitfields: false))
        let parsed = try BTF(ByteView(btf.encoded(order: .little)))
        #expect(throws: RecordError.unsized(type: "struct empty", reason: "its size is 0")) { try RecordType.find("empty", in: parsed) }
        #expect(try RecordType.find("pair", in: parsed).description == "struct pair")
        #expect(throws: RecordError.ambiguous(name: "both", types: ["struct both", "union both"])) { try RecordType.find("both", in: parsed) }
        #expect(try RecordType.find("union both", in: parsed).size == 8)
        #expect(try RecordType.find("struct both", in: parsed).size == 4)
        #expect(throws: RecordError.self) { try RecordType.find("enum pair", in: parsed) }
    }
}
