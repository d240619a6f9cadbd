/// Builds binary data in a chosen byte order: re-encoded BTF, patched instructions, map contents.
public struct ByteWriter {
    public private(set) var bytes: [UInt8]
    public let order: ByteOrder

    public init(order: ByteOrder, capacity: Int = 0) {
        self.order = order
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    public mutating func u32(_ value: UInt32) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    public mutating func u64(_ value: UInt64) {
        let v = order == .little ? value.littleEndian : value.bigEndian
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }

    public mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }

    public mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

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
