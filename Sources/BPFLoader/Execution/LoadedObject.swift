import SyscallBPF

/// The kernel objects a plan created. They live until the last copy of this value goes away (or,
/// for what is pinned, as long as the pin): dropping it on an error path cleans up everything.
package struct LoadedObject {
    /// The plan that was executed: the maps and programs the descriptors below belong to.
    package let plan: LoadPlan
    /// The object's BTF in the kernel, if it was loaded.
    package let btf: OwnedDescriptor?
    /// One per planned map, in plan order.
    package let maps: [OwnedDescriptor]
    /// One per planned program, in plan order.
    package let programs: [OwnedDescriptor]
    /// bpffs paths where this load pinned maps (LIBBPF_PIN_BY_NAME), not counting reused pins.
    package let pinnedMaps: [FilePath]

    /// Removes the map pins this load made: a command that fails after loading leaves nothing.
    package func unpinMaps() {
        for path in pinnedMaps { try? Files.remove(path) }
    }

    /// The program chosen for attaching.
    package var selectedProgram: OwnedDescriptor { programs[plan.selected] }
}
