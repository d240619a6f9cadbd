@testable import BPFLoader
import BTFParser
import Bytes
import Foundation
import Testing
import TestSupport

/// Planning `__kconfig` externs with a given config: the `.kconfig` map's bytes, libbpf's layout
/// and value rules, and the errors. Pure: the kernel config is a value; the kernel's BTF is the
/// committed snapshot's (Tests/Data).
@Suite("kconfig externs")
struct KconfigExternTests {
    static let fixtures = TestPaths.fixtures

    static func object() throws -> BPFObjectFile {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("iter_kconfig.bpf.o"))
        return try BPFObjectFile(bytes: ByteView([UInt8](data)), name: "iter_kconfig")
    }

    func plan(config text: String?, version: UInt32 = 0x060112) throws -> LoadPlan {
        var facts = KernelFacts(version: version, release: "6.1.18")
        if let text { facts.kconfig = try KernelConfig(parsing: text) }
        facts.kconfigSource = "test config"
        facts.kconfigProblem = text == nil ? "no config in this test" : nil
        facts.hasBPFCookie = true
        let kernel = try KernelSnapshot.vmlinuxOnly()
        return try Planner.plan(try Self.object(), kernel: kernel, facts: facts)
    }

    /// The planning error for this config, if any.
    func planError(config text: String?) throws -> LoadError? {
        var facts = KernelFacts(version: 0x060112, release: "6.1.18")
        if let text { facts.kconfig = try KernelConfig(parsing: text) }
        facts.kconfigSource = "test config"
        facts.kconfigProblem = text == nil ? "no config in this test" : nil
        let kernel = try KernelSnapshot.vmlinuxOnly()
        let object = try Self.object()
        do {
            _ = try Planner.plan(object, kernel: kernel, facts: facts)
            return nil
        } catch {
            return error
        }
    }

    func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    static let config = """
    CONFIG_HZ=1000
    CONFIG_BPF_SYSCALL=y
    CONFIG_BPF_JIT=m
    CONFIG_BPF_EVENTS=y
    CONFIG_DEFAULT_HOSTNAME="a-very-long-hostname"
    """

    @Test("the .kconfig map holds each value at libbpf's offset, frozen and read-only")
    func layout() throws {
        let plan = try plan(config: Self.config)
        let map = try #require(plan.maps.first { $0.name.hasSuffix(".kconfig") })
        #expect(map.name == "iter_kc.kconfig")
        #expect(map.freeze)
        #expect(map.attributes.flags == 0x480)  // BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, as bpftool 7.1 creates it
        let bytes = try #require(map.initialValue)
        // Sorted by alignment (4-byte ints first, by size then name), then the 1-byte ones, then
        // the 16-byte string: CONFIG_BPF_JIT (enum), CONFIG_HZ, LINUX_KERNEL_VERSION, then bools/chars.
        #expect(bytes.count == 12 + 5 + 16)
        #expect(u32(bytes, 0) == 2)            // CONFIG_BPF_JIT = m: TRI_MODULE
        #expect(u32(bytes, 4) == 1000)         // CONFIG_HZ
        #expect(u32(bytes, 8) == 0x060112)     // LINUX_KERNEL_VERSION
        // 1-byte externs by name: CONFIG_BPF_EVENTS (char), CONFIG_BPF_SYSCALL, CONFIG_ITER_NO_SUCH_OPTION,
        // LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER.
        #expect(Array(bytes[12..<17]) == [UInt8(ascii: "y"), 1, 0, 1, 1])
        // The string, cut to 15 bytes and NUL-terminated.
        #expect(Array(bytes[17..<33]) == Array("a-very-long-hos".utf8) + [0])
    }

    @Test("a strong extern missing from the config is an error that names it")
    func missing() throws {
        let text = Self.config.replacingOccurrences(of: "CONFIG_HZ=1000\n", with: "")
        #expect(try planError(config: text)?.description
                == "extern 'CONFIG_HZ': not set in the kernel config (test config); declare it __weak to default to 0")
    }

    @Test("values of the wrong kind are errors: m for a bool, a string for an integer")
    func wrongKinds() throws {
        let bool = Self.config.replacingOccurrences(of: "CONFIG_BPF_SYSCALL=y", with: "CONFIG_BPF_SYSCALL=m")
        #expect(try planError(config: bool)?.description == "extern 'CONFIG_BPF_SYSCALL': value 'm' needs a tristate or char, not bool")
        let int = Self.config.replacingOccurrences(of: "CONFIG_HZ=1000", with: "CONFIG_HZ=\"fast\"")
        #expect(try planError(config: int)?.description == "extern 'CONFIG_HZ': a string value needs a char array")
    }

    @Test("without a readable config, strong CONFIG_ externs fail with the reason")
    func noConfig() throws {
        #expect(try planError(config: nil)?.description.contains("the kernel config is needed but could not be read (no config in this test)") == true)
    }

    @Test("instructions load kconfig values from the map at their offsets")
    func instructions() throws {
        let plan = try plan(config: Self.config)
        let program = plan.selectedProgram
        let kconfig = try #require(plan.maps.firstIndex { $0.name.hasSuffix(".kconfig") })
        let references = program.mapReferences.filter { $0.map == kconfig }
        #expect(references.count >= 8)
        for reference in references {
            #expect(program.instructions[reference.instruction].src == BPFInstruction.pseudoMapValue)
            #expect((0..<33).contains(Int(program.instructions[reference.instruction + 1].immediate)))
        }
    }

    @Test("the snapshot kernel's own config (Debian's, gzip'd) fills the map as that kernel would")
    func snapshotConfig() throws {
        let plan = try Planner.plan(try Self.object(), kernel: try KernelSnapshot.vmlinuxOnly(),
                                    facts: try KernelSnapshot.facts(kconfig: true))
        let map = try #require(plan.maps.first { $0.name.hasSuffix(".kconfig") })
        let bytes = try #require(map.initialValue)
        let config = try KernelSnapshot.config()
        #expect(u32(bytes, 0) == (config["CONFIG_BPF_JIT"] == .module ? 2 : 1))
        #expect(u32(bytes, 4) == UInt32(try #require(config["CONFIG_HZ"]?.uint64)))
        #expect(u32(bytes, 8) == KernelProbe.versionCode(KernelSnapshot.release))
        // CONFIG_BPF_EVENTS (char), CONFIG_BPF_SYSCALL, the missing weak option, LINUX_HAS_BPF_COOKIE,
        // LINUX_HAS_SYSCALL_WRAPPER (x86-64 kernels wrap syscalls: __x64_sys_bpf is in its BTF).
        #expect(Array(bytes[12..<17]) == [UInt8(ascii: "y"), 1, 0, 1, 1])
        let hostname = try #require(config["CONFIG_DEFAULT_HOSTNAME"]?.stringValue)
        #expect(Array(bytes[17..<33]) == Array(hostname.utf8.prefix(15)) + [UInt8](repeating: 0, count: 16 - min(hostname.utf8.count, 15)))
    }
}
