@testable import BPFLoader
@testable import BTFParser
import Testing

/// `__ksym` externs that vmlinux lacks are looked up in module BTF: all of them at once, each
/// module read once however many externs there are, the first module (in name order) that has a
/// type of the right name and kind winning.
@Suite("ksyms in module BTF")
struct KsymModuleTests {
    @Test("every missing name is found in its first module, each module read once")
    func batched() throws {
        var vmlinux = CORETestBTF()
        let kint = vmlinux.int("int", signed: true)
        let kvoid = vmlinux.add("", .functionProto(returns: 0, params: []))
        _ = vmlinux.add("kf_in_vmlinux", .function(proto: kvoid, linkage: .global))
        let base = try vmlinux.btf()

        // a_mod has kf_both and a *function* named kv (the wrong kind for the variable kv);
        // b_mod has kf_both again, kf_b and the variable kv.
        var a = CORETestBTF(splitOn: base)
        let aBoth = a.add("kf_both", .function(proto: kvoid, linkage: .global))
        _ = a.add("kv", .function(proto: kvoid, linkage: .global))
        let aBTF = try a.btf(base: base)
        var b = CORETestBTF(splitOn: base)
        _ = b.add("kf_both", .function(proto: kvoid, linkage: .global))
        let bOnly = b.add("kf_b", .function(proto: kvoid, linkage: .global))
        let bVar = b.add("kv", .variable(type: kint, linkage: .global))
        let bBTF = try b.btf(base: base)

        var local = CORETestBTF()
        let int = local.int("int", signed: true)
        let proto = local.add("", .functionProto(returns: 0, params: []))
        func kfunc(_ name: String, weak: Bool = false) -> Extern {
            Extern(name: name, symbolIndex: 0, btfID: 1, weak: weak, kind: .kfunc(proto: proto))
        }
        let externs = [kfunc("kf_in_vmlinux"), kfunc("kf_both"), kfunc("kf_b"), kfunc("kf_nowhere", weak: true),
                       Extern(name: "kv", symbolIndex: 0, btfID: 1, weak: false, kind: .ksymVariable(type: int)),
                       kfunc("kf_b___flavor")]

        let source = CORERecordingModules([("a_mod", aBTF), ("b_mod", bBTF)])
        var notes: [String] = []
        let resolutions = try KsymResolution.resolve(externs, local: try local.btf(),
                                                     kernel: KernelTypes(vmlinux: base, modules: source.modules),
                                                     facts: KernelFacts(version: 0x060100, release: "6.1.0"), notes: &notes)
        #expect(resolutions == [
            .btf(id: 3, module: nil),
            .btf(id: aBoth, module: "a_mod"),
            .btf(id: bOnly, module: "b_mod"),
            .missing,
            .btf(id: bVar, module: "b_mod"),
            .btf(id: bOnly, module: "b_mod"),
        ])
        #expect(source.modules.requested == ["a_mod", "b_mod"])
    }

    @Test("modules are not read when vmlinux has every name")
    func vmlinuxOnly() throws {
        var vmlinux = CORETestBTF()
        let kvoid = vmlinux.add("", .functionProto(returns: 0, params: []))
        let found = vmlinux.add("kf", .function(proto: kvoid, linkage: .global))
        let base = try vmlinux.btf()
        var local = CORETestBTF()
        let proto = local.add("", .functionProto(returns: 0, params: []))
        let source = CORERecordingModules([("a_mod", base)])
        var notes: [String] = []
        let resolutions = try KsymResolution.resolve(
            [Extern(name: "kf", symbolIndex: 0, btfID: 1, weak: false, kind: .kfunc(proto: proto))], local: try local.btf(),
            kernel: KernelTypes(vmlinux: base, modules: source.modules), facts: KernelFacts(version: 0x060100, release: "6.1.0"),
            notes: &notes)
        #expect(resolutions == [.btf(id: found, module: nil)])
        #expect(source.modules.requested.isEmpty)
    }
}
