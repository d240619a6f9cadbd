@testable import BPFLoader
@testable import BTFParser
import Bytes
import Foundation
import Testing

/// Builds small BTF blobs for CO-RE tests: types by name, members by name, access strings.
/// For split BTF (a module on top of a base), ids and string offsets continue the base's.
struct CORETestBTF {
    var editable = EditableBTF()
    let idBase: TypeID
    let stringBase: UInt32

    init() {
        idBase = 0
        stringBase = 0
    }

    /// A split BTF on top of `base`.
    init(splitOn base: BTF) {
        idBase = TypeID(base.typeCount) - 1
        stringBase = UInt32(base.stringSection.count)
    }

    mutating func string(_ text: String) -> UInt32 {
        text.isEmpty ? 0 : editable.addString(text) + stringBase
    }

    @discardableResult
    mutating func add(_ name: String, _ body: BTFTypeBody) -> TypeID {
        let offset = string(name)
        return editable.append(BTFType(nameOffset: offset, body: body)) + idBase
    }

    mutating func int(_ name: String, size: UInt32 = 4, signed: Bool = false) -> TypeID {
        add(name, .int(size: size, encoding: signed ? .signed : [], bitOffset: 0, bits: UInt8(size * 8)))
    }

    mutating func pointer(_ to: TypeID) -> TypeID { add("", .pointer(to)) }

    mutating func array(_ element: TypeID, count: UInt32, index: TypeID) -> TypeID {
        add("", .array(element: element, index: index, count: count))
    }

    /// Members as (name, type, bit offset, bitfield size).
    mutating func structure(_ name: String, size: UInt32, union: Bool = false,
                            _ members: [(String, TypeID, UInt32, UInt32)]) -> TypeID {
        var list: [BTFMember] = []
        for (memberName, type, bitOffset, bits) in members {
            list.append(BTFMember(nameOffset: string(memberName), type: type, bitOffset: bitOffset, bitfieldSize: bits))
        }
        let bitfields = members.contains { $0.3 > 0 }
        return add(name, union ? .union(size: size, members: list, bitfields: bitfields)
                               : .structure(size: size, members: list, bitfields: bitfields))
    }

    mutating func enumeration(_ name: String, size: UInt32 = 4, signed: Bool = false, _ values: [(String, Int64)]) -> TypeID {
        var list: [BTFEnumValue] = []
        for (valueName, value) in values { list.append(BTFEnumValue(nameOffset: string(valueName), value: value)) }
        return add(name, .enumeration(size: size, signed: signed, values: list))
    }

    mutating func enum64(_ name: String, signed: Bool = false, _ values: [(String, Int64)]) -> TypeID {
        var list: [BTFEnumValue] = []
        for (valueName, value) in values { list.append(BTFEnumValue(nameOffset: string(valueName), value: value)) }
        return add(name, .enum64(size: 8, signed: signed, values: list))
    }

    func btf(base: BTF? = nil) throws -> BTF {
        try BTF(ByteView(editable.encoded()), base: base)
    }
}

/// Instructions the way clang emits them around CO-RE relocations.
enum COREInsn {
    /// `r1 = *(u32 *)(r2 + off)` (size in bytes).
    static func load(_ offset: Int16, size: Int = 4, dst: UInt8 = 1, src: UInt8 = 2) -> BPFInstruction {
        let sizeBits: UInt8 = size == 8 ? 0x18 : size == 2 ? 0x08 : size == 1 ? 0x10 : 0x00
        return BPFInstruction(opcode: 0x61 & 0xe7 | sizeBits, dst: dst, src: src, offset: offset)
    }

    /// `*(u32 *)(r1 + off) = r2`.
    static func store(_ offset: Int16, size: Int = 4) -> BPFInstruction {
        let sizeBits: UInt8 = size == 8 ? 0x18 : size == 2 ? 0x08 : size == 1 ? 0x10 : 0x00
        return BPFInstruction(opcode: 0x63 & 0xe7 | sizeBits, dst: 1, src: 2, offset: offset)
    }

    /// `r1 = imm` (ALU64 MOV K).
    static func move(_ value: Int32, dst: UInt8 = 1) -> BPFInstruction {
        BPFInstruction(opcode: 0xb7, dst: dst, immediate: value)
    }

    /// `r1 += imm` (ALU64 ADD K).
    static func add(_ value: Int32) -> BPFInstruction {
        BPFInstruction(opcode: 0x07, dst: 1, immediate: value)
    }

    /// `r1 = imm64 ll`: two slots.
    static func wide(_ value: UInt64, dst: UInt8 = 1) -> [BPFInstruction] {
        [BPFInstruction(opcode: 0x18, dst: dst, immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value))),
         BPFInstruction(opcode: 0, immediate: Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32)))]
    }

    static let exit = BPFInstruction(opcode: 0x95)
    static let poison = BPFInstruction(opcode: 0x85, immediate: 0xbad2310)
}

/// One relocation against `target`, with the instruction(s) it applies to at index 0.
struct CORERelocationCase {
    var local: CORETestBTF
    var target: BTF
    var modules: ModuleBTFSource? = nil

    func relocate(_ records: [CORERelocationRecord], _ instructions: [BPFInstruction]) throws -> [COREFixup] {
        let btf = try local.btf()
        let roots = records.filter { $0.kind != .typeIDLocal }.map { $0.typeID }
        let candidates = CORECandidateIndex(local: btf, rootTypeIDs: roots, kernel: KernelTypes(vmlinux: target, modules: modules))
        return try CORERelocator.relocate(local: btf, candidates: candidates,
                                          records: records, instructions: instructions, section: "iter/task", program: "prog")
    }
}

extension CORERelocationRecord {
    static func at(_ instruction: Int, _ typeID: TypeID, _ access: UInt32, _ kind: CORERelocationKind) -> CORERelocationRecord {
        CORERelocationRecord(instructionOffset: UInt32(instruction * 8), typeID: typeID, accessStringOffset: access, kind: kind)
    }
}

/// Reads the running kernel's BTF, if this machine has one.
enum COREKernelBTF {
    static let path = "/sys/kernel/btf/vmlinux"
    static var available: Bool { FileManager.default.isReadableFile(atPath: path) }

    static func load() throws -> BTF {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try BTF(ByteView([UInt8](data)))
    }
}

/// The committed fixture objects (Tests/Fixtures/*.o).
enum COREFixtureData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}
