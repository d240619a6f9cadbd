@testable import BPFLoader
import SyscallBPF
import Testing

/// The read loop on scripted read(2) results: no kernel needed.
@Suite("reading an iterator's output")
struct OutputReaderTests {
    /// One scripted read(2): bytes, or a failure.
    enum Step {
        case bytes(String)
        case fails(Errno)
        case end
    }

    /// Runs the reader over `steps` (then end of output) with a clock that advances `tick` ns
    /// per call; returns what reached the body, or the error.
    func read(
        _ steps: [Step], limit: RetryLimit = RetryLimit(attempts: 100, nanoseconds: 1_000_000_000),
        tick: UInt64 = 1, chunkSize: Int = 8, stopAfter: Int = .max
    ) -> (output: String, result: Result<UInt64, ReadError>) {
        var script = steps[...]
        var now: UInt64 = 0
        var output: [UInt8] = []
        var calls = 0
        let reader = OutputReader(retry: limit, chunkSize: chunkSize, bufferSize: 32768) {
            now += tick
            return now
        }
        let result = Result { () throws(ReadError) -> UInt64 in
            try reader.run(
                { (buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> in
                    switch script.popFirst() ?? .end {
                    case .end: return .success(0)
                    case let .fails(errno): return .failure(errno)
                    case let .bytes(text):
                        let bytes = Array(text.utf8)
                        precondition(bytes.count <= buffer.count, "a scripted read larger than the chunk")
                        for (i, b) in bytes.enumerated() { buffer[i] = b }
                        return .success(bytes.count)
                    }
                },
                { chunk in
                    output += chunk
                    calls += 1
                    return calls < stopAfter
                })
        }
        return (String(decoding: output, as: UTF8.self), result)
    }

    @Test("everything read reaches the body, in order; EINTR is retried")
    func plain() throws {
        let (output, result) = read([.bytes("abc"), .fails(.EINTR), .bytes("defgh"), .bytes("\n")])
        #expect(output == "abcdefgh\n")
        #expect(try result.get() == 9)
    }

    @Test("EAGAIN with nothing read is retried: a program asking to retry its first element")
    func retriesThenSucceeds() throws {
        let (output, result) = read([.fails(.EAGAIN), .fails(.EAGAIN), .fails(.EAGAIN), .bytes("all"), .fails(.EAGAIN), .bytes("!")])
        #expect(output == "all!")
        #expect(try result.get() == 4)
    }

    @Test("a program that always asks to retry ends after the attempts limit, with the count")
    func attemptsLimit() {
        let (output, result) = read(
            [.bytes("head\n")] + [Step](repeating: .fails(.EAGAIN), count: 1000),
            limit: RetryLimit(attempts: 50, nanoseconds: .max))
        #expect(output == "head\n")
        guard case let .failure(error) = result else { Issue.record("no error"); return }
        #expect(error.cause == .keptRetrying(attempts: 50, nanoseconds: 49))
        #expect(error.bytesRead == 5)
        #expect(error.errno == .EAGAIN)
        #expect(error.description.hasPrefix("the program kept asking to retry: read() failed with EAGAIN 50 times in a row"))
        #expect(error.description.hasSuffix("(after 5 bytes of output)"))
    }

    @Test("and after the time limit, whichever comes first; output in between starts the count again")
    func timeLimit() {
        let steps: [Step] = [Step](repeating: .fails(.EAGAIN), count: 8) + [.bytes("x")] + [Step](repeating: .fails(.EAGAIN), count: 100)
        let (output, result) = read(steps, limit: RetryLimit(attempts: 1000, nanoseconds: 10_000), tick: 1000)
        #expect(output == "x")
        guard case let .failure(error) = result else { Issue.record("no error"); return }
        // The first 8 retries took 7 µs: under the limit. After the output, 11 retries reach 10 µs.
        #expect(error.cause == .keptRetrying(attempts: 11, nanoseconds: 10_000))
        #expect(error.bytesRead == 1)
    }

    @Test("E2BIG: one element larger than the kernel's buffer, said with the buffer's size")
    func elementTooLarge() {
        let (output, result) = read([.bytes("a\nb\n"), .fails(.E2BIG)])
        #expect(output == "a\nb\n")
        guard case let .failure(error) = result else { Issue.record("no error"); return }
        #expect(error.cause == .elementTooLarge(bufferSize: 32768))
        #expect(error.bytesRead == 4)
        #expect(error.errno == .E2BIG)
        #expect(error.description.contains("larger than the kernel's buffer of 32768 bytes"))
        #expect(error.description.hasSuffix("(after 4 bytes of output)"))
    }

    @Test("any other failure ends the read with its errno and the bytes before it; none before says nothing of bytes")
    func otherFailures() {
        let (_, result) = read([.bytes("abc"), .fails(.EOPNOTSUPP)])
        guard case let .failure(error) = result else { Issue.record("no error"); return }
        #expect(error == ReadError(.failed(.EOPNOTSUPP), bytesRead: 3))
        let (_, first) = read([.fails(.EIO)])
        guard case let .failure(early) = first else { Issue.record("no error"); return }
        #expect(early.description == Errno.EIO.description)
    }

    @Test("the body can stop the read (a closed stdout)")
    func stopsEarly() throws {
        let (output, result) = read([.bytes("one"), .bytes("two"), .bytes("three")], stopAfter: 2)
        #expect(output == "onetwo")
        #expect(try result.get() == 6)
    }

    @Test("the kernel's buffer: 8 pages from 5.10, one before; reads ask for at least that")
    func bufferSize() {
        let page = SeqBuffer.pageSize
        #expect(SeqBuffer.size(kernelVersion: 0x050a00) == 8 * page)
        #expect(SeqBuffer.size(kernelVersion: 0x0612a0) == 8 * page)
        #expect(SeqBuffer.size(kernelVersion: 0x0509ff) == page)
        #expect(SeqBuffer.chunkSize(kernelVersion: 0x060100) >= 8 * page)
        #expect(SeqBuffer.describe(8 * page) == "8 pages")
        #expect(SeqBuffer.describe(page) == "1 page")
    }
}
