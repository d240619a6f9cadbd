import BTFParser
import ELFReader

/// libbpf's kcfg types: what a `__kconfig` extern may be declared as.
enum KconfigType: Equatable {
    case bool
    /// `enum libbpf_tristate { TRI_NO = 0, TRI_YES = 1, TRI_MODULE = 2 }`.
    case tristate
    case char
    case charArray
    case integer
}

/// What an extern is, from its BTF.
enum ExternKind: Equatable {
    /// `extern … __kconfig`: a value from the kernel's config (or a virtual LINUX_* value).
    case kconfig(type: KconfigType, size: Int, alignment: Int, signed: Bool)
    /// `extern T sym __ksym`: a kernel variable, by BTF id (`type` is the local type, mods skipped).
    case ksymVariable(type: TypeID)
    /// `extern const void sym __ksym`: an address from /proc/kallsyms.
    case ksymAddress
    /// `extern R f(args) __ksym`: a kernel function called as a kfunc (`proto` is local).
    case kfunc(proto: TypeID)
}

/// An undefined symbol of the object that the loader must supply.
struct Extern: Equatable {
    var name: String
    var symbolIndex: Int
    var btfID: TypeID
    var weak: Bool
    var kind: ExternKind
    /// Offset in the `.kconfig` map (kconfig externs only).
    var dataOffset: Int = 0

    var isKconfig: Bool {
        if case .kconfig = kind { return true }
        return false
    }
}

/// Collects externs as libbpf's bpf_object__collect_externs does: each undefined global or weak
/// symbol must have an extern VAR or FUNC in the object's BTF, inside DATASEC `.kconfig` or
/// `.ksyms`; kconfig externs are laid out in a map (by alignment, then size, then name), and both
/// DATASECs are rewritten so the kernel's BTF checker accepts them.
enum Externs {
    static let kconfigSection = ".kconfig"
    static let ksymsSection = ".ksyms"

    /// The most bytes the `.kconfig` map may hold. libbpf sets no bound, but every byte is
    /// allocated here and again in the kernel (one array-map value), and an extern may be 64 KiB:
    /// a 0.7 MB object could ask for 131 MB, a 22 MB one for more than 4 GiB. A whole kernel
    /// config is some 10,000 options of a few bytes each, so 1 MiB leaves room for any real use.
    static let kconfigLimit = 1 << 20

    /// The externs, and the functions the object declares but neither defines nor marks
    /// `__ksym` (symbol index → name): those need the object that defines them, which is an
    /// error only if loaded code calls one (libbpf refuses the whole object at open).
    static func collect(_ object: BPFObjectFile, btf: inout ObjectBTF?) throws(LoadError) -> (externs: [Extern], undefinedFunctions: [Int: String]) {
        let symbols = object.elf.symbols.filter {
            $0.section == .undefined && ($0.binding == .global || $0.binding == .weak) && !$0.name.isEmpty
        }
        guard !symbols.isEmpty else { return ([], [:]) }
        guard var objectBTF = btf else {
            throw .extern(name: symbols[0].name, reason: "externs need the object's BTF (compile with -g)")
        }
        let declarations = ExternDeclarations(objectBTF.fixed)
        var externs: [Extern] = []
        var undefinedFunctions: [Int: String] = [:]
        externs.reserveCapacity(symbols.count)
        for symbol in symbols {
            if let id = declarations.byName[symbol.name], declarations.dataSection[id] == nil,
               case .function? = objectBTF.fixed.type(id)?.body {
                undefinedFunctions[symbol.index] = symbol.name
                continue
            }
            externs.append(try describe(symbol, in: objectBTF, declarations: declarations))
        }
        externs.sort(by: order)
        let kconfigSize = try layOutKconfig(&externs)
        try rewriteDataSections(&objectBTF, externs: externs, kconfigSize: kconfigSize)
        btf = objectBTF
        return (externs, undefinedFunctions)
    }

    /// Gives each kconfig extern its offset in the `.kconfig` map (in `order`, each at its
    /// alignment) and returns the map's size, at most `kconfigLimit`. Cannot overflow: each
    /// extern adds at most 64 KiB plus 7 bytes of padding, and there are fewer externs than bytes.
    static func layOutKconfig(_ externs: inout [Extern]) throws(LoadError) -> Int {
        var offset = 0
        for i in externs.indices {
            guard case let .kconfig(_, size, alignment, _) = externs[i].kind else { continue }
            offset = (offset + alignment - 1) / alignment * alignment
            externs[i].dataOffset = offset
            offset += size
        }
        // Name the first extern that does not fit, and say how large all of them would make it.
        for e in externs {
            guard case let .kconfig(_, size, _, _) = e.kind, e.dataOffset + size > kconfigLimit else { continue }
            throw .extern(name: e.name, reason: "\(kconfigSection) would be \(offset) bytes, more than the \(kconfigLimit) iter accepts")
        }
        return offset
    }

