/// `iter version` / `-V`: the version and how this binary was built.
struct VersionCommand: Subcommand {
    static let name = "version"
    static let usage = ["version"]
    static let summary = "the version and build features"
    static let version = "0.1.0"

    var description: String { "version" }

    static func parse(_ words: inout Words) throws(UsageError) -> VersionCommand {
        VersionCommand()
    }

    /// What `-V` runs.
    static var parsed: ParsedCommand {
        ParsedCommand(name: name, description: "version") { (context) throws(CommandFailure) in try VersionCommand().run(context) }
    }

    /// Embedded Swift (the release build) or the ordinary runtime (swift build / swift test).
    static var embedded: Bool {
        #if hasFeature(Embedded)
        return true
        #else
        return false
        #endif
    }

    /// Fully static (scripts/build-static.sh defines ITER_STATIC).
    static var isStatic: Bool {
        #if ITER_STATIC
        return true
        #else
        return false
        #endif
    }

    func run(_ context: CommandContext) throws(CommandFailure) {
        let console = context.console
        let program = context.programName
        if console.json {
            console.emit(.object([
                ("version", .string(Self.version)),
                ("features", .object([("embedded", .bool(Self.embedded)), ("static", .bool(Self.isStatic))])),
            ]))
            return
        }
        var features: [String] = []
        if Self.embedded { features.append("embedded") }
        if Self.isStatic { features.append("static") }
        console.out("\(program) v\(Self.version)")
        console.out("features: " + (features.isEmpty ? "none" : features.joined(separator: ", ")))
    }
}
