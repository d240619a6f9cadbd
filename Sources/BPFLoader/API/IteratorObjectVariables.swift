/// The object's settable global variables, and checking settings of them.
extension IteratorObject {
    /// The global variables `makeIterator(settings:)` can set, in section order then by offset,
    /// with their default values. Read from the object alone: nothing is loaded.
    /// - Throws: `IteratorError.object` when the object's BTF is malformed.
    public var variables: [GlobalVariable] {
        get throws(IteratorError) { try variableTable(Planner.prepare(file)).variables }
    }

    /// The table of `prepared`, or why the object could not be prepared.
    func variableTable(_ prepared: Result<PreparedObject, LoadError>) throws(IteratorError) -> VariableTable {
        let ready: PreparedObject
        switch prepared {
        case let .success(value): ready = value
        case let .failure(error): throw .object(path: path, error)
        }
        do { return try VariableTable.make(file, prepared: ready) } catch { throw .object(path: path, error) }
    }

    /// `settings` checked against the object's variables, ready for planning.
    func checked(_ settings: [VariableAssignment], prepared: Result<PreparedObject, LoadError>) throws(IteratorError) -> VariableSettings {
        guard !settings.isEmpty else { return VariableSettings() }
        let table = try variableTable(prepared)
        do { return try VariableSettings.resolve(settings, in: table) } catch { throw .variable(error) }
    }
}
