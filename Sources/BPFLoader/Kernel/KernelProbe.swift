import BTFParser
import CLinuxBPF
import SyscallBPF

/// Finds out what the running kernel accepts with tiny BPF_BTF_LOAD calls (microseconds each), as
/// libbpf's feature probes do. Only the features an object needs are probed.
package enum KernelProbe {
    /// The kernel's facts. `kinds`: the BTF kinds the object uses (probe only those); nil probes all.
    package static func facts(probing kinds: Set<BTFKind>? = nil, emptyDataSection: Bool = true) -> KernelFacts {
        let release = uname()
        return KernelFacts(btf: btfSupport(probing: kinds, emptyDataSection: emptyDataSection), version: versionCode(release),
                           release: release)
    }

    /// The facts an object needs: BTF features for the kinds it uses, and only if asked, the
    /// kernel config, kallsyms addresses and the bpf_get_attach_cookie probe.
    package static func facts(for needs: ObjectNeeds) -> KernelFacts {
        var facts = facts(probing: needs.btfKinds, emptyDataSection: needs.emptyDataSection)
        if needs.kernelConfig {
            let loaded = KernelConfigFile.load(release: facts.release)
            facts.kconfig = loaded.config
            facts.kconfigSource = loaded.source
            facts.kconfigProblem = loaded.problem
        }
        facts.kallsyms = Kallsyms.addresses(of: needs.kallsyms)
        if needs.bpfCookie { facts.hasBPFCookie = hasBPFCookie() }
        facts.possibleCPUs = PossibleCPUs.read()
        if let pageSize = UInt32(exactly: iter_page_size()), pageSize > 0 { facts.pageSize = pageSize }
        return facts
    }

    /// bpf_get_attach_cookie (5.15) loads in a tracepoint program: libbpf's probe.
    package static func hasBPFCookie() -> Bool {
        let program = [BPFInstruction(opcode: BPFInstruction.call, immediate: Int32(BPF_FUNC_get_attach_cookie.rawValue)),
                       BPFInstruction(opcode: 0xb7), BPFInstruction(opcode: BPFInstruction.exit)]
        let attributes = ProgramLoadAttributes(type: BPF_PROG_TYPE_TRACEPOINT.rawValue, expectedAttachType: 0, name: "iter_probe", license: "GPL",
                                               instructions: program.encoded())
        return (try? BPFProgram.load(attributes, btf: nil, log: .never)) != nil
    }

    /// `uname -r`.
    package static func uname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard iter_uname_release(&buffer, buffer.count) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// KERNEL_VERSION(a, b, c) from a release string, as libbpf computes LINUX_KERNEL_VERSION:
    /// the first three numbers of `uname -r`, the patch level capped at 255.
    package static func versionCode(_ release: String) -> UInt32 {
        var numbers: [UInt32] = []
        var current: UInt32? = nil
        for c in release.utf8 {
            if c >= 0x30 && c <= 0x39 {
                current = (current ?? 0) &* 10 &+ UInt32(c - 0x30)
            } else {
                if let value = current { numbers.append(value) }
                current = nil
                if c != UInt8(ascii: ".") || numbers.count >= 3 { break }
            }
        }
        if let value = current, numbers.count < 3 { numbers.append(value) }
        while numbers.count < 3 { numbers.append(0) }
        return numbers[0] << 16 | min(numbers[1], 255) << 8 | min(numbers[2], 255)
    }

    static func btfSupport(probing kinds: Set<BTFKind>?, emptyDataSection: Bool) -> BTFSupport {
        func wanted(_ kind: BTFKind) -> Bool { kinds?.contains(kind) ?? true }
        let loads = accepts(probeInt())
        guard loads else { return .none }
        let functions = wanted(.function) || wanted(.functionProto) ? accepts(probeFunction(linkage: .static)) : true
        var support = BTFSupport(
            loads: true,
            functions: functions,
            globalFunctions: wanted(.function) && functions ? accepts(probeFunction(linkage: .global)) : functions,
            dataSections: wanted(.dataSection) || wanted(.variable) ? accepts(probeDataSection()) : true,
            float: wanted(.float) ? accepts(probeFloat()) : true,
            declTag: wanted(.declTag) ? accepts(probeDeclTag()) : true,
            typeTag: wanted(.typeTag) ? accepts(probeTypeTag()) : true,
            enum64: wanted(.enum64) || wanted(.enumeration) ? accepts(probeEnum64()) : true)
        if emptyDataSection && support.dataSections { support.emptyDataSections = accepts(probeEmptyDataSection()) }
        return support
    }

    /// Whether the kernel loads a sleepable iterator program for the target whose `bpf_iter_*` FUNC
    /// has this vmlinux BTF id (the check is the kernel's own, at load time). nil when it cannot
    /// tell: no privilege, or a failure that is not about sleepability.
    package static func acceptsSleepable(targetFunction id: TypeID) -> Bool? {
        let program = [BPFInstruction(opcode: 0xb7), BPFInstruction(opcode: BPFInstruction.exit)]  // r0 = 0; exit
        let attributes = ProgramLoadAttributes(
            type: Executor.tracingProgramType, expectedAttachType: Executor.traceIterAttachType, name: "iter_probe",
            license: "GPL", instructions: program.encoded(), flags: Executor.sleepableFlag, attachBTFID: id)
        do {
            _ = try BPFProgram.load(attributes, btf: nil, log: .never)
            return true
        } catch {
            switch error.errno {
            case .EINVAL: return false
            default: return nil
            }
        }
    }

    static func accepts(_ btf: EditableBTF) -> Bool {
        (try? BPFBTF.load(btf.encoded(), log: false)) != nil
    }

    // Each probe is the smallest blob that uses one feature (libbpf's features.c has the same).

    static func intType(_ btf: inout EditableBTF) -> TypeID {
        let name = btf.addString("int")
        return btf.append(BTFType(nameOffset: name, body: .int(size: 4, encoding: .signed, bitOffset: 0, bits: 32)))
    }

    static func probeInt() -> EditableBTF {
        var btf = EditableBTF()
        _ = intType(&btf)
        return btf
    }

    static func probeFunction(linkage: FunctionLinkage) -> EditableBTF {
        var btf = EditableBTF()
        let int = intType(&btf)
        let proto = btf.append(BTFType(nameOffset: 0, body: .functionProto(returns: int, params: [
            BTFParam(nameOffset: btf.addString("a"), type: int)])))
        btf.append(BTFType(nameOffset: btf.addString("x"), body: .function(proto: proto, linkage: linkage)))
        return btf
    }

    static func probeDataSection() -> EditableBTF {
        var btf = EditableBTF()
        let int = intType(&btf)
        let variable = btf.append(BTFType(nameOffset: btf.addString("a"), body: .variable(type: int, linkage: .global)))
        btf.append(BTFType(nameOffset: btf.addString(".data"), body: .dataSection(size: 4, vars: [
            BTFVarSecInfo(type: variable, offset: 0, size: 4)])))
        return btf
    }

    /// `.rodata` of 4 bytes and no variables: refused with "vlen == 0" before 5.12.
    static func probeEmptyDataSection() -> EditableBTF {
        var btf = EditableBTF()
        _ = intType(&btf)
        btf.append(BTFType(nameOffset: btf.addString(".rodata"), body: .dataSection(size: 4, vars: [])))
        return btf
    }

    static func probeFloat() -> EditableBTF {
        var btf = EditableBTF()
        btf.append(BTFType(nameOffset: btf.addString("float"), body: .float(size: 4)))
        return btf
    }

    static func probeDeclTag() -> EditableBTF {
        var btf = EditableBTF()
        let int = intType(&btf)
        let variable = btf.append(BTFType(nameOffset: btf.addString("a"), body: .variable(type: int, linkage: .global)))
        btf.append(BTFType(nameOffset: btf.addString("tag"), body: .declTag(type: variable, component: -1)))
        return btf
    }

    static func probeTypeTag() -> EditableBTF {
        var btf = EditableBTF()
        let int = intType(&btf)
        let tag = btf.append(BTFType(nameOffset: btf.addString("tag"), body: .typeTag(int)))
        btf.append(BTFType(nameOffset: 0, body: .pointer(tag)))
        return btf
    }

    static func probeEnum64() -> EditableBTF {
        var btf = EditableBTF()
        let value = BTFEnumValue(nameOffset: btf.addString("v"), value: 1)
        btf.append(BTFType(nameOffset: btf.addString("e"), body: .enum64(size: 8, signed: false, values: [value])))
        return btf
    }
}
