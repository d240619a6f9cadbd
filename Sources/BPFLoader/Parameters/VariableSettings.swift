import BTFParser
import SyscallBPF

/// Variable settings checked against the object's BTF: for each, the bytes (and bits) to write
/// in its section. Planning writes them into the initial value of that section's map, so
/// `.rodata` is still frozen after them and `.bss` gets an initial value although it has no
/// bytes in the file.
package struct VariableSettings: Sendable, Equatable {
    /// One setting, ready to write.
    package struct Write: Sendable, Equatable {
        /// The ELF section of the variable (its map's `MapOrigin.globalData` section).
        package var section: String
        /// The bytes to write, at their offset in the section.
        package var patch: BTFPatch
        /// The setting as given (`limits.level=3`), for notes and messages.
        package var assignment: VariableAssignment
    }

    /// In the order given.
    package var writes: [Write] = []

    /// No settings.
    package init() {}

    /// Checks each assignment against the variable it names: the variable exists and is not an
    /// extern, the path leads somewhere in it, the value is one of that type's, and no two
    /// settings write the same bits.
    static func resolve(_ assignments: [VariableAssignment], in table: VariableTable) throws(VariableError) -> VariableSettings {
        var settings = VariableSettings()
        guard !assignments.isEmpty else { return settings }
        let names = table.variables.map { $0.name }
        for assignment in assignments {
            let path = assignment.path
            guard let variable = table.variable(named: path.root), let btf = table.btf else {
                if let source = table.externs[path.root] { throw .extern(name: path.root, source) }
                throw .unknown(name: path.root, suggestions: NameSuggestions.closest(to: path.root, in: names), settable: names)
            }
            let location: BTFLocation
            do { location = try btf.locate(path, in: variable.typeID) } catch { throw .path(error) }
            let patch: BTFPatch
            do { patch = try btf.encodeValue(assignment.value, at: location) } catch { throw .value(path: path.description, error) }
            // Only malformed BTF (a member placed past its struct's end) leads outside the variable.
            guard patch.fits(in: variable.size) else {
                throw .path(.btf(.invalidType(id: variable.typeID, reason: "\(path) lies outside '\(variable.name)' (\(variable.size) bytes)")))
            }
            let write = Write(section: variable.section, patch: patch.moved(by: variable.offset), assignment: assignment)
            if let earlier = settings.writes.first(where: { $0.section == write.section && $0.patch.overlaps(write.patch) }) {
                throw .duplicate(path: path.description, other: earlier.assignment.path.description)
            }
            settings.writes.append(write)
        }
        return settings
    }

    /// Writes the settings into the initial values of their sections' maps: each map's value is
    /// made (from its contents, or zeros for `.bss`) once, whatever the number of settings.
    func apply(to maps: inout [PlannedMap], notes: inout [String]) throws(LoadError) {
        var bySection: [String: [Write]] = [:]
        var order: [String] = []
        for write in writes {
            if bySection[write.section] == nil { order.append(write.section) }
            bySection[write.section, default: []].append(write)
        }
        for section in order {
            guard
                let index = maps.firstIndex(where: { map in
                    if case .globalData(let kind, section) = map.origin { return kind != .kconfig }
                    return false
                })
            else {
                throw .badSection(section: section, reason: "its variables are set, but it has no map")
            }
            let size = Int(maps[index].attributes.valueSize)
            guard size <= BTF.maximumTextValueSize else {
                throw .badSection(section: section, reason: "\(size) bytes: too large a map value to set variables in")
            }
            var value = maps[index].initialValue ?? [UInt8](repeating: 0, count: size)
            for write in bySection[section] ?? [] {
                guard write.patch.apply(to: &value) else {
                    throw .badSection(section: section, reason: "setting \(write.assignment) lies outside its \(size) bytes")
                }
                let count = write.patch.bytes.count
                notes.append("map '\(maps[index].name)': set \(write.assignment) (\(count) byte\(count == 1 ? "" : "s") at offset \(write.patch.offset))")
            }
            maps[index].initialValue = value
        }
    }
}
