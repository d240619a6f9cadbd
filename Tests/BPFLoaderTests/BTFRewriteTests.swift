@testable import BPFLoader
import BTFParser
import Bytes
import Foundation
import Testing
import TestSupport

/// The object-BTF rewrites checked byte for byte: DATASEC fix-up (sizes and offsets the compiler
/// leaves open) and sanitising for kernels without newer kinds (libbpf's exact rewrites).
@Suite("BTF fix-up and sanitising")
struct BTFRewriteTests {
    /// Little-endian u32 words, the way the expected records are written below.
    static func words(_ values: [UInt32]) -> [UInt8] {
        var w = ByteWriter(order: .little)
        for v in values { w.u32(v) }
        return w.bytes
    }

    /// The encoded record of type `id` (12-byte header plus trailing data).
    static func record(_ btf: EditableBTF, _ id: TypeID) -> [UInt8] {
        var w = ByteWriter(order: .little)
        btf.type(id)?.encode(into: &w)
        return w.bytes
    }

    static func info(_ kind: BTFKind, vlen: Int = 0, flag: Bool = false) -> UInt32 {
        (flag ? 1 << 31 : 0) | UInt32(kind.rawValue) << 24 | UInt32(vlen)
    }

    @Test("DATASEC sizes come from the ELF sections, VAR offsets from the symbols, sorted")
    func datasecFixup() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/iter_counter.bpf.o"))
        let object = try BPFObjectFile(bytes: ByteView([UInt8](data)), name: "iter_counter")
        var btf = try #require(try ObjectBTF.load(object))
        let rodata = try #require(btf.dataSection(named: ".rodata"))
        let bss = try #require(btf.dataSection(named: ".bss"))
        // As clang wrote them: size 0 (and the global's offset 0).
        guard case .dataSection(0, let before)? = btf.fixed.type(rodata)?.body else {
            Issue.record("clang's .rodata DATASEC has a size already")
            return
        }
        try btf.fixUpDataSections(object)
        let section = try #require(object.elf.section(named: ".rodata"))
        let label = try #require(object.elf.symbols.first { $0.name == "label" })
        let name = try #require(btf.fixed.type(rodata)?.nameOffset)
        // .rodata: label (global: offset from its symbol) and the two format strings (static:
        // clang's offsets kept), sorted by offset; size = the ELF section's 31 bytes.
        var expected = Self.words([name, Self.info(.dataSection, vlen: 3), UInt32(section.size)])
        let sorted = before.map { info -> BTFVarSecInfo in
            var v = info
            if btf.fixed.name(of: v.type) == "label" { v.offset = UInt32(label.value) }
            return v
        }.sorted { $0.offset < $1.offset }
        for v in sorted { expected += Self.words([v.type, v.offset, v.size]) }
        #expect(section.size == 31)
        #expect(Self.record(btf.fixed, rodata) == expected)
        guard case .dataSection(4, let bssVars)? = btf.fixed.type(bss)?.body else {
            Issue.record(".bss not sized from its NOBITS section")
            return
        }
        #expect(bssVars.map { btf.fixed.name(of: $0.type) } == ["calls"])
    }

    /// A blob using every kind an old kernel may lack: [1] int, [2] FLOAT, [3] TYPE_TAG -> int,
    /// [4] PTR -> [3], [5] ENUM64, [6] signed ENUM, [7] VAR, [8] DECL_TAG -> VAR,
    /// [9] FUNC_PROTO(int a), [10] FUNC global, [11] DATASEC .data { VAR }.
    static func modern() -> EditableBTF {
        var btf = EditableBTF()
        let int = btf.append(BTFType(nameOffset: btf.addString("int"), body: .int(size: 4, encoding: .signed, bitOffset: 0, bits: 32)))
        btf.append(BTFType(nameOffset: btf.addString("float"), body: .float(size: 4)))
        let tag = btf.append(BTFType(nameOffset: btf.addString("user"), body: .typeTag(int)))
        btf.append(BTFType(nameOffset: 0, body: .pointer(tag)))
        btf.append(BTFType(nameOffset: btf.addString("big"), body: .enum64(size: 8, signed: false, values: [
            BTFEnumValue(nameOffset: btf.addString("B1"), value: 1 << 40)])))
        btf.append(BTFType(nameOffset: btf.addString("small"), body: .enumeration(size: 4, signed: true, values: [
            BTFEnumValue(nameOffset: btf.addString("S1"), value: -1)])))
        let variable = btf.append(BTFType(nameOffset: btf.addString("v"), body: .variable(type: int, linkage: .global)))
        btf.append(BTFType(nameOffset: btf.addString("tag"), body: .declTag(type: variable, component: -1)))
        let proto = btf.append(BTFType(nameOffset: 0, body: .functionProto(returns: int, params: [
            BTFParam(nameOffset: btf.addString("a"), type: int)])))
        btf.append(BTFType(nameOffset: btf.addString("f"), body: .function(proto: proto, linkage: .global)))
        btf.append(BTFType(nameOffset: btf.addString(".data"), body: .dataSection(size: 4, vars: [
            BTFVarSecInfo(type: variable, offset: 0, size: 4)])))
        return btf
    }

    @Test("a kernel without DECL_TAG, TYPE_TAG and ENUM64 (5.10 has FUNC linkage and DATASEC)")
    func sanitizeFor510() throws {
        var support = BTFSupport.all
        support.float = false
        support.declTag = false
        support.typeTag = false
        support.enum64 = false
        let original = Self.modern()
        let out = BTFSanitizer.sanitize(original, for: support)
        func name(_ text: String) -> UInt32 { UInt32(out.strings.count) > 0 ? out.addStringOffset(text) : 0 }
        // [2] FLOAT -> anonymous empty STRUCT of the same size.
        #expect(Self.record(out, 2) == Self.words([0, Self.info(.structure), 4]))
        // [3] TYPE_TAG -> anonymous CONST of the same type.
        #expect(Self.record(out, 3) == Self.words([0, Self.info(.const), 1]))
        // [5] ENUM64 -> UNION of size 8 whose members are the enumerators, typed by a new 1-byte
        // INT "enum64_placeholder" appended as [12].
        #expect(out.typeCount == original.typeCount + 1)
        #expect(out.name(of: 12) == "enum64_placeholder")
        #expect(Self.record(out, 12) == Self.words([name("enum64_placeholder"), Self.info(.int), 1, 8]))
        #expect(Self.record(out, 5) == Self.words([name("big"), Self.info(.union, vlen: 1), 8, name("B1"), 12, 0]))
        // [6] signed ENUM -> unsigned (the kind flag came with ENUM64).
        #expect(Self.record(out, 6) == Self.words([name("small"), Self.info(.enumeration, vlen: 1), 4, name("S1"), 0xffff_ffff]))
        // [8] DECL_TAG -> a 1-byte INT with the tag's name.
        #expect(Self.record(out, 8) == Self.words([name("tag"), Self.info(.int), 1, 8]))
        // Untouched: int, pointer, VAR, FUNC_PROTO, global FUNC, DATASEC.
        for id: TypeID in [1, 4, 7, 9, 10, 11] {
            #expect(Self.record(out, id) == Self.record(original, id), "[\(id)] changed")
        }
        // The result parses and validates like any BTF.
        try BTF(ByteView(out.encoded())).validate()
    }

    @Test("a kernel without DATASEC and global functions (before 5.2 / 5.6)")
    func sanitizeForOld() throws {
        var support = BTFSupport.all
        support.dataSections = false
        support.globalFunctions = false
        let out = BTFSanitizer.sanitize(Self.modern(), for: support)
        func name(_ text: String) -> UInt32 { out.addStringOffset(text) }
        // [7] VAR -> 1-byte INT; [10] global FUNC -> static; [11] DATASEC -> STRUCT "_data" with
        // the variable as a member at bit offset 0.
        #expect(Self.record(out, 7) == Self.words([name("v"), Self.info(.int), 1, 8]))
        #expect(Self.record(out, 10) == Self.words([name("f"), Self.info(.function, vlen: 0), 9]))
        #expect(Self.record(out, 11) == Self.words([name("_data"), Self.info(.structure, vlen: 1), 4, name("v"), 7, 0]))
    }

    @Test("a kernel without FUNC at all: prototypes become enums, functions typedefs")
    func sanitizeNoFunctions() throws {
        var support = BTFSupport.all
        support.functions = false
        support.globalFunctions = false
        let out = BTFSanitizer.sanitize(Self.modern(), for: support)
        #expect(Self.record(out, 9) == Self.words([0, Self.info(.enumeration, vlen: 1), 4, out.addStringOffset("a"), 1]))
        #expect(Self.record(out, 10) == Self.words([out.addStringOffset("f"), Self.info(.typedef), 9]))
    }

    @Test("a kernel that refuses an empty DATASEC (5.10, 5.11): it becomes an empty STRUCT of its size, others stay")
    func sanitizeEmptyDataSection() throws {
        var btf = Self.modern()
        let rodata = btf.append(BTFType(nameOffset: btf.addString(".rodata"), body: .dataSection(size: 12, vars: [])))
        var support = BTFSupport.all
        support.emptyDataSections = false
        let out = BTFSanitizer.sanitize(btf, for: support)
        #expect(Self.record(out, rodata) == Self.words([out.addStringOffset("_rodata"), Self.info(.structure), 12]))
        // The DATASEC with a variable is one this kernel takes.
        #expect(Self.record(out, 11) == Self.record(btf, 11))
        #expect(support.missingDescription == "no empty DATASEC")
        try BTF(ByteView(out.encoded())).validate()
        // And with every feature, the empty DATASEC is left as it is.
        #expect(BTFSanitizer.sanitize(btf, for: .all).encoded() == btf.encoded())
    }

    @Test("planning for such a kernel: the object keeps its BTF, the .rodata map is created without it")
    func planEmptyDataSection() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/iter_empty_rodata.bpf.o"))
        let object = try BPFObjectFile(bytes: ByteView([UInt8](data)), name: "iter_empty_rodata")
        #expect(try Planner.prepare(object).needs.emptyDataSection)
        var old = try KernelSnapshot.facts()
        old.btf.emptyDataSections = false
        let kernel = try KernelSnapshot.kernel()
        let plan = try Planner.plan(object, kernel: kernel, facts: old)
        let loaded = try BTF(ByteView(try #require(plan.btf)))
        let rodata = try #require(plan.maps.first { $0.name.hasSuffix(".rodata") })
        let bss = try #require(plan.maps.first { $0.name.hasSuffix(".bss") })
        #expect(rodata.attributes.btfValueTypeID == 0)
        #expect(loaded.kind(of: bss.attributes.btfValueTypeID) == .dataSection)
        for id in 1..<TypeID(loaded.typeCount) {
            if case let .dataSection(_, vars)? = try? loaded.type(id).body { #expect(!vars.isEmpty, "[\(id)] empty DATASEC left") }
        }
        #expect(plan.notes.contains("map 'iter_emp.rodata': .rodata has no variables in BTF, an empty DATASEC this kernel refuses: created without BTF"))
        // A kernel that takes it: the DATASEC stays and types the map.
        let modern = try Planner.plan(object, kernel: kernel, facts: try KernelSnapshot.facts())
        let modernMap = try #require(modern.maps.first { $0.name.hasSuffix(".rodata") })
        #expect(try BTF(ByteView(try #require(modern.btf))).kind(of: modernMap.attributes.btfValueTypeID) == .dataSection)
    }

    @Test("a kernel with everything: the BTF is unchanged")
    func unchanged() {
        let original = Self.modern()
        #expect(BTFSanitizer.sanitize(original, for: .all).encoded() == original.encoded())
    }
}

extension EditableBTF {
    /// The offset of an existing string (test helper: never adds).
    func addStringOffset(_ text: String) -> UInt32 {
        var copy = self
        let before = copy.strings.count
        let offset = copy.addString(text)
        precondition(copy.strings.count == before, "'\(text)' is not in the string section")
        return offset
    }
}
