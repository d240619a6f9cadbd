import BPFLoader
import CLinuxBPF
import SyscallBPF

/// `iter run OBJ [ITER_OPT] [prog NAME]`: create the iterator and copy one full pass of its output
/// to stdout, without bpffs. Output is copied in 256 KiB reads: the kernel fills as much of the
/// buffer as it has per read(2), so large iterators (ksym: millions of lines) stream at full speed.
enum RunCommand {
    static func run(_ request: IteratorRequest, console: Console) throws(CommandFailure) {
        let iterator = try IteratorSetup.prepare(request, console: console)
        var writeError: Errno? = nil
        do throws(IteratorError) {
            try iterator.read { chunk in
                do throws(Errno) {
                    try Files.writeAll(1, chunk)
                    return true
                } catch {
                    writeError = error
                    return false
                }
            }
        } catch {
            throw IteratorSetup.failure(error, object: request.object)
        }
        // `| head` closed the pipe: the reader has what it wanted. That is success.
        if let error = writeError, error != .EPIPE {
            throw CommandFailure("writing to stdout", errno: error)
        }
    }
}
