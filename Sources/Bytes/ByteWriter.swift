/// Builds binary data in a chosen byte order: re-encoded BTF, patched instructions, map contents.
public struct ByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]
    /// The byte order every multi-byte write uses.
    public let order: ByteOrder

    /// An empty writer that encodes in `order`, with room for `capacity` bytes reserved.
    public init(order: ByteOrder, capacity: Int = 0) {
        self.order = order
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far (the offset the next write lands at).
    public var count: Int { bytes.count }

    /// Appends one byte.
    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    /// Appends a 16-bit value in `order`.
    public mutating func u16(_ value: UInt16) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    /// Appends a 32-bit value in `order`.
    public mutating func u32(_ value: UInt32) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    /// Appends a 64-bit value in `order`.
    public mutating func u64(_ value: UInt64) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    /// Appends a signed 32-bit value in `order` (two's complement).
    public mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }

    /// Appends raw bytes as they are.
    public mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Appends the bytes of a view as they are.
    public mutating func append(_ view: ByteView) { bytes.append(contentsOf: view.array) }

    /// Zero bytes up to a multiple of `alignment`.
    public mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// Overwrites four bytes at `offset` (which must already exist).
    public mutating func set32(_ value: UInt32, at offset: Int) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { raw in
            for i in 0..<4 { bytes[offset + i] = raw[i] }
        }
    }
}

/// `0x1f`-style hexadecimal, for messages that name offsets and sizes.
public func hex<T: BinaryInteger>(_ value: T) -> String {
    "0x" + String(value, radix: 16)
}