    /// libbpf's cmp_externs: kconfig before ksyms; kconfig by descending alignment, then ascending
    /// size; ties by name.
    static func order(_ a: Extern, _ b: Extern) -> Bool {
        switch (a.kind, b.kind) {
        case let (.kconfig(_, sa, aa, _), .kconfig(_, sb, ab, _)):
            if aa != ab { return aa > ab }
            if sa != sb { return sa < sb }
            return a.name < b.name
        case (.kconfig, _): return true
        case (_, .kconfig): return false
        default: return a.name < b.name
        }
    }

    /// The position in `externs` of each extern's ELF symbol index (relocations name symbols).
    static func positions(_ externs: [Extern]) -> [Int: Int] {
        var positions: [Int: Int] = [:]
        positions.reserveCapacity(externs.count)
        for (i, e) in externs.enumerated() where positions[e.symbolIndex] == nil { positions[e.symbolIndex] = i }
        return positions
    }

    /// Size of the `.kconfig` map: the end of the last kconfig extern.
    static func kconfigSize(_ externs: [Extern]) -> Int {
        externs.reduce(0) { size, e in
            if case let .kconfig(_, s, _, _) = e.kind { return max(size, e.dataOffset + s) }
            return size
        }
    }

    private static func describe(_ symbol: ELFSymbol, in btf: ObjectBTF,
                                 declarations: ExternDeclarations) throws(LoadError) -> Extern {
        let name = symbol.name
        func fail(_ reason: String) -> LoadError { .extern(name: name, reason: reason) }
        guard let id = declarations.byName[name], let type = btf.fixed.type(id) else {
            throw fail("no extern variable or function of that name in the object's BTF")
        }
        guard let section = declarations.dataSection[id] else {
            throw fail("its BTF is in no DATASEC (expected .kconfig or .ksyms)")
        }
        let weak = symbol.binding == .weak
        let local = btf.original
        switch (section, type.body) {
        case (Self.kconfigSection, .variable(let varType, _)):
            let size: UInt64
            do { size = try local.size(of: varType) } catch { throw fail("its type has no size: \(error.description)") }
            guard size > 0, size <= 1 << 16, let alignment = alignment(of: varType, in: local), alignment > 0 else {
                throw fail("its type has no usable size or alignment")
            }
            guard let (kcfg, signed) = kconfigType(varType, in: local) else {
                throw fail("type \(local.displayName(varType)) is not supported for __kconfig (bool, tristate, char, char array or integer)")
            }
            return Extern(name: name, symbolIndex: symbol.index, btfID: id, weak: weak,
                          kind: .kconfig(type: kcfg, size: Int(size), alignment: alignment, signed: signed))
        case (Self.kconfigSection, .function):
            throw fail("a function cannot be a __kconfig extern")
        case (Self.ksymsSection, .variable(let varType, _)):
            let resolved: TypeID
            do { resolved = try local.skipModsAndTypedefs(varType).id } catch { throw .btf(section: ".BTF", error) }
            let kind: ExternKind = resolved == 0 ? .ksymAddress : .ksymVariable(type: resolved)
            return Extern(name: name, symbolIndex: symbol.index, btfID: id, weak: weak, kind: kind)
        case (Self.ksymsSection, .function(let proto, _)):
            return Extern(name: name, symbolIndex: symbol.index, btfID: id, weak: weak, kind: .kfunc(proto: proto))
        default:
            throw fail("extern section '\(section)' is not supported (expected .kconfig or .ksyms)")
        }
    }

    /// libbpf's find_kcfg_type.
    static func kconfigType(_ id: TypeID, in btf: BTF) -> (KconfigType, Bool)? {
        guard let (_, type) = try? btf.skipModsAndTypedefs(id) else { return nil }
        switch type.body {
        case let .int(size, encoding, _, _):
            if encoding.contains(.bool) { return size == 1 ? (.bool, false) : nil }
            let signed = encoding.contains(.signed)
            if size == 1 { return (.char, signed) }
            guard [2, 4, 8].contains(size) else { return nil }
            return (.integer, signed)
        case let .enumeration(size, _, _):
            guard size == 4, btf.name(of: (try? btf.skipModsAndTypedefs(id))?.id ?? 0) == "libbpf_tristate" else { return nil }
            return (.tristate, false)
        case let .array(element, _, count):
            guard count > 0, let (elementType, _) = kconfigType(element, in: btf), elementType == .char else { return nil }
            return (.charArray, false)
        default:
            return nil
        }
    }

