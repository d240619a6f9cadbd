import BTFParser
import Bytes
import SyscallBPF

/// A global variable of a loaded program, with the value its map holds now: for `.rodata` (frozen
/// once written) the value the program was loaded with, for `.data` and `.bss` the current one.
public struct LoadedVariable: Equatable, Sendable {
    /// The variable's name.
    public let name: String
    /// Its section (`.rodata`, `.rodata.cfg`, `.data`, `.bss`).
    public let section: String
    /// Its value, decoded with the BTF the kernel keeps for the map.
    public let value: BTFValue
}

/// Reads back the settable variables of a loaded program from its global data maps, named and
/// typed by the BTF the kernel holds for those maps: what `iter show` prints, with no object file.
package enum LoadedVariables {
    /// The variables of the program with id `programID`, in map order then by offset. Maps the
    /// kernel keeps no BTF for, or whose value is not a global data section, are skipped: they
    /// hold nothing a `set` could have given a value, and saying nothing is not wrong. A map or
    /// BTF object that went away meanwhile (ENOENT), or that we may not open, is skipped too; any
    /// other failure (no descriptor left) is an error, not variables left out.
    package static func read(programID: UInt32) throws(Errno) -> [LoadedVariable] {
        func skippable(_ error: Errno) -> Bool { error == .ENOENT || error == .EPERM || error == .EACCES }
        let program = try BPFProgram.fd(id: programID)
        var variables: [LoadedVariable] = []
        var btfs: [UInt32: BTF] = [:]
        for mapID in try BPFProgram.mapIDs(program) {
            let map: FileDescriptor
            do { map = try BPFMap.fd(id: mapID, readOnly: true) } catch {
                if skippable(error) { continue }
                throw error
            }
            let info = try BPFMap.info(map)
            guard info.btfID != 0, info.btfValueTypeID != 0, info.keySize == 4, info.maxEntries == 1 else { continue }
            if btfs[info.btfID] == nil {
                let bytes: [UInt8]
                do { bytes = try BPFBTF.data(try BPFBTF.fd(id: info.btfID)) } catch {
                    if skippable(error) { continue }
                    throw error
                }
                // BTF the kernel accepted parses; if it does not, there is nothing to show.
                guard let btf = try? BTF(ByteView(bytes)) else { continue }
                btfs[info.btfID] = btf
            }
            guard let btf = btfs[info.btfID] else { continue }
            let value = try BPFMap.lookup(map, key: [0, 0, 0, 0], valueSize: Int(info.valueSize))
            variables += decode(ByteView(value), datasec: info.btfValueTypeID, in: btf)
        }
        // Section order as an object lists them (`iter info`): .rodata, .rodata.*, .data, .data.*, .bss.
        return variables.enumerated().sorted { a, b in
            (rank(a.element.section), a.offset) < (rank(b.element.section), b.offset)
        }.map { $0.element }
    }

    static func rank(_ section: String) -> Int {
        switch section {
        case ".rodata": return 0
        case ".data": return 2
        case ".bss": return 4
        default: return section.hasPrefix(".rodata") ? 1 : (section.hasPrefix(".data") ? 3 : 5)
        }
    }

    /// The global variables a DATASEC value holds (not `.kconfig` or `.ksyms`, which the kernel
    /// fills; not static ones, which no loader sets).
    static func decode(_ value: ByteView, datasec: TypeID, in btf: BTF) -> [LoadedVariable] {
        guard case let .dataSection(_, vars)? = try? btf.type(datasec).body else { return [] }
        let section = btf.name(of: datasec)
        guard section.hasPrefix(".rodata") || section.hasPrefix(".data") || section.hasPrefix(".bss") else { return [] }
        var variables: [LoadedVariable] = []
        for info in vars {
            guard case let .variable(type, .global)? = try? btf.type(info.type).body,
                let bytes = value.slice(offset: Int(info.offset), length: Int(info.size)),
                let decoded = try? btf.decodeValue(of: type, from: bytes)
            else { continue }
            variables.append(LoadedVariable(name: btf.name(of: info.type), section: section, value: decoded))
        }
        return variables
    }
}
