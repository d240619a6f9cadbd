@testable import BPFLoader
import Testing

/// Ring buffers are sized as libbpf sizes them (adjust_ringbuf_sz).
@Suite("ring buffer sizes")
struct RingBufferSizeTests {
    @Test("a power-of-2 number of pages is kept; anything else rounds up to the next; 0 stays 0")
    func rounding() {
        #expect(Planner.ringBufferSize(0, pageSize: 4096) == 0)
        #expect(Planner.ringBufferSize(4096, pageSize: 4096) == 4096)
        #expect(Planner.ringBufferSize(256 << 10, pageSize: 4096) == 256 << 10)
        #expect(Planner.ringBufferSize(1, pageSize: 4096) == 4096)
        #expect(Planner.ringBufferSize(5000, pageSize: 4096) == 8192)
        #expect(Planner.ringBufferSize(3 * 4096, pageSize: 4096) == 4 * 4096)
        #expect(Planner.ringBufferSize(3 * 4096, pageSize: 16384) == 16384)
        #expect(Planner.ringBufferSize(65536, pageSize: 65536) == 65536)
        // No power-of-2 multiple of the page fits in 32 bits above this: left for the kernel to refuse.
        #expect(Planner.ringBufferSize(UInt32.max, pageSize: 4096) == UInt32.max)
        #expect(Planner.ringBufferSize(0x8000_0001, pageSize: 4096) == 0x8000_0001)
    }
}
