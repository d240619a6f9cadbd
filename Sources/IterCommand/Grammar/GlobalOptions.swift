/// `-j`, `-p`, `-d`, `-n`: options that apply to every command, wherever they appear before `--`
/// (GNU getopt permutes them, as bpftool's does).
struct GlobalOptions: Equatable, Sendable {
    /// `-j` / `--json` (also set by `-p`): JSON output, and errors as `{"error": …}` on stdout.
    var json = false
    /// `-p` / `--pretty`: indented JSON.
    var pretty = false
    /// `-d` / `--debug`: trace each loading step on stderr, with the verifier log.
    var debug = false
    /// `-n` / `--nomount`: fail instead of mounting bpffs when the pin path is not on it.
    var noMount = false
    /// `-V` / `--version`: run `version` whatever the command.
    var version = false
    /// `-h` / `--help`: run `help` whatever the command.
    var help = false

    /// All options off.
    init() {}

    /// One option: its long name, its letter, and what it sets.
    struct Option: Sendable {
        let name: String
        let letter: UInt8
        let apply: @Sendable (inout GlobalOptions) -> Void
    }

    /// Every option, in bpftool's order (the help text and the completion list them so).
    static let table: [Option] = [
        Option(name: "json", letter: UInt8(ascii: "j")) { $0.json = true },
        Option(name: "pretty", letter: UInt8(ascii: "p")) {
            $0.json = true; $0.pretty = true
        },
        Option(name: "debug", letter: UInt8(ascii: "d")) { $0.debug = true },
        Option(name: "nomount", letter: UInt8(ascii: "n")) { $0.noMount = true },
        Option(name: "version", letter: UInt8(ascii: "V")) { $0.version = true },
        Option(name: "help", letter: UInt8(ascii: "h")) { $0.help = true },
    ]

    /// Takes the options out of `arguments` and returns the other words, in order. Long options
    /// match by unambiguous prefix; short ones may be bundled (`-jd`); `--` ends options.
    static func extract(from arguments: [Argument]) throws(UsageError) -> (GlobalOptions, [Argument]) {
        var options = GlobalOptions()
        var words: [Argument] = []
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            index += 1
            if arg.is("--") {
                words += arguments[index...]
                break
            }
            if arg.hasPrefix("--") {
                let name = arg.bytes.dropFirst(2)
                let exact = table.first { $0.name.utf8.elementsEqual(name) }
                let matches = table.filter { !name.isEmpty && $0.name.utf8.starts(with: name) }
                guard let option = exact ?? (matches.count == 1 ? matches.first : nil) else {
                    throw UsageError(matches.count > 1 ? "option '\(arg)' is ambiguous" : "unrecognized option '\(arg)'", showUsage: true)
                }
                option.apply(&options)
            } else if arg.hasPrefix("-") && arg.bytes.count > 1 {
                // `interval -1`: getopt reads the number as options, as bpftool's does; no word of
                // the grammar takes a negative number, so say that rather than "invalid option".
                if let first = arg.bytes.dropFirst().first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
                    throw UsageError("'\(arg)': no number iter takes is negative (a word starting with '-' is read as options)")
                }
                for letter in arg.bytes.dropFirst() {
                    guard let option = table.first(where: { $0.letter == letter }) else {
                        throw UsageError("invalid option -- '\(Argument(bytes: [letter]))'", showUsage: true)
                    }
                    option.apply(&options)
                }
            } else {
                words.append(arg)
            }
        }
        return (options, words)
    }

    /// `-j` or `-p` anywhere: how to print an error in the options themselves.
    static func wantsJSON(_ arguments: [Argument]) -> Bool {
        arguments.contains { $0.is("-j") || $0.is("--json") || $0.is("-p") || $0.is("--pretty") }
    }

    /// `OPTIONS := …` for the help text, from the table.
    static var usage: String {
        table.map { "{-\(Argument(bytes: [$0.letter]))|--\($0.name)}" }.joined(separator: " | ")
    }
}
