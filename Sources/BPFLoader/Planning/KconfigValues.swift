import BTFParser
import Bytes
import SyscallBPF

/// The contents of the `.kconfig` map: each `__kconfig` extern's value at its offset, set with
/// libbpf's rules (set_kcfg_value_tri / _str / _num): y/n/m fit bool, tristate and char; strings
/// fit char arrays; numbers fit integers and char, range-checked for the declared size and sign.
/// The virtual LINUX_* externs come from the kernel facts, not from the config file.
enum KconfigValues {
    /// Syscall entry points whose presence means the kernel wraps syscalls (LINUX_HAS_SYSCALL_WRAPPER).
    static let syscallWrappers = ["__x64_sys_bpf", "__arm64_sys_bpf", "__s390x_sys_bpf", "__riscv_sys_bpf", "__ia32_sys_bpf"]

    static func contents(_ externs: [Extern], facts: KernelFacts, vmlinux: BTF, notes: inout [String]) throws(LoadError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Externs.kconfigSize(externs))
        for e in externs {
            guard case let .kconfig(type, size, _, signed) = e.kind else { continue }
            func fail(_ reason: String) -> LoadError { .extern(name: e.name, reason: reason) }
            func store(_ value: UInt64) throws(LoadError) {
                guard fits(value, size: size, signed: signed) else { throw fail("value \(value) does not fit in \(size) bytes") }
                write(value, size: size, at: e.dataOffset, into: &bytes)
            }
            if e.name.hasPrefix("LINUX_") {
                switch e.name {
                case "LINUX_KERNEL_VERSION":
                    guard type == .integer, size == 4 else { throw fail("must be declared as a 32-bit integer") }
                    try store(UInt64(facts.version))
                case "LINUX_HAS_BPF_COOKIE":
                    try store(facts.hasBPFCookie ? 1 : 0)
                case "LINUX_HAS_SYSCALL_WRAPPER":
                    let wrapped = syscallWrappers.contains { vmlinux.function(named: $0) != nil }
                    try store(wrapped ? 1 : 0)
                default:
                    // Unknown virtual externs are zero if weak, as in libbpf.
                    guard e.weak else { throw fail("unrecognized virtual extern (known: LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER)") }
                }
                notes.append("extern (kconfig) '\(e.name)' at offset \(e.dataOffset): virtual")
                continue
            }
            guard e.name.hasPrefix("CONFIG_") else {
                throw fail("__kconfig externs are CONFIG_* or LINUX_* names")
            }
            guard let config = facts.kconfig else {
                if e.weak { continue }
                throw .externUnresolved(name: e.name, reason: "the kernel config is needed but could not be read (\(facts.kconfigProblem ?? "no config"))", .ENOENT)
            }
            guard let value = config[e.name] else {
                if e.weak {
                    notes.append("extern (kconfig) '\(e.name)': not in \(facts.kconfigSource), weak: 0")
                    continue
                }
                throw .externUnresolved(name: e.name, reason: "not set in the kernel config (\(facts.kconfigSource)); declare it __weak to default to 0", .ESRCH)
            }
            notes.append("extern (kconfig) '\(e.name)' at offset \(e.dataOffset): \(value.description)")
            switch (value, type) {
            case (.yes, .bool): try store(1)
            case (.no, .bool): try store(0)
            case (.module, .bool): throw fail("value 'm' needs a tristate or char, not bool")
            case (.yes, .tristate): try store(1)
            case (.no, .tristate): try store(0)
            case (.module, .tristate): try store(2)
            case (.yes, .char): try store(UInt64(UInt8(ascii: "y")))
            case (.no, .char): try store(UInt64(UInt8(ascii: "n")))
            case (.module, .char): try store(UInt64(UInt8(ascii: "m")))
            case (.yes, _), (.no, _), (.module, _):
                throw fail("value '\(value.description)' needs a bool, tristate or char")
            case let (.string(text), .charArray):
                let utf8 = Array(text.utf8.prefix(size - 1))
                for (i, byte) in utf8.enumerated() { bytes[e.dataOffset + i] = byte }
                bytes[e.dataOffset + utf8.count] = 0
            case (.string, _):
                throw fail("a string value needs a char array")
            case (.number, .integer), (.number, .char):
                guard let raw = value.bitPattern else { throw fail("value '\(value.description)' is not a number") }
                try store(raw)
            case (.number, _):
                throw fail("value '\(value.description)' needs an integer type")
            }
        }
        return bytes
    }

    /// libbpf's is_kcfg_value_in_range: the 64-bit value survives truncation to `size` bytes.
    static func fits(_ value: UInt64, size: Int, signed: Bool) -> Bool {
        guard size < 8 else { return true }
        let bits = UInt64(size * 8)
        if signed { return value &+ (1 << (bits - 1)) < (1 << bits) }
        return value >> bits == 0
    }

    static func write(_ value: UInt64, size: Int, at offset: Int, into bytes: inout [UInt8]) {
        for i in 0..<size {
            let shift = ByteOrder.host == .little ? i * 8 : (size - 1 - i) * 8
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }
}
