/// A command line iter cannot act on. `showUsage` adds the short usage after the message, as
/// bpftool does for unknown options and missing arguments.
struct UsageError: Error, Equatable, Sendable {
    /// What is wrong, without the `Error: ` prefix.
    let message: String
    /// Print the short usage after the message (not under `-j`).
    let showUsage: Bool

    /// A usage error saying `message`, with the usage text after it when `showUsage` is set.
    init(_ message: String, showUsage: Bool = false) {
        self.message = message
        self.showUsage = showUsage
    }
}
