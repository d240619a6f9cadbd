import Bytes

/// An object's BTF as values that can be changed and encoded again: the loader fixes DATASEC sizes
/// and VAR offsets, and rewrites kinds an older kernel does not know, before BPF_BTF_LOAD.
public struct EditableBTF: Sendable {
    /// Types by id: `types[0]` is id 1 (id 0, void, is implicit).
    public var types: [BTFType]
    /// The string section, starting with the empty string.
    public var strings: [UInt8]

    /// BTF from parts: `types[0]` becomes id 1; an empty `strings` becomes the single empty string.
    public init(types: [BTFType] = [], strings: [UInt8] = [0]) {
        self.types = types
        self.strings = strings.isEmpty ? [0] : strings
    }

    /// Decodes every type of a (non-split) blob.
    public init(_ btf: BTF) throws(BTFError) {
        types = try btf.allOwnTypes()
        strings = btf.stringSection.array
        if strings.isEmpty { strings = [0] }
    }

    /// Number of ids, void included: valid ids are `0..<typeCount`.
    public var typeCount: Int { types.count + 1 }

    /// The type with this id; nil for void or an id out of range.
    public func type(_ id: TypeID) -> BTFType? {
        guard id > 0, Int(id) <= types.count else { return nil }
        return types[Int(id) - 1]
    }

    /// Replaces the type with this id, which keeps its id; does nothing for void (0) or an id out of range.
    public mutating func replace(_ id: TypeID, with type: BTFType) {
        guard id > 0, Int(id) <= types.count else { return }
        types[Int(id) - 1] = type
    }

    /// Appends a type and returns its id.
    @discardableResult
    public mutating func append(_ type: BTFType) -> TypeID {
        types.append(type)
        return TypeID(types.count)
    }

    /// The string at `offset`, nil if out of range or unterminated.
    public func string(at offset: UInt32) -> String? {
        let start = Int(offset)
        guard start < strings.count, let end = strings[start...].firstIndex(of: 0) else { return nil }
        return String(decoding: strings[start..<end], as: UTF8.self)
    }

    /// The type's name; "" for void, an anonymous type, an id out of range or a bad name offset.
    public func name(of id: TypeID) -> String {
        guard let type = type(id) else { return "" }
        return string(at: type.nameOffset) ?? ""
    }

    /// Adds a string (or finds it already present at a string boundary) and returns its offset.
    public mutating func addString(_ text: String) -> UInt32 {
        if text.isEmpty { return 0 }
        let utf8 = Array(text.utf8)
        var start = 0
        while start < strings.count {
            guard let end = strings[start...].firstIndex(of: 0) else { break }
            if end - start == utf8.count, strings[start..<end].elementsEqual(utf8) { return UInt32(start) }
            start = end + 1
        }
        let offset = UInt32(strings.count)
        strings.append(contentsOf: utf8)
        strings.append(0)
        return offset
    }

    /// The blob in the kernel's format: header, types, strings (types section first, as clang writes it).
    public func encoded(order: ByteOrder = .host) -> [UInt8] {
        var body = ByteWriter(order: order, capacity: types.count * 16)
        for type in types { type.encode(into: &body) }
        let typeLength = UInt32(body.count)
        var blob = ByteWriter(order: order, capacity: BTFHeader.size + body.count + strings.count)
        blob.u16(BTFHeader.magic)
        blob.u8(1)  // version
        blob.u8(0)  // flags
        blob.u32(UInt32(BTFHeader.size))
        blob.u32(0)  // type_off
        blob.u32(typeLength)
        blob.u32(typeLength)  // str_off
        blob.u32(UInt32(strings.count))
        blob.append(body.bytes)
        blob.append(strings)
        return blob.bytes
    }
}
