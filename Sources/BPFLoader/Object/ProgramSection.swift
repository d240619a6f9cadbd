/// What a program's ELF section name says about it: `iter/task`, `iter.s/task_file`, `?iter/ksym`.
public struct ProgramSectionName: Equatable, Sendable {
    /// The iterator target (`task` for `iter/task`).
    public let target: String
    /// `iter.s/`: the program may sleep (BPF_F_SLEEPABLE).
    public let sleepable: Bool
    /// A leading `?`: not loaded unless chosen by name (libbpf's autoload = false).
    public let optional: Bool

    /// Parses an iterator section name; nil for anything else.
    public init?(_ section: String) {
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
