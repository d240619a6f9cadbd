@testable import BPFLoader
import BTFParser
import Bytes
import Foundation
import Testing
import TestSupport

/// The bound on the `.kconfig` map: every byte of it is allocated by iter and again by the kernel,
/// and an extern may be 64 KiB, so a small object could otherwise ask for gigabytes (and, past
/// 2^31 bytes, trap converting offsets to 32 bits).
@Suite("kconfig size limit")
struct KconfigLimitTests {
    static func charArray(_ name: String, size: Int) -> Extern {
        Extern(name: name, symbolIndex: 0, btfID: 1, weak: true,
               kind: .kconfig(type: .charArray, size: size, alignment: 1, signed: false))
    }

    @Test("exactly 1 MiB is laid out; one byte more is refused, naming the extern that does not fit")
    func boundary() throws {
        var full = (0..<16).map { Self.charArray("CONFIG_A\($0)", size: 1 << 16) }
        #expect(try Externs.layOutKconfig(&full) == 1 << 20)
        #expect(full.last?.dataOffset == 15 << 16)

        // Laid out in order: the byte goes first, so the last array is the one past the limit.
        var over = [Self.charArray("CONFIG_B", size: 1)] + (0..<16).map { Self.charArray("CONFIG_A\($0)", size: 1 << 16) }
        do {
            _ = try Externs.layOutKconfig(&over)
            Issue.record("laid out 1,048,577 bytes")
        } catch {
            #expect(error.description == "extern 'CONFIG_A15': .kconfig would be 1048577 bytes, more than the 1048576 iter accepts")
            #expect(error.phase == .open)
        }
    }

    @Test("an object whose .kconfig would pass 1 MiB fails planning with that error")
    func object() throws {
        let path = KconfigExternTests.fixtures.appendingPathComponent("iter_kconfig_too_big.bpf.o")
        let data = try Data(contentsOf: path)
        let object = try BPFObjectFile(bytes: ByteView([UInt8](data)), name: "iter_kconfig_too_big")
        var facts = KernelFacts(version: 0x060112, release: "6.1.18")
        facts.kconfigProblem = "no config in this test"
        let kernel = try KernelSnapshot.vmlinuxOnly()
        do {
            _ = try Planner.plan(object, kernel: kernel, facts: facts)
            Issue.record("planned a 1,114,112-byte .kconfig")
        } catch {
            // Seventeen externs of 64 KiB, same alignment and size: laid out by name.
            #expect(error.description == "extern 'CONFIG_ITER_BIG_16': .kconfig would be 1114112 bytes, more than the 1048576 iter accepts")
        }
    }

    @Test("a struct member of size 0 has no alignment (no division by zero)")
    func zeroSizedMember() throws {
        var btf = CORETestBTF()
        let zero = btf.int("zero", size: 0)
        let holder = btf.structure("holder", size: 4, [("z", zero, 8, 0)])
        #expect(Externs.alignment(of: holder, in: try btf.btf()) == nil)
    }
}
