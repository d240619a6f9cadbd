@testable import BPFLoader
@testable import BTFParser
import Bytes
import Testing

@Suite("CO-RE type and enum relocations")
struct CORETypeEnumTests {
    @Test("local_type_id, target_type_id, type_exists, type_size and type_matches against a kernel that has the types")
    func typeKinds() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let long = local.int("long", size: 8, signed: true)
        let foo = local.structure("foo", size: 4, [("a", int, 0, 0)])
        let bar = local.structure("bar", size: 16, [("a", int, 0, 0), ("q", long, 64, 0)])
        let zero = local.string("0")

        var kernel = CORETestBTF()
        _ = kernel.int("char", size: 1, signed: true)
        _ = kernel.int("short", size: 2, signed: true)
        let kint = kernel.int("int", signed: true)
        let kfoo = kernel.structure("foo", size: 8, [("a", kint, 0, 0), ("b", kint, 32, 0)])
        _ = kernel.structure("bar", size: 4, [("a", kint, 0, 0)])
        #expect(kfoo != foo)

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = COREInsn.wide(UInt64(foo)) + COREInsn.wide(UInt64(foo))
            + [COREInsn.move(1), COREInsn.move(4), COREInsn.move(1), COREInsn.move(1), COREInsn.move(1), COREInsn.exit]
        let fixups = try relocation.relocate([
            .at(0, foo, zero, .typeIDLocal), .at(2, foo, zero, .typeIDTarget), .at(4, foo, zero, .typeExists),
            .at(5, foo, zero, .typeSize), .at(6, foo, zero, .typeMatches), .at(7, bar, zero, .typeMatches),
            .at(8, bar, zero, .typeExists),
        ], code)
        #expect(fixups.map { $0.newValue } == [UInt64(foo), UInt64(kfoo), 1, 8, 1, 0, 1])
        #expect(fixups.allSatisfy { !$0.poisoned })
        #expect(fixups[0].description == "relo #0: local_type_id [\(foo)] struct foo -> local: \(foo) -> \(foo)")
        #expect(fixups[1].description == "relo #1: target_type_id [\(foo)] struct foo -> [\(kfoo)] struct foo: \(foo) -> \(kfoo)")
        // bar lacks member q in the kernel: it exists (same kind), but does not match.
        #expect(fixups[5].targetSpec == nil)

