/// What the running kernel accepts, probed once per run (see `KernelProbe`) and passed to planning
/// as a value, so planning stays a pure function that tests can feed any kernel they like.
package struct KernelFacts: Sendable {
    /// BTF kinds and encodings the kernel's BTF loader accepts.
    package var btf: BTFSupport
    /// `LINUX_KERNEL_VERSION` as the kernel encodes it: (major << 16) | (minor << 8) | patch.
    package var version: UInt32
    /// `uname -r`, for messages.
    package var release: String
    /// The kernel's config, read only when an object has `CONFIG_*` externs.
    package var kconfig: KernelConfig?
    /// Why `kconfig` is nil when it was wanted (which files were tried and what went wrong).
    package var kconfigProblem: String?
    /// Where `kconfig` came from, for messages.
    package var kconfigSource: String
    /// Addresses from /proc/kallsyms of the untyped `__ksym` externs an object names.
    package var kallsyms: [String: UInt64]
    /// bpf_get_attach_cookie exists (LINUX_HAS_BPF_COOKIE), probed only when an object asks.
    package var hasBPFCookie: Bool
    /// Possible CPUs (/sys/devices/system/cpu/possible): the size of a perf event array declared
    /// without one; nil when unknown.
    package var possibleCPUs: UInt32?
    /// The page size: a ring buffer's size is a power-of-2 multiple of it.
    package var pageSize: UInt32 = 4096

    /// Facts given directly (tests); the defaults: every BTF feature, version 0, no kconfig, no kallsyms, no cookie.
    package init(btf: BTFSupport = .all, version: UInt32 = 0, release: String = "", kconfig: KernelConfig? = nil,
                kconfigProblem: String? = nil, kconfigSource: String = "", kallsyms: [String: UInt64] = [:],
                hasBPFCookie: Bool = false, possibleCPUs: UInt32? = nil) {
        self.btf = btf
        self.version = version
        self.release = release
        self.kconfig = kconfig
        self.kconfigProblem = kconfigProblem
        self.kconfigSource = kconfigSource
        self.kallsyms = kallsyms
        self.hasBPFCookie = hasBPFCookie
        self.possibleCPUs = possibleCPUs
    }
}

/// BTF features that arrived over time; each missing one is rewritten away before BPF_BTF_LOAD.
package struct BTFSupport: Sendable, Equatable {
    /// Any BTF at all (BPF_BTF_LOAD, 4.18).
    package var loads: Bool
    /// FUNC and FUNC_PROTO (5.0).
    package var functions: Bool
    /// FUNC linkage global/extern (5.6).
    package var globalFunctions: Bool
    /// VAR and DATASEC (5.2).
    package var dataSections: Bool
    /// FLOAT (5.13).
    package var float: Bool
    /// DECL_TAG (5.16).
    package var declTag: Bool
    /// TYPE_TAG (5.17).
    package var typeTag: Bool
    /// ENUM64 and signed ENUM (6.0).
    package var enum64: Bool
    /// A DATASEC with no variables (5.12): what clang emits for a `.rodata` that holds only
    /// unnamed constants (a local array's initialiser). Not an init parameter: kernels that lack
    /// it are told by the probe alone, and every other kernel in tests and fuzzing has it.
    package var emptyDataSections = true

    /// A kernel with exactly these BTF features.
    package init(loads: Bool, functions: Bool, globalFunctions: Bool, dataSections: Bool, float: Bool,
                declTag: Bool, typeTag: Bool, enum64: Bool) {
        self.loads = loads
        self.functions = functions
        self.globalFunctions = globalFunctions
        self.dataSections = dataSections
        self.float = float
        self.declTag = declTag
        self.typeTag = typeTag
        self.enum64 = enum64
    }

    /// The features this kernel lacks, for `-d` (`no DECL_TAG, TYPE_TAG`).
    package var missingDescription: String {
        var missing: [String] = []
        if !functions { missing.append("FUNC") }
        if !globalFunctions { missing.append("global FUNC") }
        if !dataSections { missing.append("DATASEC") }
        if dataSections && !emptyDataSections { missing.append("empty DATASEC") }
        if !float { missing.append("FLOAT") }
        if !declTag { missing.append("DECL_TAG") }
        if !typeTag { missing.append("TYPE_TAG") }
        if !enum64 { missing.append("ENUM64") }
        return missing.isEmpty ? "nothing missing" : "no " + missing.joined(separator: ", ")
    }

    /// A kernel with every feature here (6.0 and later).
    package static let all = BTFSupport(loads: true, functions: true, globalFunctions: true, dataSections: true,
                                       float: true, declTag: true, typeTag: true, enum64: true)
    /// A kernel that cannot load BTF at all (before 4.18): the object is loaded without its BTF.
    package static let none = BTFSupport(loads: false, functions: false, globalFunctions: false, dataSections: false,
                                        float: false, declTag: false, typeTag: false, enum64: false)
}
