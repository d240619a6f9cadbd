import CLinuxBPF

/// Byte order of a binary format (ELF's EI_DATA, BTF's magic).
public enum ByteOrder: Sendable, Equatable {
    /// Least significant byte first (ELFDATA2LSB; x86-64, arm64, riscv).
    case little
    /// Most significant byte first (ELFDATA2MSB; s390x).
    case big

    /// The order of the machine we run on.
    public static var host: ByteOrder {
        UInt16(littleEndian: 1) == 1 ? .little : .big
    }

    public var description: String { self == .little ? "little-endian" : "big-endian" }
}

/// Heap memory owned on behalf of a `ByteView` made from an array.
final class HeapBytes {
    let buffer: UnsafeMutableRawBufferPointer

    init(copying bytes: [UInt8]) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.baseAddress?.copyMemory(from: base, byteCount: source.count) }
        }
    }

    deinit { buffer.deallocate() }
}

/// A read-only window on bytes that someone else owns: a heap copy, a slice of a file, or an `mmap`
/// of kernel BTF. Every load is bounds-checked and returns `nil` past the end, so parsers turn a short
/// read into an error that says where, and nothing input-derived can trap.
///
/// Copying a `ByteView` is cheap: it shares the owner, which keeps the memory alive.
public struct ByteView {
    /// First byte of the view, or nil when the view is empty.
    ///
    /// Valid only while this view (which retains the owner) is alive; prefer the bounds-checked loads.
    public let base: UnsafeRawPointer?
    /// Number of bytes in the view.
    public let count: Int
    let owner: AnyObject?

    /// A view of memory kept alive by `owner` (for example an mmap'd file that unmaps in `deinit`).
    public init(unsafeStart base: UnsafeRawPointer?, count: Int, owner: AnyObject?) {
        self.base = count > 0 ? base : nil
        self.count = base == nil ? 0 : max(count, 0)
        self.owner = owner
    }

    /// A view of a private copy of `bytes`.
    public init(_ bytes: [UInt8]) {
        let heap = HeapBytes(copying: bytes)
        self.init(unsafeStart: UnsafeRawPointer(heap.buffer.baseAddress), count: bytes.count, owner: heap)
    }

    /// A view of no bytes.
    public static var empty: ByteView { ByteView(unsafeStart: nil, count: 0, owner: nil) }

    /// True when the view has no bytes.
    public var isEmpty: Bool { count == 0 }

    /// True when `length` bytes starting at `offset` lie inside the view (no overflow possible).
    @inline(__always)
    public func contains(offset: Int, length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }

    /// The sub-view `[offset, offset + length)`, or nil if it is not inside this view.
    public func slice(offset: Int, length: Int) -> ByteView? {
        guard contains(offset: offset, length: length) else { return nil }
        guard let base else { return ByteView.empty }
        return ByteView(unsafeStart: base + offset, count: length, owner: owner)
    }

    /// The sub-view from `offset` to the end.
    public func suffix(from offset: Int) -> ByteView? {
        slice(offset: offset, length: count - offset)
    }

    /// The byte at `offset`, or nil past the end.
    @inline(__always)
    public func u8(at offset: Int) -> UInt8? {
        guard let base, contains(offset: offset, length: 1) else { return nil }
        return base.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// The 16-bit value at `offset` in `order` (unaligned load), or nil if it does not fit in the view.
    @inline(__always)
    public func u16(at offset: Int, _ order: ByteOrder) -> UInt16? {
        guard let base, contains(offset: offset, length: 2) else { return nil }
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return order == .little ? UInt16(littleEndian: raw) : UInt16(bigEndian: raw)
    }

    /// The 32-bit value at `offset` in `order` (unaligned load), or nil if it does not fit in the view.
    @inline(__always)
    public func u32(at offset: Int, _ order: ByteOrder) -> UInt32? {
        guard let base, contains(offset: offset, length: 4) else { return nil }
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return order == .little ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
    }

    /// The 64-bit value at `offset` in `order` (unaligned load), or nil if it does not fit in the view.
    @inline(__always)
    public func u64(at offset: Int, _ order: ByteOrder) -> UInt64? {
        guard let base, contains(offset: offset, length: 8) else { return nil }
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return order == .little ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw)
    }

    /// The 32-bit value at `offset` reinterpreted as signed (BTF enum values, `bpf_insn.imm`), or nil.
    @inline(__always)
    public func i32(at offset: Int, _ order: ByteOrder) -> Int32? {
        u32(at: offset, order).map { Int32(bitPattern: $0) }
    }

    /// The 64-bit value at `offset` reinterpreted as signed (ELF addends, BTF enum64 values), or nil.
    @inline(__always)
    public func i64(at offset: Int, _ order: ByteOrder) -> Int64? {
        u64(at: offset, order).map { Int64(bitPattern: $0) }
    }

    /// A copy of the bytes `[offset, offset + length)`, or nil if out of range.
    public func bytes(offset: Int, length: Int) -> [UInt8]? {
        guard contains(offset: offset, length: length) else { return nil }
        guard let base, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: base + offset, count: length))
    }

    /// A copy of the whole view.
    public var array: [UInt8] { bytes(offset: 0, length: count) ?? [] }

    /// Index of the first `byte` at or after `offset`, or nil (memchr: kernel BTF string tables are MBs).
    public func firstIndex(of byte: UInt8, from offset: Int) -> Int? {
        guard let base, offset >= 0, offset < count else { return nil }
        guard let hit = memchr(base + offset, Int32(byte), count - offset) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    /// The NUL-terminated string starting at `offset`, without its NUL; nil if no NUL ends it inside
    /// the view (a string that runs off the end of its table is malformed input, not a short string).
    public func cString(at offset: Int) -> ByteView? {
        guard let end = firstIndex(of: 0, from: offset) else { return nil }
        return slice(offset: offset, length: end - offset)
    }

    /// The bytes decoded as UTF-8 (invalid sequences become U+FFFD).
    public var string: String {
        guard let base, count > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: count), as: UTF8.self)
    }

    /// Byte-wise equality with a string's UTF-8, without allocating.
    public func equals(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard utf8.count == count else { return false }
            guard count > 0, let base, let other = utf8.baseAddress else { return true }
            return memcmp(base, other, count) == 0
        }
    }

    /// True when the bytes start with `prefix`'s UTF-8.
    public func hasPrefix(_ prefix: String) -> Bool {
        var prefix = prefix
        return prefix.withUTF8 { utf8 in
            guard utf8.count <= count else { return false }
            guard utf8.count > 0, let base, let other = utf8.baseAddress else { return true }
            return memcmp(base, other, utf8.count) == 0
        }
    }
}

extension ByteView: Equatable {
    public static func == (lhs: ByteView, rhs: ByteView) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard lhs.count > 0, let a = lhs.base, let b = rhs.base else { return true }
        return memcmp(a, b, lhs.count) == 0
    }
}

extension String {
    /// True if `needle` occurs in the string, compared as UTF-8 bytes (memmem). Embedded Swift has
    /// no `String.contains(String)`: that lives in _StringProcessing.
    public func includes(_ needle: String) -> Bool {
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count > 0 else { return true }
                guard h.count >= n.count, let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                return memmem(hb, h.count, nb, n.count) != nil
            }
        }
    }
}
