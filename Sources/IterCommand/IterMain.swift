import CLinuxBPF
import SyscallBPF

/// The process entry point, called from the C `main` in Sources/iter (see Package.swift for why).
/// Arguments stay bytes: a path that is not UTF-8 must reach the kernel unchanged.
@_cdecl("iter_main")
public func iterMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    // Before anything is allocated: how running out of memory is reported (as JSON under -j), a
    // reserve given back if it happens, so that a pin whose mount steps are under way can still
    // finish or undo them, and the stack overflow handler (static builds; see shim.c).
    iter_out_of_memory_as_json_for(argc, argv)
    iter_reserve_memory(256 << 10)
    iter_guard_stack()
    // `iter run … | head` closes our stdout: take that as EPIPE from write(2), not a fatal signal
    // (and output past RLIMIT_FSIZE as EFBIG).
    iter_ignore_write_signals()
    var arguments: [Argument] = []
    var program = Argument("iter")
    if let argv {
        for i in 0..<Int(argc) {
            guard let arg = argv[i] else { continue }
            let argument = Argument(bytes: UnsafeRawBufferPointer(start: arg, count: strlen(arg)))
            if i == 0 { program = argument } else { arguments.append(argument) }
        }
    }
    return IterTool.run(arguments: arguments, programName: program.path.lastComponent.description)
}
