/// The object's settable global variables, and checking settings of them.
extension IteratorObject {
    /// The global variables `makeIterator(settings:)` can set, in section order then by offset,
    /// with their default values. Read from the object alone: nothing is loaded.
    /// - Throws: `IteratorError.object` when the object's BTF is malformed.
    public var variables: [GlobalVariable] {
        get throws(IteratorError) {
            do { return try VariableTable.make(file, prepared: Planner.prepare(file)).variables } catch { throw .object(path: path, ObjectError(error)) }
        }
    }
}
