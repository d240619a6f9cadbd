// BTFParser on a raw blob. The first byte picks how the rest is read:
//   even: an object's .BTF (init, validate, decode every type, display names, size and modifier
//         walks, and the EditableBTF round trip: encode, parse again, same types and strings);
//   odd:  kernel-style BTF, trusted as iter trusts vmlinux and module BTF (no validate): name
//         lookups and walks; with bit 1 set it is split BTF on top of the host's vmlinux, as
//         /sys/kernel/btf/<module> is.
import BPFLoader
import BTFParser
import Bytes

nonisolated(unsafe) let vmlinux: BTF? = (try? KernelBTFFile.vmlinux())?.0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0]
    let blob = view(data + 1, size - 1)
    if mode & 1 == 0 {
        objectBTF(blob)
    } else {
        kernelBTF(blob, split: mode & 2 != 0)
    }
    return 0
}

func objectBTF(_ blob: ByteView) {
    let btf: BTF
    do {
        btf = try BTF(blob)
        try btf.validate()
    } catch {
        sink(error.description)
        return
    }
    walk(btf)
    let types: [BTFType]
    do { types = try btf.allOwnTypes() } catch {
        // validate() decoded every type already: a failure here is an inconsistency.
        invariant(false, "allOwnTypes failed after validate: \(error.description)")
        return
    }
    let editable: EditableBTF
    do { editable = try EditableBTF(btf) } catch {
        invariant(false, "EditableBTF failed after validate: \(error.description)")
        return
    }
    invariant(editable.types == types, "EditableBTF decodes the same types")
    for order in [ByteOrder.little, .big] {
        let encoded = editable.encoded(order: order)
        let again: BTF
        do { again = try BTF(ByteView(encoded)) } catch {
            invariant(false, "re-encoded BTF does not parse: \(error.description)")
            return
        }
        invariant(again.order == order, "byte order kept")
        invariant((try? again.allOwnTypes()) == types, "round trip keeps every type")
        invariant(again.stringSection.array == editable.strings, "round trip keeps the strings")
        invariant((try? again.validate()) != nil, "round trip stays valid")
    }
    var copy = editable
    for id in 1..<TypeID(copy.typeCount) {
        let name = copy.name(of: id)
        sink(Int(copy.addString(name)))
        sink(copy.string(at: copy.type(id)?.nameOffset ?? 0) ?? "")
    }
}

func kernelBTF(_ blob: ByteView, split: Bool) {
    let base = split ? vmlinux : nil
    let btf: BTF
    do { btf = try BTF(blob, base: base) } catch {
        sink(error.description)
        return
    }
    walk(btf)
    // What planning asks of kernel BTF: names of own strings, ids by name and kind. A lookup by
    // name in split BTF also scans the base (vmlinux: milliseconds a time), which the plan target covers.
    let names = btf.ownStrings(withPrefix: "").prefix(16).map { $0.text }
    let offsets = btf.ownStringOffsets(of: Array(names))
    for (name, found) in zip(names, offsets) {
        sink(found.count)
        sink(btf.ownTypeIDs(nameOffsets: Set(found)).count)
        sink(btf.ownTypeIDs(nameOffsets: Set(found), kind: .function).count)
        if !split { sink(btf.typeIDs(named: name, kind: .structure).count) }
    }
    if !split, let name = names.last { sink(Int(btf.function(named: name) ?? 0)) }
    sink(btf.ownStrings(withPrefix: "bpf_iter_").count)
    _ = try? btf.validate()
}

/// Walks that must terminate and never trap on any type of any blob that parsed.
func walk(_ btf: BTF) {
    for id in btf.ownTypeIDs {
        sink(btf.displayName(id))
        sink(btf.name(of: id))
        sink(Int(btf.kind(of: id)?.rawValue ?? 0xff))
        if let size = try? btf.size(of: id) { sink(Int(truncatingIfNeeded: size)) }
        if let (skipped, _) = try? btf.skipModsAndTypedefs(id) { sink(Int(skipped)) }
        if let (skipped, _) = try? btf.skipMods(id) { sink(Int(skipped)) }
        if let type = try? btf.type(id) {
            sink(type.referencedTypes.count)
            for member in type.members { sink(btf.string(at: member.nameOffset)?.count ?? 0) }
        }
    }
}
