// BTFParser's values: an input is `PATH=VALUE`, a NUL, then a BTF blob (as `set` would meet an
// object's BTF, or `show` the kernel's: not validated, so cycles and members outside their
// structs reach the code). For each of the blob's first types: its C name; the blob's own bytes
// decoded as a value of it and rendered; the path resolved in it, the value parsed for what it
// leads to, written into a zeroed value and read back. A number that was written reads back as
// the same number: parsing its plain form again gives the same bytes.
import BTFParser
import Bytes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let nul = input.firstIndex(of: 0) else { return 0 }
    let text = String(decoding: input[..<nul], as: UTF8.self)
    let blob = view(data + nul + 1, size - nul - 1)
    let btf: BTF
    do { btf = try BTF(blob) } catch {
        sink(error.description)
        return 0
    }
    let assignment = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    let path = try? BTFPath(parsing: String(assignment[0]))
    let value = assignment.count > 1 ? String(assignment[1]) : ""
    for id in btf.ownTypeIDs.prefix(256) {
        sink(btf.displayName(id))
        sink(btf.cDeclaration(id, name: "x"))
        if let decoded = try? btf.decodeValue(of: id, from: blob) {
            sink(decoded.plainText)
            sink(decoded.fields.count)
        }
        guard let path, let location = try? btf.locate(path, in: id) else { continue }
        sink(btf.displayName(location))
        guard let patch = try? btf.encodeValue(value, at: location) else { continue }
        invariant(patch.bytes.count == patch.mask.count, "a patch has a mask bit for each bit")
        // Room for the patch wherever it landed (a malformed struct may place a member past its end).
        guard patch.offset >= 0, patch.offset <= 1 << 20, patch.bytes.count <= 1 << 20 else { continue }
        var buffer = [UInt8](repeating: 0, count: patch.offset + patch.bytes.count)
        invariant(patch.apply(to: &buffer), "a patch fits a buffer made for it")
        guard let readBack = try? btf.decodeValue(at: location, in: ByteView(buffer)) else { continue }
        switch readBack {
        case .int, .uint, .int128, .uint128, .bool, .pointer:
            // The plain form of a number is text the parser takes, standing for the same bits. (Not
            // an enum's: malformed BTF may give two constants one name.)
            let again = try? btf.encodeValue(readBack.description, at: location)
            invariant(again == patch, "'\(value)' read back as \(readBack.description), which parses to other bytes")
        case .char, .enumerator, .float, .string, .array, .record:
            sink(readBack.description)
        }
    }
    return 0
}
