import Bytes

/// One-line explanations for verifier rejections whose log is not self-explanatory.
enum VerifierHints {
    static func hint(for log: String, license: String) -> String? {
        if log.includes("GPL") && log.includes("non-GPL compatible") {
            return license.isEmpty
                ? "the object has no license section; add `char LICENSE[] SEC(\"license\") = \"GPL\";`"
                : "license '\(license)' is not GPL-compatible, and the program calls GPL-only helpers"
        }
        if log.includes("unknown func") { return "the program calls a helper this kernel does not have" }
        if log.includes("number of funcs in func_info doesn't match number of subprogs") {
            // Kernels before 5.13 do not count callbacks (BPF_PSEUDO_FUNC) as subprograms.
            return "this kernel does not support callback functions (bpf_loop, bpf_for_each_map_elem: Linux 5.13 or later)"
        }
        if log.includes("failed to find the address for kernel symbol") {
            return "this kernel lists no data symbols in /proc/kallsyms (CONFIG_KALLSYMS_ALL is off), "
                + "so it cannot place __ksym variables"
        }
        if log.isEmpty {
            // Refused before the verifier said anything: an instruction encoding it does not know.
            return "the kernel refused the program before verifying it; was it built for a newer kernel "
                + "(for example -mcpu=v4, or atomics with fetch, which need Linux 5.12)?"
        }
        return nil
    }
}
