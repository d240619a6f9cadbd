/// `iter version` / `-V`: the version and how this binary was built.
enum VersionCommand {
    static let version = "0.1.0"

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

    static func run(program: String, console: Console) {
        if console.json {
            console.emit(.object([
                ("version", .string(version)),
                ("features", .object([("embedded", .bool(embedded)), ("static", .bool(isStatic))])),
            ]))
            return
        }
        var features: [String] = []
        if embedded { features.append("embedded") }
        if isStatic { features.append("static") }
        console.out("\(program) v\(version)")
        console.out("features: " + (features.isEmpty ? "none" : features.joined(separator: ", ")))
    }
}
