/// One Elf64_Rel or Elf64_Rela entry.
public struct ELFRelocation: Sendable {
    /// Byte offset in the section the relocation applies to.
    public let offset: UInt64
    /// Index in the symbol table.
    public let symbolIndex: UInt32
    /// Machine-specific type (for BPF: R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3,
    /// R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10).
    public let type: UInt32
    /// The explicit addend of a RELA entry; nil for REL (the addend is in the patched bytes).
    public let addend: Int64?
}
