import BTFParser
import Bytes
import Testing

/// Types written as C: what `iter info` shows for each variable, and every message names types so.
@Suite("C type names")
struct CTypeNameTests {
    @Test("base types, typedefs, qualifiers, pointers and arrays")
    func simple() throws {
        var b = ValueTestBTF()
        let uint = b.int("unsigned int")
        let int = b.int("int", signed: true)
        let char = b.int("char", size: 1, signed: true)
        let u32 = b.add("__u32", .typedef(uint))
        let u64 = b.add("__u64", .typedef(b.int("unsigned long long", size: 8)))
        let pid = b.add("pid_t", .typedef(int))
        let task = b.record("task_info", size: 4, [("pid", int, 0, 0)])
        let mode = b.enumeration("mode", [("MODE_LIST", 0)])
        let cv = b.add("", .const(b.add("", .volatile(u32))))
        let vc = b.add("", .volatile(b.add("", .const(u32))))
        let pointer = b.add("", .pointer(int))
        let comm = b.array(char, 16)
        let addresses = b.array(u64, 4)
        let btf = try b.parse()
        #expect(btf.displayName(uint) == "unsigned int")
        #expect(btf.displayName(pid) == "pid_t")
        #expect(btf.displayName(comm) == "char[16]")
        #expect(btf.displayName(task) == "struct task_info")
        #expect(btf.displayName(mode) == "enum mode")
        #expect(btf.displayName(cv) == "const volatile __u32")
        #expect(btf.displayName(vc) == "const volatile __u32")  // C's order, whichever way clang chained them
        #expect(btf.displayName(pointer) == "int *")
        #expect(btf.displayName(addresses) == "__u64[4]")
        #expect(btf.displayName(0) == "void")
        #expect(btf.cDeclaration(comm, name: "target_comm") == "char target_comm[16]")
        #expect(btf.cDeclaration(cv, name: "targ_tgid") == "const volatile __u32 targ_tgid")
        #expect(btf.cDeclaration(pointer, name: "p") == "int *p")
    }

    @Test("declarators that need parentheses, const pointers, functions, anonymous and forward types")
    func declarators() throws {
        var b = ValueTestBTF()
        let int = b.int("int", signed: true)
        let char = b.int("char", size: 1, signed: true)
        let row = b.array(int, 4)
        let pointerToArray = b.add("", .pointer(row))
        let arrayOfPointers = b.array(b.add("", .pointer(int)), 4)
        let matrix = b.array(b.array(int, 3), 2)
        let charPointer = b.add("", .pointer(char))
        let proto = b.add(
            "",
            .functionProto(
                returns: int,
                params: [
                    BTFParam(nameOffset: 0, type: int), BTFParam(nameOffset: b.editable.addString("name"), type: charPointer),
                ]))
        let handler = b.add("", .pointer(proto))
        let variadic = b.add("", .functionProto(returns: 0, params: [BTFParam(nameOffset: 0, type: int), BTFParam(nameOffset: 0, type: 0)]))
        let none = b.add("", .pointer(b.add("", .functionProto(returns: 0, params: []))))
        let constPointer = b.add("", .const(charPointer))
        let pointerToConst = b.add("", .pointer(b.add("", .const(char))))
        let anonymous = b.record("", size: 4, [("x", int, 0, 0)])
        let forward = b.add("seq_file", .forward(isUnion: false))
        let tagged = b.add("", .pointer(b.add("user", .typeTag(int))))
        let function = b.add("scale", .function(proto: proto, linkage: .global))
        let btf = try b.parse()
        #expect(btf.displayName(pointerToArray) == "int (*)[4]")
        #expect(btf.displayName(arrayOfPointers) == "int *[4]")
        #expect(btf.displayName(matrix) == "int[2][3]")
        #expect(btf.cDeclaration(matrix, name: "m") == "int m[2][3]")
        #expect(btf.displayName(handler) == "int (*)(int, char *name)")
        #expect(btf.cDeclaration(handler, name: "on_task") == "int (*on_task)(int, char *name)")
        #expect(btf.displayName(variadic) == "void (int, ...)")
        #expect(btf.displayName(none) == "void (*)(void)")
        #expect(btf.displayName(constPointer) == "char *const")
        #expect(btf.displayName(pointerToConst) == "const char *")
        #expect(btf.displayName(anonymous) == "struct (anon)")
        #expect(btf.displayName(b.add("", .pointer(forward))) == "?")  // not in the parsed copy
        #expect(btf.displayName(forward) == "struct seq_file")
        #expect(btf.displayName(tagged) == "int *")
        #expect(btf.displayName(function) == "int scale(int, char *name)")
    }

    @Test("a cycle or a missing type is ?, never a hang")
    func malformed() throws {
        var b = ValueTestBTF()
        b.add("", .const(2))
        b.add("", .volatile(1))
        let named = b.add("a", .typedef(4))
        b.add("", .const(named))
        let dangling = b.add("", .pointer(99))
        let btf = try b.parse()
        #expect(btf.displayName(1) == "?")
        #expect(btf.displayName(4) == "const a")  // a typedef is written by its name: no walk
        #expect(btf.displayName(dangling) == "? *")
    }

    @Test("prototypes whose parameters point to themselves stay short: each name has a budget")
    func exponential() throws {
        var b = ValueTestBTF()
        // [1] void (*)(…64 parameters of type [2]…), [2] a pointer to [1]: 64^32 types to write.
        b.add("", .functionProto(returns: 0, params: [BTFParam](repeating: BTFParam(nameOffset: 0, type: 2), count: 64)))
        b.add("", .pointer(1))
        let btf = try b.parse()
        let name = btf.displayName(2)
        #expect(name.hasPrefix("? (*)(? (*)(") && name.hasSuffix("?)"))  // cut short: its budget ran out
        #expect(name.utf8.count < 64 * 1024)
    }
}
