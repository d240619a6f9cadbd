/// What a program's ELF section name says about it: `iter/task`, `iter.s/task_file`, `?iter/ksym`.
package struct ProgramSectionName: Equatable, Sendable {
    /// The iterator target (`task` for `iter/task`).
    package let target: String
    /// `iter.s/`: the program may sleep (BPF_F_SLEEPABLE).
    package let sleepable: Bool
    /// A leading `?`: not loaded unless chosen by name (libbpf's autoload = false).
    package let optional: Bool

    /// Parses an iterator section name; nil for anything else.
    package init?(_ section: String) {
        var name = Substring(section)
        optional = name.hasPrefix("?")
        if optional { name = name.dropFirst() }
        if name.hasPrefix("iter/") {
            sleepable = false
            target = String(name.dropFirst(5))
        } else if name.hasPrefix("iter.s/") {
            sleepable = true
            target = String(name.dropFirst(7))
        } else {
            return nil
        }
        guard !target.isEmpty else { return nil }
    }
}

/// The name of a program section of a type iter does not attach (`fentry/do_nanosleep`,
/// `?kprobe/do_sys_open`, `syscall`).
package struct OtherProgramSection: Equatable, Sendable {
    /// The program type as libbpf's section table names it: the name up to its first `/`
    /// (`fentry`, `kprobe`, `tp`, `raw_tp`, `syscall`, `xdp`, `struct_ops`).
    package let type: String
    /// A leading `?`: libbpf would not load it by default either.
    package let optional: Bool

    /// Classifies any executable section name that is not `.text` or an iterator section.
    package init(_ section: String) {
        var name = Substring(section)
        optional = name.hasPrefix("?")
        if optional { name = name.dropFirst() }
        if let slash = name.firstIndex(of: "/") { name = name[..<slash] }
        type = name.isEmpty ? "unnamed" : String(name)
    }
}
