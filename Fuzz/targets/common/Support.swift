// Shared by every fuzz target (compiled into each target's module).
import Bytes

/// Everything a target computes flows here, so the optimiser cannot drop a parse whose result is
/// otherwise unused (a dropped parse could hide a trap).
nonisolated(unsafe) var sinkValue = 0

@inline(never)
func sink(_ value: Int) { sinkValue &+= value }

@inline(never)
func sink(_ text: String) { sinkValue &+= text.utf8.count }

/// Stops the process with libFuzzer's crash handling (ASan reports the stack, the input is saved):
/// for a broken invariant that is not a trap by itself, such as a BTF round trip that changes a type.
func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("fuzz invariant: " + message()) }
}

/// The fuzzer's bytes as a ByteView without a copy: libFuzzer hands each input in a heap buffer of
/// exactly `size` bytes, so ASan catches a read one byte past the end.
func view(_ data: UnsafePointer<UInt8>, _ size: Int) -> ByteView {
    ByteView(unsafeStart: UnsafeRawPointer(data), count: size, owner: nil)
}
