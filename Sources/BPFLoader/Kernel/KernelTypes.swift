import BTFParser

/// The kernel's BTF that planning relates an object to: vmlinux, and module BTF on demand.
package struct KernelTypes {
    /// The running kernel's BTF (/sys/kernel/btf/vmlinux), searched before any module.
    package let vmlinux: BTF
    /// Split BTF of loaded modules, by module name, provided lazily (read only when vmlinux lacks a type).
    package let modules: ModuleBTFSource?
    /// vmlinux name lookups already made, when planning batches them (`Planner.plan` sets it).
    var names: KernelNames? = nil

    /// The kernel's types: `vmlinux`, and module BTF from `modules` if given (else vmlinux only).
    package init(vmlinux: BTF, modules: ModuleBTFSource? = nil) {
        self.vmlinux = vmlinux
        self.modules = modules
    }
}

/// Supplies module BTF (`/sys/kernel/btf/<module>`) when asked; tests supply blobs from memory.
package protocol ModuleBTFSource: AnyObject {
    /// Names of modules that have BTF.
    func moduleNames() -> [String]
    /// The module's split BTF on top of vmlinux, or nil if it cannot be read.
    func btf(of module: String) -> BTF?
}
