import BPFLoader
import CLinuxBPF
import SyscallBPF

/// `iter run OBJ [ITER_OPT] [prog NAME]`: create the iterator and copy one full pass of its output
/// to stdout, without bpffs. Output is copied in 256 KiB reads: the kernel fills as much of the
/// buffer as it has per read(2), so large iterators (ksym: millions of lines) stream at full speed.
enum RunCommand {
    static let bufferSize = 256 << 10

    static func run(_ request: IteratorRequest, console: Console) throws(CommandFailure) {
        let iterator = try IteratorSetup.prepare(request, console: console)
        let instance: FileDescriptor
        do {
            instance = try BPFLink.createIteratorInstance(link: iterator.link.fd)
        } catch {
            throw CommandFailure("can't create iterator for program \(iterator.program.name)", errno: error)
        }
        try copy(from: instance, program: iterator.program.name)
    }

    static func copy(from instance: borrowing FileDescriptor, program: String) throws(CommandFailure) {
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(instance.rawValue, raw.baseAddress, raw.count)
            }
            if n < 0 {
                let error = Errno.current
                if error == .EINTR || error == .EAGAIN { continue }
                throw CommandFailure("reading iterator of program \(program)", errno: error)
            }
            if n == 0 { return }
            let written: Result<Void, Errno> = buffer.withUnsafeBytes { raw in
                Result { () throws(Errno) in try Files.writeAll(1, UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
            }
            if case let .failure(error) = written {
                // `| head` closed the pipe: the reader has what it wanted. That is success.
                if error == .EPIPE { return }
                throw CommandFailure("writing to stdout", errno: error)
            }
        }
    }
}
