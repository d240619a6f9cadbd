/// The object's settable global variables, and checking settings of them.
extension IteratorObject {
    /// The global variables `makeIterator(settings:)` can set, in section order then by offset,
    /// with their default values. Read from the object alone: nothing is loaded.
    /// - Throws: `IteratorError.object` when the object's BTF is malformed.
    public var variables: [GlobalVariable] {
        get throws(IteratorError) { try variableTable().variables }
    }

    /// The object's table of variables, or why the object could not be prepared.
    func variableTable() throws(IteratorError) -> VariableTable {
        do { return try VariableTable.make(file, prepared: Planner.prepare(file)) } catch { throw .object(path: path, error) }
    }

    /// `settings` checked against the object's variables, ready for planning. The object is
    /// prepared for it (planning prepares it again), only when there are settings.
    func checked(_ settings: [VariableAssignment]) throws(IteratorError) -> VariableSettings {
        guard !settings.isEmpty else { return VariableSettings() }
        let table = try variableTable()
        do { return try VariableSettings.resolve(settings, in: table) } catch { throw .variable(error) }
    }
}
