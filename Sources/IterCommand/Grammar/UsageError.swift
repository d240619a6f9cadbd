/// A command line iter cannot act on. `showUsage` adds the short usage after the message, as
/// bpftool does for unknown options and missing arguments.
public struct UsageError: Error, Equatable, Sendable {
    public let message: String
    public let showUsage: Bool

    public init(_ message: String, showUsage: Bool = false) {
        self.message = message
        self.showUsage = showUsage
    }
}
