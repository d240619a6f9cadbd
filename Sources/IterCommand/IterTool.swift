/// Runs one command line and returns the process exit code: 0 on success, 255 for usage and
/// malformed input, 256 - errno when a system call failed (bpftool returns -errno the same way).
public enum IterTool {
    /// Parses and runs one command line, printing results and errors through `Console`.
    ///
    /// - Parameters:
    ///   - arguments: The arguments after the program name, as bytes.
    ///   - programName: How iter was invoked (argv[0]'s base name); `bpftool` makes it parse and
    ///     answer as `bpftool iter`.
    /// - Returns: The process exit code.
    public static func run(arguments: [Argument], programName: String) -> Int32 {
        let asBpftool = programName == "bpftool"
        let usageName = asBpftool ? "bpftool iter" : programName
        let invocation: ArgumentParser.Invocation
        do {
            invocation = try ArgumentParser.parse(arguments, asBpftool: asBpftool)
        } catch {
            // Options may not be known yet (the error can be in them): look for -j/-p ourselves.
            let json = GlobalOptions.wantsJSON(arguments)
            let console = Console(json: json)
            console.error(error.message)
            if error.showUsage && !json { console.err(HelpText.usage(program: usageName)) }
            return CommandFailure.malformedExitCode
        }
        let o = invocation.options
        let console = Console(json: o.json, pretty: o.pretty, debug: o.debug)
        let context = CommandContext(
            options: o, console: console, usageName: usageName,
            programName: asBpftool ? "bpftool" : programName)
        console.trace("command: \(invocation.command)")
        do {
            try invocation.command.run(context)
            return 0
        } catch {
            console.error(error.message)
            if let log = error.log { printLog(log, console: console) }
            return error.exitCode
        }
    }

    /// The same, with arguments given as strings (tests, the library's callers).
    public static func run(_ arguments: [String], programName: String = "iter") -> Int32 {
        run(arguments: arguments.map { Argument($0) }, programName: programName)
    }

    /// The verifier's log after the error line: all of it under -d, else its last lines (the
    /// rejection is at the end), so the reason is visible without flooding the terminal.
    static func printLog(_ log: String, console: Console) {
        var lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        let limit = 40
        if !console.debug && lines.count > limit {
            console.err("verifier log (last \(limit) of \(lines.count) lines; -d shows all):")
            lines = Array(lines.suffix(limit))
        } else {
            console.err("verifier log:")
        }
        for line in lines { console.err("  " + line) }
    }
}
