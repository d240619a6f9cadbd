@testable import BPFLoader
@testable import BTFParser
import Testing

/// Untyped `__ksym` externs take their address from /proc/kallsyms (`KernelFacts.kallsyms`).
@Suite("ksym addresses from kallsyms")
struct KsymAddressTests {
    static func address(_ name: String, weak: Bool = false) -> Extern {
        Extern(name: name, symbolIndex: 0, btfID: 1, weak: weak, kind: .ksymAddress)
    }

    static func resolve(_ externs: [Extern], kallsyms: [String: UInt64]) throws(LoadError) -> [ExternResolution] {
        var vmlinux = CORETestBTF()
        _ = vmlinux.int("int", signed: true)
        var local = CORETestBTF()
        _ = local.int("int", signed: true)
        var notes: [String] = []
        let base = try! vmlinux.btf()
        return try KsymResolution.resolve(externs, local: try! local.btf(), kernel: KernelTypes(vmlinux: base),
                                          facts: KernelFacts(version: 0x060100, release: "6.1.0", kallsyms: kallsyms), notes: &notes)
    }

    @Test("found, weak and missing, strong and missing")
    func found() throws {
        #expect(try Self.resolve([Self.address("a"), Self.address("w", weak: true)], kallsyms: ["a": 0xffff_ffff_8100_0000])
            == [.address(0xffff_ffff_8100_0000), .address(0)])
        #expect(throws: LoadError.self) { try Self.resolve([Self.address("s")], kallsyms: [:]) }
    }

    @Test("an address shown as 0 (kptr_restrict) is an error, not a program reading address 0")
    func hidden() throws {
        for weak in [false, true] {
            do {
                _ = try Self.resolve([Self.address("bpf_iter_run_prog", weak: weak)], kallsyms: ["bpf_iter_run_prog": 0])
                Issue.record("resolved a hidden address")
            } catch {
                #expect(error.description == "extern 'bpf_iter_run_prog': /proc/kallsyms shows its address as 0 (addresses hidden: kernel.kptr_restrict, or no CAP_SYSLOG)")
            }
        }
    }
}