    /// libbpf's btf__align_of (pointers are 8 bytes on BPF).
    static func alignment(of id: TypeID, in btf: BTF, depth: Int = 0) -> Int? {
        guard depth < BTF.maxResolveDepth, let type = try? btf.type(id) else { return nil }
        switch type.body {
        case let .int(size, _, _, _), let .enumeration(size, _, _), let .enum64(size, _, _), let .float(size):
            return min(8, Int(size))
        case .pointer:
            return 8
        case let .typedef(next), let .volatile(next), let .const(next), let .restrict(next), let .typeTag(next):
            return alignment(of: next, in: btf, depth: depth + 1)
        case let .array(element, _, _):
            return alignment(of: element, in: btf, depth: depth + 1)
        case let .structure(_, members, _), let .union(_, members, _):
            var maximum = 1
            for member in members {
                // An INT or FLOAT member of size 0 has alignment 0: no usable alignment (not a division by 0).
                guard let a = alignment(of: member.type, in: btf, depth: depth + 1), a > 0 else { return nil }
                // A member off its natural alignment means a packed struct: alignment 1.
                if member.bitfieldSize == 0, (member.bitOffset / 8) % UInt32(a) != 0 { return 1 }
                maximum = max(maximum, a)
            }
            return maximum
        default:
            return nil
        }
    }

    /// Makes `.kconfig` and `.ksyms` acceptable to the kernel: libbpf turns every extern into an
    /// allocated variable. kconfig VARs get their map offsets; ksym VARs become 4-byte ints at
    /// consecutive offsets, and ksym FUNCs are represented in the DATASEC by a `dummy_ksym` VAR
    /// (their own FUNC becomes global, with every parameter named, as global functions must be).
    static func rewriteDataSections(_ btf: inout ObjectBTF, externs: [Extern], kconfigSize: Int) throws(LoadError) {
        var fixed = btf.fixed
        var byName: [String: Extern] = [:]
        for e in externs { byName[e.name] = e }
        for index in fixed.types.indices {
            guard case let .dataSection(_, vars) = fixed.types[index].body else { continue }
            let section = fixed.string(at: fixed.types[index].nameOffset)
            if section == kconfigSection {
                var newVars = vars
                for i in newVars.indices {
                    let name = fixed.name(of: newVars[i].type)
                    guard let e = byName[name], case let .variable(type, _)? = fixed.type(newVars[i].type)?.body else {
                        throw .extern(name: name, reason: "is in .kconfig but no symbol refers to it")
                    }
                    // layOutKconfig bounds both to kconfigLimit; checked all the same, as input-derived.
                    guard let offset = UInt32(exactly: e.dataOffset) else {
                        throw .extern(name: name, reason: "offset \(e.dataOffset) in \(kconfigSection) does not fit in 32 bits")
                    }
                    newVars[i].offset = offset
                    fixed.types[Int(newVars[i].type) - 1].body = .variable(type: type, linkage: .global)
                }
                guard let size = UInt32(exactly: kconfigSize) else {
                    throw .badSection(section: kconfigSection, reason: "\(kconfigSize) bytes do not fit in 32 bits")
                }
                fixed.types[index].body = .dataSection(size: size, vars: newVars)
            } else if section == ksymsSection {
                let int = intType(&fixed)
                var dummy: TypeID? = nil
                var newVars = vars
                for i in newVars.indices {
                    let member = newVars[i].type
                    guard let type = fixed.type(member) else { continue }
                    switch type.body {
                    case let .function(proto, _):
                        let dummyID: TypeID
                        if let existing = dummy {
                            dummyID = existing
                        } else {
                            dummyID = fixed.append(BTFType(nameOffset: fixed.addString("dummy_ksym"), body: .variable(type: int, linkage: .global)))
                            dummy = dummyID
                        }
                        if case let .functionProto(returns, params)? = fixed.type(proto)?.body {
                            let dummyName = fixed.type(dummyID)?.nameOffset ?? 0
                            let named = params.map { p in
                                p.type != 0 && p.nameOffset == 0 ? BTFParam(nameOffset: dummyName, type: p.type) : p
                            }
                            fixed.replace(proto, with: BTFType(nameOffset: 0, body: .functionProto(returns: returns, params: named)))
                        }
                        fixed.replace(member, with: BTFType(nameOffset: type.nameOffset, body: .function(proto: proto, linkage: .global)))
                        newVars[i].type = dummyID
                    case .variable:
                        fixed.replace(member, with: BTFType(nameOffset: type.nameOffset, body: .variable(type: int, linkage: .global)))
                    default:
                        break
                    }
                    // A DATASEC lists at most 65535 VARs (vlen is 16 bits): these cannot pass 2^32.
                    newVars[i].offset = UInt32(i * 4)
                    newVars[i].size = 4
                }
                fixed.types[index].body = .dataSection(size: UInt32(newVars.count * 4), vars: newVars)
            }
        }
        btf.fixed = fixed
    }

    /// An existing 32-bit INT, or a new one (libbpf's find_int_btf_id).
    static func intType(_ btf: inout EditableBTF) -> TypeID {
        for (index, type) in btf.types.enumerated() {
            if case .int(_, _, _, 32) = type.body { return TypeID(index + 1) }
        }
        return btf.append(BTFType(nameOffset: btf.addString("int"), body: .int(size: 4, encoding: .signed, bitOffset: 0, bits: 32)))
    }
}
