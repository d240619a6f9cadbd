// BTFParser: .BTF.ext (func_info, line_info, CO-RE relocation records per section).
import BTFParser
import Bytes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let ext: BTFExt
    do { ext = try BTFExt(view(data, size)) } catch {
        sink(error.description)
        return 0
    }
    // Counts are checked against the bytes before anything is allocated: each subsection's records
    // fit in the input (subsections may overlap one another, as libbpf also allows).
    invariant(ext.funcInfo.reduce(0) { $0 + $1.records.count } * 8 <= size, "func_info records fit")
    invariant(ext.lineInfo.reduce(0) { $0 + $1.records.count } * 16 <= size, "line_info records fit")
    invariant(ext.coreRelocations.reduce(0) { $0 + $1.records.count } * 16 <= size, "core_relo records fit")
    for section in ext.coreRelocations {
        for record in section.records { sink(record.kind.description) }
    }
    for section in ext.lineInfo {
        for record in section.records { sink(Int(record.line &+ record.column)) }
    }
    sink(Int(ext.funcInfoRecordSize &+ ext.lineInfoRecordSize))
    return 0
}
