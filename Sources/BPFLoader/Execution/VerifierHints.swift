/// One-line explanations for verifier rejections whose log is not self-explanatory.
enum VerifierHints {
    static func hint(for log: String, license: String) -> String? {
        if log.contains("GPL") && log.contains("non-GPL compatible") {
            return license.isEmpty
                ? "the object has no license section; add `char LICENSE[] SEC(\"license\") = \"GPL\";`"
                : "license '\(license)' is not GPL-compatible, and the program calls GPL-only helpers"
        }
        if log.contains("unknown func") { return "the program calls a helper this kernel does not have" }
        if log.contains("Invalid argument") && log.isEmpty { return nil }
        return nil
    }
}