        try CORERelocator.apply(fixups, to: &code)
        let expected = COREInsn.wide(UInt64(foo)) + COREInsn.wide(UInt64(kfoo))
            + [COREInsn.move(1), COREInsn.move(8), COREInsn.move(1), COREInsn.move(0), COREInsn.move(1), COREInsn.exit]
        #expect(code.encoded() == expected.encoded())
    }

    @Test("a missing type: every type relocation yields 0 and nothing is poisoned (libbpf's rule)")
    func missingType() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let gone = local.structure("gone", size: 4, [("a", int, 0, 0)])
        let zero = local.string("0")
        var kernel = CORETestBTF()
        _ = kernel.int("int", signed: true)
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.move(1), COREInsn.move(4), COREInsn.move(1)] + COREInsn.wide(UInt64(gone))
        let fixups = try relocation.relocate([
            .at(0, gone, zero, .typeExists), .at(1, gone, zero, .typeSize), .at(2, gone, zero, .typeMatches),
            .at(3, gone, zero, .typeIDTarget),
        ], code)
        // bpf_core_type_size() and bpf_core_type_id_kernel() document 0 for "no such type".
        #expect(fixups.map { $0.newValue } == [0, 0, 0, 0])
        #expect(fixups.allSatisfy { !$0.poisoned && $0.targetSpec == nil })
        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == ([COREInsn.move(0), COREInsn.move(0), COREInsn.move(0)] + COREInsn.wide(0)).encoded())
    }

    @Test("type compatibility looks through typedefs: a typedef of another kind does not exist")
    func typedefCompatibility() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let myint = local.add("myint_t", .typedef(int))
        let zero = local.string("0")
        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        let ks = kernel.structure("wrapped", size: 4, [("v", kint, 0, 0)])
        _ = kernel.add("myint_t", .typedef(ks))
        let fixups = try CORERelocationCase(local: local, target: try kernel.btf())
            .relocate([.at(0, myint, zero, .typeExists)], [COREInsn.move(1)])
        #expect(fixups[0].newValue == 0)
    }

    @Test("enum values: moved, flavored, missing (exists 0, value poisoned, ld_imm64 poisoned in both halves)")
    func enumValues() throws {
        var local = CORETestBTF()
        let state = local.enumeration("state", [("RUNNING", 0), ("SLEEPING", 1), ("DEAD___v2", 4), ("ZOMBIE", 5)])
        let sleeping = local.string("1"), dead = local.string("2"), zombie = local.string("3")

        var kernel = CORETestBTF()
        let kstate = kernel.enumeration("state", [("RUNNING", 0), ("STOPPED", 1), ("SLEEPING", 2), ("DEAD", 8)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = COREInsn.wide(1) + COREInsn.wide(4) + [COREInsn.move(1), COREInsn.move(1)] + COREInsn.wide(5) + [COREInsn.exit]
        let fixups = try relocation.relocate([
            .at(0, state, sleeping, .enumValue), .at(2, state, dead, .enumValue), .at(4, state, sleeping, .enumValueExists),
            .at(5, state, zombie, .enumValueExists), .at(6, state, zombie, .enumValue),
        ], code)
        #expect(fixups.map { $0.oldValue } == [1, 4, 1, 1, 5])
        #expect(fixups[0].newValue == 2 && fixups[1].newValue == 8 && fixups[2].newValue == 1 && fixups[3].newValue == 0)
        #expect(fixups[0].localSpec == "[\(state)] enum state::SLEEPING = 1")
        #expect(fixups[0].targetSpec == "[\(kstate)] enum state::SLEEPING = 2")
        #expect(fixups[1].targetSpec == "[\(kstate)] enum state::DEAD = 8")
        #expect(!fixups[3].poisoned)
        #expect(fixups[4].failure == "enum value 'state::ZOMBIE' not found in kernel")

        try CORERelocator.apply(fixups, to: &code)
        let expected = COREInsn.wide(2) + COREInsn.wide(8) + [COREInsn.move(1), COREInsn.move(0), COREInsn.poison, COREInsn.poison, COREInsn.exit]
        #expect(code.encoded() == expected.encoded())
    }

    @Test("enum to enum64 and negative values")
    func enum64AndNegative() throws {
        var local = CORETestBTF()
        let big = local.enumeration("big", [("X", 1)])
        let neg = local.enumeration("neg", signed: true, [("N", -2)])
        let first = local.string("0")
        var kernel = CORETestBTF()
        _ = kernel.enum64("big", [("X", 0x1_0000_0002)])
        _ = kernel.enumeration("neg", signed: true, [("N", -3)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = COREInsn.wide(1) + COREInsn.wide(UInt64(bitPattern: -2))
        let fixups = try relocation.relocate([.at(0, big, first, .enumValue), .at(2, neg, first, .enumValue)], code)
        #expect(fixups[0].newValue == 0x1_0000_0002)
        #expect(fixups[1].description.hasSuffix(": -2 -> -3"))
        try CORERelocator.apply(fixups, to: &code)
        #expect(Array(code.encoded()[0..<16]) == [0x18, 0x01, 0, 0, 0x02, 0, 0, 0, 0x00, 0x00, 0, 0, 0x01, 0, 0, 0])
        #expect(code == COREInsn.wide(0x1_0000_0002) + COREInsn.wide(UInt64(bitPattern: -3)))
    }

    @Test("types missing from vmlinux are looked up in module BTF; present ones never touch modules")
    func modules() throws {
        var vmlinux = CORETestBTF()
        let kint = vmlinux.int("int", signed: true)
        _ = vmlinux.structure("task_struct", size: 8, [("pad", kint, 0, 0), ("pid", kint, 32, 0)])
        let base = try vmlinux.btf()
        var module = CORETestBTF(splitOn: base)
        let conn = module.structure("nf_conn", size: 12, [("pad", kint, 0, 0), ("pad2", kint, 32, 0), ("mark", kint, 64, 0)])
        let moduleBTF = try module.btf(base: base)
        #expect(conn == TypeID(base.typeCount))

        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let lconn = local.structure("nf_conn", size: 4, [("mark", int, 0, 0)])
        let ltask = local.structure("task_struct", size: 4, [("pid", int, 0, 0)])
        let first = local.string("0:0")

        let source = CORERecordingModules([("nf_conntrack", moduleBTF)])
        let relocation = CORERelocationCase(local: local, target: base, modules: source.modules)
        let fixups = try relocation.relocate([.at(0, lconn, first, .fieldByteOffset), .at(1, ltask, first, .fieldByteOffset)],
                                             [COREInsn.load(0), COREInsn.load(0)])
        #expect(fixups[0].newValue == 8)
        #expect(fixups[0].targetSpec == "[\(conn)] struct nf_conn.mark (0:2 @ offset 8) in module 'nf_conntrack'")
        #expect(fixups[1].newValue == 4)

        let quiet = CORERecordingModules([("nf_conntrack", moduleBTF)])
        _ = try CORERelocationCase(local: local, target: base, modules: quiet.modules)
            .relocate([.at(0, ltask, first, .fieldByteOffset)], [COREInsn.load(0)])
        #expect(quiet.modules.requested.isEmpty)
    }

    @Test("flavor-insensitive string lookup: foo finds foo and foo___x, not foox, foo____x or foo___")
    func essentialNameScan() throws {
        var strings = CORETestBTF()
        let texts = ["foo", "foo___a", "foo___a___b", "foox", "foo____a", "xfoo", "foo___", "bar___1", "ba"]
        for text in texts { _ = strings.string(text) }
        let btf = try strings.btf()
        let found = btf.ownStringOffsets(ofEssentialNames: ["foo", "bar", "foo___a"])
        let names = found.map { $0.compactMap { btf.string(at: $0)?.string } }
        #expect(names == [["foo", "foo___a"], ["bar___1"], ["foo___a", "foo___a___b"]])
        #expect(CORENames.essential("task_struct___old") == "task_struct")
        #expect(CORENames.essential("__x___") == "__x___")
        #expect(CORENames.essential("a___b___c") == "a___b")
    }
}

/// Remembers which modules were read.
final class CORERecordingModules {
    let modules: Source
    init(_ list: [(String, BTF)]) { modules = Source(list) }

    final class Source: ModuleBTFSource {
        let list: [(String, BTF)]
        var requested: [String] = []
        init(_ list: [(String, BTF)]) { self.list = list }
        func moduleNames() -> [String] { list.map { $0.0 } }
        func btf(of module: String) -> BTF? {
            requested.append(module)
            return list.first { $0.0 == module }?.1
        }
    }
}
