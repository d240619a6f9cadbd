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
        if log.includes("Invalid argument") && log.isEmpty { return nil }
        return nil
    }
}
