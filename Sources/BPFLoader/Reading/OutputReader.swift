import CLinuxBPF
import SyscallBPF

/// The one loop that reads an iterator's output, for `Iterator`, `PinnedIterator` and so for
/// `iter run` and `iter cat`: read(2) in chunks of at least the kernel's buffer, EINTR retried,
/// EAGAIN retried up to a limit, E2BIG explained, and every failure after some output reported
/// with the bytes read before it.
package struct OutputReader {
    /// When to give up retrying EAGAIN.
    package var retry: RetryLimit
    /// Bytes asked for per read(2).
    package var chunkSize: Int
    /// The kernel's seq buffer, for the E2BIG message.
    package var bufferSize: Int
    /// CLOCK_MONOTONIC in nanoseconds (a stand-in in tests).
    package var clock: () -> UInt64

    /// A reader with explicit sizes and clock (tests).
    package init(retry: RetryLimit, chunkSize: Int, bufferSize: Int, clock: @escaping () -> UInt64) {
        self.retry = retry
        self.chunkSize = chunkSize
        self.bufferSize = bufferSize
        self.clock = clock
    }

    /// A reader for the running kernel.
    package init(retry: RetryLimit) {
        let version = KernelProbe.versionCode(KernelProbe.uname())
        self.init(
            retry: retry, chunkSize: SeqBuffer.chunkSize(kernelVersion: version),
            bufferSize: SeqBuffer.size(kernelVersion: version), clock: { iter_monotonic_ns() })
    }

    /// Reads until the end of the output, or until `body` returns false; returns the bytes read.
    /// `read` fills the buffer it is given and returns how much it read (0 at the end), or the errno.
    package func run(
        _ read: (UnsafeMutableRawBufferPointer) -> Result<Int, Errno>,
        _ body: (UnsafeRawBufferPointer) -> Bool
    ) throws(ReadError) -> UInt64 {
        var buffer = [UInt8](repeating: 0, count: max(chunkSize, 1))
        var total: UInt64 = 0
        var retries = 0
        var firstRetry: UInt64 = 0
        while true {
            let result = buffer.withUnsafeMutableBytes { raw in read(raw) }
            switch result {
            case let .success(count):
                guard count > 0 else { return total }
                retries = 0
                total += UInt64(count)
                let more = buffer.withUnsafeBytes { raw in body(UnsafeRawBufferPointer(rebasing: raw[0..<min(count, raw.count)])) }
                if !more { return total }
            case let .failure(errno):
                switch errno {
                case .EINTR:
                    continue
                case .EAGAIN:
                    let now = clock()
                    if retries == 0 { firstRetry = now }
                    retries += 1
                    let elapsed = now >= firstRetry ? now - firstRetry : 0
                    if retries >= retry.attempts || elapsed >= retry.nanoseconds {
                        throw ReadError(.keptRetrying(attempts: retries, nanoseconds: elapsed), bytesRead: total)
                    }
                case .E2BIG:
                    throw ReadError(.elementTooLarge(bufferSize: bufferSize), bytesRead: total)
                default:
                    throw ReadError(.failed(errno), bytesRead: total)
                }
            }
        }
    }

    /// Reads the output behind `fd`.
    package func run(_ fd: borrowing FileDescriptor, _ body: (UnsafeRawBufferPointer) -> Bool) throws(ReadError) -> UInt64 {
        let raw = fd.rawValue
        return try run(
            { (buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> in
                let n = CLinuxBPF.read(raw, buffer.baseAddress, buffer.count)
                return n < 0 ? .failure(Errno.current) : .success(n)
            }, body)
    }
}
