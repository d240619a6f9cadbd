import BTFParser
import Bytes
import SyscallBPF

/// The type of the fixed-size records a program writes with `bpf_seq_write`, found by name in
/// BTF: the object's for an iterator this process created, the kernel's copy of the program's
/// for a pinned one (so the object file is not needed).
public struct RecordType: CustomStringConvertible {
    /// The BTF it is described in.
    public let btf: BTF
    /// Its id there.
    public let id: TypeID
    /// Bytes per record (non-zero).
    public let size: Int

    /// How C writes it (`struct task_record`).
    public var description: String { btf.displayName(id) }

    /// The kinds a record type may be: what has a size and a name (typedefs of them too).
    static let namedKinds: Set<BTFKind> = [.structure, .union, .int, .enumeration, .enum64, .float, .typedef]

    /// The struct, union, enum, integer or typedef called `name` in `btf`; `struct NAME`,
    /// `union NAME` and `enum NAME` choose the kind.
    public static func find(_ name: String, in btf: BTF) throws(RecordError) -> RecordType {
        var bare = Substring(name)
        var kinds = namedKinds
        for (prefix, only) in [("struct ", [BTFKind.structure]), ("union ", [.union]), ("enum ", [.enumeration, .enum64])]
        where bare.hasPrefix(prefix) {
            bare = bare.dropFirst(prefix.count)
            kinds = Set(only)
        }
        let candidates = btf.typeIDs(named: String(bare)).filter { id in btf.kind(of: id).map { kinds.contains($0) } ?? false }
        // A typedef of a struct of the same name is the struct: one type, written two ways.
        var resolved: [TypeID] = []
        for id in candidates {
            let target: TypeID
            do { target = try btf.skipModsAndTypedefs(id).id } catch { throw .malformedBTF(error) }
            if !resolved.contains(target) { resolved.append(target) }
        }
        guard let first = candidates.first, resolved.count == 1 else {
            if resolved.count > 1 { throw .ambiguous(name: name, types: candidates.map { btf.displayName($0) }) }
            let forward = btf.typeIDs(named: String(bare), kind: .forward)
            if !forward.isEmpty { throw .unsized(type: btf.displayName(forward[0]), reason: "it is only declared (a forward declaration)") }
            throw .unknown(name: name, records: recordNames(in: btf))
        }
        let size: UInt64
        do { size = try btf.size(of: first) } catch { throw .malformedBTF(error) }
        guard size > 0 else { throw .unsized(type: btf.displayName(first), reason: "its size is 0") }
        guard size <= UInt64(RecordType.maximumSize) else {
            throw .unsized(type: btf.displayName(first), reason: "its size, \(size) bytes, is more than a read returns (\(RecordType.maximumSize))")
        }
        return RecordType(btf: btf, id: first, size: Int(size))
    }

    /// Records larger than this cannot come from an iterator: bpf_seq_write of one record must fit
    /// in the seq buffer, 8 pages of at most 64 KiB.
    static let maximumSize = 8 << 16

    /// The named structs and unions of `btf`, for the message when a name is not there.
    static func recordNames(in btf: BTF) -> [String] {
        var names: [String] = []
        for id in btf.ownTypeIDs {
            guard let kind = btf.kind(of: id), kind == .structure || kind == .union else { continue }
            let name = btf.name(of: id)
            if !name.isEmpty && !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Decodes one record from exactly `size` bytes, in the BTF's byte order.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(RecordError) -> BTFValue {
        let view = ByteView(unsafeStart: bytes.baseAddress, count: min(bytes.count, size), owner: nil)
        do { return try btf.decodeValue(of: id, from: view) } catch { throw .decode(type: description, error) }
    }
}

/// Records from the chunks of an iterator's output: whole records as soon as they are complete,
/// wherever the chunks split them.
public struct RecordDecoder {
    /// The type of each record.
    public let type: RecordType
    /// The bytes of a record begun in an earlier chunk.
    private var pending: [UInt8] = []
    /// Records decoded so far.
    public private(set) var count = 0

    /// A decoder of records of `type`.
    public init(type: RecordType) {
        self.type = type
    }

    /// Decodes the records `chunk` completes and passes each to `body`, which returns false to stop.
    /// Returns false when `body` did.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (BTFValue) -> Bool) throws(RecordError) -> Bool {
        var rest = chunk
        if !pending.isEmpty {
            let needed = type.size - pending.count
            pending += rest.prefix(needed)
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(min(needed, rest.count)))
            guard pending.count == type.size else { return true }
            let decoded = pending.withUnsafeBytes { raw in Result { () throws(RecordError) -> BTFValue in try type.decode(raw) } }
            let record = try decoded.get()
            pending.removeAll(keepingCapacity: true)
            count += 1
            guard body(record) else { return false }
        }
        while rest.count >= type.size {
            let record = try type.decode(UnsafeRawBufferPointer(rebasing: rest.prefix(type.size)))
            rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(type.size))
            count += 1
            guard body(record) else { return false }
        }
        pending += rest
        return true
    }

    /// At the end of the output: a record left incomplete is an error.
    public func finish() throws(RecordError) {
        guard pending.isEmpty else {
            throw .partial(bytes: pending.count, type: type.description, size: type.size, records: count)
        }
    }
}

/// Why records could not be read.
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object, or the program, has no BTF to find a type in.
    case noBTF
    /// The program's BTF could not be read back from the kernel.
    case unavailable(Errno)
    /// Which program a pin runs is not known: BPF_OBJ_GET of the pin needs write access.
    case unknownProgram
    /// The BTF is malformed.
    case malformedBTF(BTFError)
    /// No struct, union, enum, integer or typedef has this name; `records` lists the structs
    /// and unions there are.
    case unknown(name: String, records: [String])
    /// Several different types have this name.
    case ambiguous(name: String, types: [String])
    /// The type has no size, so no records.
    case unsized(type: String, reason: String)
    /// The output ended `bytes` bytes into a record of `size` bytes, after `records` whole ones.
    case partial(bytes: Int, type: String, size: Int, records: Int)
    /// A record could not be decoded.
    case decode(type: String, BTFValueError)

    public var description: String {
        switch self {
        case .noBTF:
            return "the program has no BTF, so no type to decode records with"
        case let .unavailable(errno):
            return "can't read the program's BTF from the kernel: \(errno.description)"
        case .unknownProgram:
            return "can't tell which program the pin runs (its BTF describes the records): BPF_OBJ_GET needs write access to the pin"
        case let .malformedBTF(error):
            return "the program's BTF is malformed: \(error.description)"
        case let .unknown(name, records):
            let known =
                records.isEmpty
                ? "it has no structs or unions"
                : "its structs and unions: " + records.prefix(20).joined(separator: ", ")
                    + (records.count > 20 ? ", ..." : "")
            return "no struct, union, enum or integer type named '\(name)' in the program's BTF (\(known))"
        case let .ambiguous(name, types):
            return "'\(name)' names several types (\(types.joined(separator: ", "))): write 'struct \(name)', 'union \(name)' or 'enum \(name)'"
        case let .unsized(type, reason):
            return "type '\(type)' cannot be a record: \(reason)"
        case let .partial(bytes, type, size, records):
            return
                "the output ends with a partial record: \(bytes) byte\(bytes == 1 ? "" : "s") of a \(size)-byte \(type) (after \(records) whole record\(records == 1 ? "" : "s"))"
        case let .decode(type, error):
            return "a record of type '\(type)' could not be decoded: \(error.description)"
        }
    }
}
