@testable import BPFLoader
@testable import BTFParser
import Bytes
import Testing

@Suite("CO-RE field relocations")
struct COREFieldTests {
    @Test("a field that moved: byte_off follows it, -d names both specs, apply patches the offsets")
    func movedField() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let task = local.structure("task_struct", size: 8, [("pid", int, 0, 0), ("tgid", int, 32, 0)])
        let tgidAccess = local.string("0:1"), pidAccess = local.string("0:0")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        let klong = kernel.int("long", size: 8, signed: true)
        let ktask = kernel.structure("task_struct", size: 32, [("state", klong, 0, 0), ("flags", kint, 64, 0),
                                                              ("tgid", kint, 96, 0), ("pid", kint, 128, 0)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.load(4), COREInsn.load(0), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, task, tgidAccess, .fieldByteOffset), .at(1, task, pidAccess, .fieldByteOffset)], code)

        #expect(fixups.count == 2)
        #expect(fixups[0].instruction == 0)
        #expect(fixups[0].kind == .fieldByteOffset)
        #expect(fixups[0].oldValue == 4)
        #expect(fixups[0].newValue == 12)
        #expect(!fixups[0].poisoned)
        #expect(fixups[0].localSpec == "[\(task)] struct task_struct.tgid (0:1 @ offset 4)")
        #expect(fixups[0].targetSpec == "[\(ktask)] struct task_struct.tgid (0:2 @ offset 12)")
        #expect(fixups[0].description
            == "relo #0: byte_off [\(task)] struct task_struct.tgid (0:1 @ offset 4) -> [\(ktask)] struct task_struct.tgid (0:2 @ offset 12): 4 -> 12")
        #expect(fixups[1].oldValue == 0)
        #expect(fixups[1].newValue == 16)
        #expect(fixups[1].description.hasPrefix("relo #1: byte_off "))

        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.load(12), COREInsn.load(16), COREInsn.exit].encoded())
        // r1 = *(u32 *)(r2 + 12): opcode, regs (src << 4 | dst), off (LE), imm.
        #expect(Array(code.encoded()[0..<8]) == [0x61, 0x21, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00])
    }

    @Test("a flavored local type (task_struct___old) matches the kernel's task_struct")
    func flavor() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let char = local.int("char", size: 1, signed: true)
        let index = local.int("__ARRAY_SIZE_TYPE__")
        let comm = local.array(char, count: 16, index: index)
        let old = local.structure("task_struct___old", size: 20, [("pid", int, 0, 0), ("comm", comm, 32, 0)])
        let access = local.string("0:1")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        let kchar = kernel.int("char", size: 1, signed: true)
        let kindex = kernel.int("__ARRAY_SIZE_TYPE__")
        let kcomm = kernel.array(kchar, count: 16, index: kindex)
        _ = kernel.structure("task_struct_extra", size: 4, [("comm", kint, 0, 0)])  // a longer name: not a candidate
        let task = kernel.structure("task_struct", size: 120, [("pid", kint, 0, 0), ("comm", kcomm, 800, 0)])

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        let code = [COREInsn.load(4, size: 8), COREInsn.move(16), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, old, access, .fieldByteOffset), .at(1, old, access, .fieldByteSize)], code)
        #expect(fixups[0].newValue == 100)
        #expect(fixups[0].targetSpec == "[\(task)] struct task_struct.comm (0:1 @ offset 100)")
        #expect(fixups[1].oldValue == 16)
        #expect(fixups[1].newValue == 16)
    }

    @Test("byte_sz follows a resized field; a load changes size only for unsigned integers and pointers")
    func resizedField() throws {
        var local = CORETestBTF()
        let u64 = local.int("unsigned long", size: 8)
        let s64 = local.int("long", size: 8, signed: true)
        let s = local.structure("sample", size: 16, [("v", u64, 0, 0), ("w", s64, 64, 0)])
        let v = local.string("0:0"), w = local.string("0:1")

        var kernel = CORETestBTF()
        let u32 = kernel.int("unsigned int", size: 4)
        let s32 = kernel.int("int", size: 4, signed: true)
        _ = kernel.structure("sample", size: 12, [("w", s32, 0, 0), ("v", u32, 32, 0)])

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.move(8), COREInsn.load(0, size: 8), COREInsn.load(8, size: 8), COREInsn.add(8), COREInsn.exit]
        let fixups = try relocation.relocate([
            .at(0, s, v, .fieldByteSize),
            .at(1, s, v, .fieldByteOffset),
            .at(2, s, w, .fieldByteOffset),
            .at(3, s, w, .fieldByteOffset),
        ], code)

        #expect(fixups[0].oldValue == 8 && fixups[0].newValue == 4)
        // Unsigned 8 → 4 bytes: the offset moves and the load shrinks to 32 bits.
        #expect(fixups[1].newValue == 4 && !fixups[1].poisoned)
        #expect(fixups[1].description.hasSuffix(": 0 -> 4 (memory access 8 -> 4 bytes)"))
        // Signed: a 32-bit load would lose the sign extension the program expects, so poison.
        #expect(fixups[2].poisoned)
        #expect(fixups[2].failure == "field 'sample.w' is 4 bytes in the kernel and 8 in the program: only pointers and unsigned integers can be read at another size")
        // The same relocation on an ALU instruction is just a number.
        #expect(!fixups[3].poisoned && fixups[3].newValue == 0)

        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.move(4), COREInsn.load(4, size: 4), COREInsn.poison, COREInsn.add(0), COREInsn.exit].encoded())
        #expect(Array(code.encoded()[8..<16]) == [0x61, 0x21, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00])
        #expect(Array(code.encoded()[16..<24]) == [0x85, 0x00, 0x00, 0x00, 0x10, 0x23, 0xad, 0x0b])
    }

    @Test("a bitfield that moved and widened: byte_off, byte_sz, lshift, rshift, signed")
    func bitfield() throws {
        var local = CORETestBTF()
        let uint = local.int("unsigned int")
        let flags = local.structure("flags", size: 4, [("a", uint, 0, 3), ("b", uint, 3, 5)])
        let b = local.string("0:1")

        var kernel = CORETestBTF()
        let kuint = kernel.int("unsigned int")
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("flags", size: 8, [("x", kuint, 0, 10), ("a", kuint, 10, 3), ("b", kint, 13, 20)])

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        // Local: b is bits 3..7 of a u32: offset 0, size 4, shift left 56 then right 59, unsigned.
        var code = [COREInsn.move(0), COREInsn.move(4), COREInsn.move(56), COREInsn.move(59), COREInsn.move(0), COREInsn.exit]
        let fixups = try relocation.relocate([
            .at(0, flags, b, .fieldByteOffset), .at(1, flags, b, .fieldByteSize), .at(2, flags, b, .fieldLeftShift),
            .at(3, flags, b, .fieldRightShift), .at(4, flags, b, .fieldSigned),
        ], code)
        #expect(fixups.map { $0.oldValue } == [0, 4, 56, 59, 0])
        // Kernel: bits 13..32 straddle a u32, so the load widens to a u64 at offset 0.
        #expect(fixups.map { $0.newValue } == [0, 8, 31, 44, 1])
        #expect(fixups[2].targetSpec?.hasSuffix("flags.b (0:2 @ offset 1.5)") == true)

        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.move(0), COREInsn.move(8), COREInsn.move(31), COREInsn.move(44), COREInsn.move(1), COREInsn.exit].encoded())
        #expect(Array(code.encoded()[16..<24]) == [0xb7, 0x01, 0x00, 0x00, 31, 0x00, 0x00, 0x00])
    }

    @Test("a bitfield no 64-bit load covers is refused")
    func bitfieldTooWide() throws {
        var local = CORETestBTF()
        let ulong = local.int("unsigned long", size: 8)
        let s = local.structure("wide", size: 16, [("f", ulong, 60, 8)])
        let access = local.string("0:0")
        let relocation = CORERelocationCase(local: local, target: try local.btf())
        #expect(throws: COREError.self) {
            _ = try relocation.relocate([.at(0, s, access, .fieldLeftShift)], [COREInsn.move(0)])
        }
    }

    @Test("signedness of integers and enums")
    func signedness() throws {
        var local = CORETestBTF()
        let sint = local.int("int", signed: true)
        let mode = local.enumeration("mode", signed: false, [("M", 1)])
        let s = local.structure("sample", size: 8, [("v", sint, 0, 0), ("m", mode, 32, 0)])
        let v = local.string("0:0"), m = local.string("0:1")

        var kernel = CORETestBTF()
        let kuint = kernel.int("unsigned int")
        let kmode = kernel.enumeration("mode", signed: true, [("M", -1)])
        _ = kernel.structure("sample", size: 8, [("v", kuint, 0, 0), ("m", kmode, 32, 0)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.move(1), COREInsn.move(0)]
        let fixups = try relocation.relocate([.at(0, s, v, .fieldSigned), .at(1, s, m, .fieldSigned)], code)
        #expect(fixups.map { $0.oldValue } == [1, 0])
        #expect(fixups.map { $0.newValue } == [0, 1])
        try CORERelocator.apply(fixups, to: &code)
        #expect(code == [COREInsn.move(0), COREInsn.move(1)])
    }

    @Test("field_exists: 1 when found, 0 (not poison) when the field or type is missing")
    func fieldExists() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let s = local.structure("sample", size: 8, [("here", int, 0, 0), ("gone", int, 32, 0)])
        let other = local.structure("absent", size: 4, [("x", int, 0, 0)])
        let here = local.string("0:0"), gone = local.string("0:1"), x = local.string("0:0")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("sample", size: 4, [("here", kint, 0, 0)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.move(1), COREInsn.move(1), COREInsn.move(1), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, s, here, .fieldExists), .at(1, s, gone, .fieldExists),
                                              .at(2, other, x, .fieldExists)], code)
        #expect(fixups.map { $0.newValue } == [1, 0, 0])
        #expect(fixups.allSatisfy { !$0.poisoned })
        #expect(fixups[1].description.hasSuffix("-> not found in kernel: 1 -> 0"))
        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.move(1), COREInsn.move(0), COREInsn.move(0), COREInsn.exit].encoded())
    }

    @Test("a missing type or field poisons field relocations and names them")
    func missing() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let gone = local.structure("gone", size: 4, [("x", int, 0, 0)])
        let task = local.structure("task_struct", size: 8, [("pid", int, 0, 0), ("foo", int, 32, 0)])
        let x = local.string("0:0"), foo = local.string("0:1")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("task_struct", size: 4, [("pid", kint, 0, 0)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.load(0), COREInsn.load(4), COREInsn.move(4), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, gone, x, .fieldByteOffset), .at(1, task, foo, .fieldByteOffset),
                                              .at(2, task, foo, .fieldByteSize)], code)
        #expect(fixups[0].failure == "field 'gone.x' not found in kernel (no struct 'gone' in kernel BTF)")
        #expect(fixups[1].failure == "field 'task_struct.foo' not found in kernel")
        #expect(fixups[2].poisoned)
        #expect(fixups[1].targetSpec == nil)
        #expect(fixups[1].description
            == "relo #1: byte_off [\(task)] struct task_struct.foo (0:1 @ offset 4) -> not found in kernel: poisoned insn #1: field 'task_struct.foo' not found in kernel")
        #expect(fixups[1].poisonNote == COREPoisonNote(relocation: 1, reason: "field 'task_struct.foo' not found in kernel"))
        #expect(CORERelocator.poisonNotes(fixups).keys.sorted() == [0, 1, 2])

        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.poison, COREInsn.poison, COREInsn.poison, COREInsn.exit].encoded())
    }

    @Test("members inside anonymous unions and structs are found by name however the kernel nests them")
    func anonymousMembers() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let long = local.int("long", size: 8, signed: true)
        let union = local.structure("", size: 8, union: true, [("b", int, 0, 0), ("c", long, 0, 0)])
        let s = local.structure("sample", size: 16, [("a", int, 0, 0), ("", union, 64, 0)])
        let c = local.string("0:1:1")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        let klong = kernel.int("long", size: 8, signed: true)
        let kunion = kernel.structure("", size: 8, union: true, [("c", klong, 0, 0), ("b", kint, 0, 0)])
        let kinner = kernel.structure("", size: 16, [("pad", kint, 0, 0), ("", kunion, 64, 0)])
        let ks = kernel.structure("sample", size: 32, [("z", klong, 0, 0), ("a", kint, 64, 0), ("", kinner, 128, 0)])

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        var code = [COREInsn.load(8, size: 8), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, s, c, .fieldByteOffset)], code)
        #expect(fixups[0].localSpec == "[\(s)] struct sample.c (0:1:1 @ offset 8)")
        #expect(fixups[0].targetSpec == "[\(ks)] struct sample.c (0:2:1:0 @ offset 24)")
        try CORERelocator.apply(fixups, to: &code)
        #expect(code.encoded() == [COREInsn.load(24, size: 8), COREInsn.exit].encoded())
    }

    @Test("array elements: 0:2:3 and 0:2:3:1, bounds checked against the kernel's array")
    func arrays() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let index = local.int("__ARRAY_SIZE_TYPE__")
        let item = local.structure("item", size: 8, [("a", int, 0, 0), ("b", int, 32, 0)])
        let items = local.array(item, count: 4, index: index)
        let s = local.structure("sample", size: 40, [("x", int, 0, 0), ("y", int, 32, 0), ("items", items, 64, 0)])
        let element = local.string("0:2:3"), member = local.string("0:2:3:1")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        let klong = kernel.int("long", size: 8, signed: true)
        let kindex = kernel.int("__ARRAY_SIZE_TYPE__")
        let kitem = kernel.structure("item", size: 8, [("b", kint, 0, 0), ("a", kint, 32, 0)])
        let kitems = kernel.array(kitem, count: 8, index: kindex)
        let ks = kernel.structure("sample", size: 80, [("pad", klong, 0, 0), ("x", kint, 64, 0), ("items", kitems, 128, 0)])

        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        let code = [COREInsn.add(32), COREInsn.load(36), COREInsn.move(8), COREInsn.exit]
        let fixups = try relocation.relocate([.at(0, s, element, .fieldByteOffset), .at(1, s, member, .fieldByteOffset),
                                              .at(2, s, element, .fieldByteSize)], code)
        #expect(fixups[0].localSpec == "[\(s)] struct sample.items[3] (0:2:3 @ offset 32)")
        #expect(fixups[0].targetSpec == "[\(ks)] struct sample.items[3] (0:2:3 @ offset 40)")
        #expect(fixups.map { $0.newValue } == [40, 40, 8])

        // Only 2 elements in this kernel: index 3 is not there.
        var small = CORETestBTF()
        let sint = small.int("int", signed: true)
        let sindex = small.int("__ARRAY_SIZE_TYPE__")
        let sitem = small.structure("item", size: 8, [("a", sint, 0, 0), ("b", sint, 32, 0)])
        let sitems = small.array(sitem, count: 2, index: sindex)
        _ = small.structure("sample", size: 24, [("x", sint, 0, 0), ("items", sitems, 64, 0)])
        let poisoned = try CORERelocationCase(local: local, target: try small.btf())
            .relocate([.at(0, s, element, .fieldByteOffset)], code)
        #expect(poisoned[0].failure == "field 'sample.items[3]' not found in kernel")

        // Signedness of a whole array element makes no sense: refused like libbpf does.
        #expect(throws: COREError.self) {
            _ = try relocation.relocate([.at(0, s, element, .fieldSigned)], code)
        }
    }

    @Test("several kernel candidates: fine when they agree, an error when they do not")
    func candidates() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let dup = local.structure("dup", size: 8, [("x", int, 32, 0)])
        let x = local.string("0:0")
        let code = [COREInsn.load(4), COREInsn.exit]

        var agree = CORETestBTF()
        let aint = agree.int("int", signed: true)
        let first = agree.structure("dup", size: 8, [("pad", aint, 0, 0), ("x", aint, 32, 0)])
        _ = agree.structure("dup___2", size: 8, [("pad", aint, 0, 0), ("x", aint, 32, 0)])
        let agreed = try CORERelocationCase(local: local, target: try agree.btf()).relocate([.at(0, dup, x, .fieldByteOffset)], code)
        #expect(agreed[0].newValue == 4)
        #expect(agreed[0].targetSpec?.hasPrefix("[\(first)] struct dup.x") == true)

        var disagree = CORETestBTF()
        let dint = disagree.int("int", signed: true)
        _ = disagree.structure("dup", size: 8, [("pad", dint, 0, 0), ("x", dint, 32, 0)])
        _ = disagree.structure("dup___2", size: 12, [("pad", dint, 0, 0), ("pad2", dint, 32, 0), ("x", dint, 64, 0)])
        do {
            _ = try CORERelocationCase(local: local, target: try disagree.btf()).relocate([.at(0, dup, x, .fieldByteOffset)], code)
            Issue.record("ambiguous candidates were accepted")
        } catch let error as COREError {
            guard case let .ambiguous(program, relocation, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(program == "prog" && relocation == 0)
            #expect(error.description.hasPrefix("prog 'prog': relo #0: ambiguous CO-RE relocation: "))
        }
    }

    @Test("a relocation that matches only some candidates narrows them for the next ones (libbpf's pruning)")
    func candidatePruning() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let dup = local.structure("dup", size: 8, [("x", int, 0, 0), ("y", int, 32, 0)])
        let x = local.string("0:0"), y = local.string("0:1")

        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("dup", size: 8, [("x", kint, 0, 0), ("z", kint, 32, 0)])
        let keep = kernel.structure("dup___2", size: 12, [("pad", kint, 0, 0), ("x", kint, 32, 0), ("y", kint, 64, 0)])
        // y exists only in dup___2, so x is then resolved against dup___2 alone.
        let fixups = try CORERelocationCase(local: local, target: try kernel.btf())
            .relocate([.at(0, dup, y, .fieldByteOffset), .at(1, dup, x, .fieldByteOffset)], [COREInsn.load(4), COREInsn.load(0)])
        #expect(fixups.map { $0.newValue } == [8, 4])
        #expect(fixups[1].targetSpec?.hasPrefix("[\(keep)] struct dup___2.x") == true)
    }

    @Test("an instruction that does not hold the value the local BTF predicts is refused")
    func validation() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let s = local.structure("sample", size: 8, [("a", int, 0, 0), ("b", int, 32, 0)])
        let b = local.string("0:1")
        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("sample", size: 8, [("b", kint, 0, 0), ("a", kint, 32, 0)])
        let relocation = CORERelocationCase(local: local, target: try kernel.btf())
        do {
            _ = try relocation.relocate([.at(0, s, b, .fieldByteOffset)], [COREInsn.load(8)])
            Issue.record("a mismatching instruction was accepted")
        } catch let error as COREError {
            guard case let .badInstruction(_, relocation, instruction, reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(relocation == 0 && instruction == 0)
            #expect(reason == "(LDX/ST/STX) value: got 8, expected 4 -> 0")
        }

        // apply checks again: fixups computed for other instructions are not written blindly.
        let fixups = try relocation.relocate([.at(0, s, b, .fieldByteOffset)], [COREInsn.load(4)])
        var other = [COREInsn.load(12)]
        #expect(throws: COREError.self) { try CORERelocator.apply(fixups, to: &other) }
        #expect(other == [COREInsn.load(12)])
    }

    @Test("a kernel offset beyond a 16-bit instruction offset is refused")
    func offsetTooLarge() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let s = local.structure("big", size: 4, [("f", int, 0, 0)])
        let f = local.string("0:0")
        var kernel = CORETestBTF()
        let kint = kernel.int("int", signed: true)
        _ = kernel.structure("big", size: 40_004, [("f", kint, 40_000 * 8, 0)])
        #expect(throws: COREError.self) {
            _ = try CORERelocationCase(local: local, target: try kernel.btf()).relocate([.at(0, s, f, .fieldByteOffset)], [COREInsn.store(0)])
        }
        // An ALU instruction takes it.
        let fixups = try CORERelocationCase(local: local, target: try kernel.btf()).relocate([.at(0, s, f, .fieldByteOffset)], [COREInsn.add(0)])
        #expect(fixups[0].newValue == 40_000)
    }

    @Test("malformed records are errors naming the relocation")
    func malformed() throws {
        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let s = local.structure("sample", size: 4, [("a", int, 0, 0)])
        let anonymous = local.structure("", size: 4, [("a", int, 0, 0)])
        let bad = local.string("0:7"), weird = local.string("0::1"), ok = local.string("0:0"), zero = local.string("0")
        let relocation = CORERelocationCase(local: local, target: try local.btf())
        let code = [COREInsn.load(0), COREInsn.exit]
        for record in [CORERelocationRecord.at(0, s, bad, .fieldByteOffset), .at(0, s, weird, .fieldByteOffset),
                       .at(0, 99, ok, .fieldByteOffset), .at(5, s, ok, .fieldByteOffset),
                       .at(0, anonymous, ok, .fieldByteOffset), .at(0, s, ok, .typeSize)] {
            #expect(throws: COREError.self) { _ = try relocation.relocate([record], code) }
        }
        // An anonymous type is fine for local_type_id, which needs no kernel lookup.
        let fixups = try relocation.relocate([.at(0, anonymous, zero, .typeIDLocal)], COREInsn.wide(UInt64(anonymous)))
        #expect(fixups[0].newValue == UInt64(anonymous))
    }
}
