import ELFReader

/// The code the loaded programs reach: each program and the subprograms and callbacks it calls,
/// found by linking it on the code as compiled (CO-RE changes no call and no relocation). Only
/// this code is CO-RE relocated and only the externs it names are resolved, so a function only
/// another program calls is never relocated against a kernel that lacks what it reads.
struct Reach {
    /// Instruction ranges of reached functions, per code section, sorted by start.
    private var ranges: [Int: [Range<Int>]] = [:]
    /// Section index by name (the first section of each name, as `.BTF.ext` names them).
    private var sectionByName: [String: Int] = [:]
    /// Symbol indices of the externs reached code refers to.
    private(set) var externSymbols: Set<Int> = []

    init(object: BPFObjectFile, programs: [Int], linker: Linker) throws(LoadError) {
        for section in object.elf.sections where sectionByName[section.name] == nil {
            sectionByName[section.name] = section.index
        }
        var seen: Set<ObjectFunction> = []
        for i in programs {
            let linked = try linker.link(object.programs[i])
            for placement in linked.placements where seen.insert(placement.function).inserted {
                ranges[placement.function.section, default: []].append(placement.function.range)
            }
            for reference in linked.externReferences { externSymbols.insert(reference.symbol.index) }
        }
        for key in ranges.keys { ranges[key]?.sort { $0.lowerBound < $1.lowerBound } }
    }

    /// The code section a `.BTF.ext` group names.
    func section(named name: String) -> Int? { sectionByName[name] }

    /// Whether the instruction at `byteOffset` of `section` belongs to a reached function.
    func contains(section: Int, byteOffset: UInt32) -> Bool {
        guard let list = ranges[section] else { return false }
        let instruction = Int(byteOffset / 8)
        var low = 0
        var high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].lowerBound <= instruction { low = middle + 1 } else { high = middle }
        }
        return low > 0 && list[low - 1].contains(instruction)
    }
}
