import CLinuxBPF
import SyscallBPF

/// The process entry point, called from the C `main` in Sources/iter (see Package.swift for why).
/// Arguments stay bytes: a path that is not UTF-8 must reach the kernel unchanged.
@_cdecl("iter_main")
public func iterMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var arguments: [Argument] = []
    var program = Argument("iter")
    if let argv {
        for i in 0..<Int(argc) {
            guard let arg = argv[i] else { continue }
            let argument = Argument(bytes: UnsafeRawBufferPointer(start: arg, count: strlen(arg)))
            if i == 0 { program = argument } else { arguments.append(argument) }
        }
    }
    // `iter run … | head` closes our stdout: take that as EPIPE from write(2), not a fatal signal.
    iter_ignore_sigpipe()
    return IterTool.run(arguments: arguments, programName: program.path.lastComponent.description)
}
