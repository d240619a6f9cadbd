import CLinuxBPF

/// The process entry point, called from the C `main` in Sources/iter (see Package.swift for why).
@_cdecl("iter_main")
public func iterMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var arguments: [String] = []
    if let argv {
        for i in 0..<Int(argc) {
            if let arg = argv[i] { arguments.append(String(cString: arg)) }
        }
    }
    // `iter run … | head` closes our stdout: take that as EPIPE from write(2), not a fatal signal.
    iter_ignore_sigpipe()
    let program = arguments.first.map(baseName) ?? "iter"
    return IterTool.run(arguments: Array(arguments.dropFirst()), programName: program)
}

/// The last path component (`/usr/sbin/bpftool` → `bpftool`).
func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
