/// `iter help`: every command's synopsis from `CommandTable`, the grammar rules they use from
/// `Grammar.rules`, and the options from `GlobalOptions.table`. The manual page (doc/iter.8) says
/// the same at length; a test checks that each word here appears there and in the completion.
enum HelpText {
    static func usage(program: String) -> String {
        let pad = String(repeating: " ", count: program.count)
        var lines: [String] = []
        for entry in CommandTable.all {
            for line in entry.usage { lines.append((lines.isEmpty ? "Usage: " : "       ") + program + " " + line) }
        }
        lines.append("")
        var seen: Set<String> = []
        for name in ["OBJ"] + CommandTable.all.flatMap({ $0.rules }) where seen.insert(name).inserted {
            guard let rule = Grammar.rules.first(where: { $0.name == name }) else { continue }
            lines.append("       \(pad) \(rule.name) := \(rule.definition)")
        }
        lines.append("       \(pad) OPTIONS := { \(GlobalOptions.usage) }")
        return lines.joined(separator: "\n")
    }
}
