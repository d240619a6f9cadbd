import BTFParser

/// A global variable the object lets its loader set before the programs load: a non-static
/// global in `.rodata`, `.rodata.*`, `.data`, `.data.*` or `.bss` (bpftool's skeletons expose
/// the same ones). `const volatile` ones are in `.rodata`, frozen once set, so the verifier
/// treats them as constants. Externs (`__kconfig`, `__ksym`) are the kernel's, never settable.
public struct GlobalVariable: Equatable, Sendable {
    /// The variable's name in the C source.
    public let name: String
    /// The ELF section holding it (`.rodata`, `.rodata.cfg`, `.data`, `.bss`).
    public let section: String
    /// Its type as C writes it (`const volatile pid_t`, `char[16]`).
    public let type: String
    /// Its offset in the section, in bytes.
    public let offset: Int
    /// Its size in bytes.
    public let size: Int
    /// The value it has unless set: decoded from the section's bytes (zero for `.bss`), or why
    /// it could not be (a type no value is decoded for, such as `long double`).
    public let defaultValue: Result<BTFValue, BTFValueError>
    /// Its BTF type in the object's BTF.
    package let typeID: TypeID
}
