import BTFParser
import Bytes

/// A CO-RE relocation that cannot be applied at all. This is different from a relocation that finds
/// nothing in the kernel: that one poisons its instruction (the verifier objects only if the code is
/// reachable) and is reported in a `COREFixup`. An error here means the object itself is wrong or
/// ambiguous for this kernel, and libbpf refuses to load it in the same cases.
package enum COREError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The record is malformed: bad instruction offset, type id, access string or spec.
    case invalidRelocation(program: String, relocation: Int, reason: String)
    /// Several kernel candidates match but give different results (libbpf: "ambiguity").
    case ambiguous(program: String, relocation: Int, reason: String)
    /// The relocation cannot be expressed: a bitfield no 64-bit load can read, a kind that makes no
    /// sense for an array element, an anonymous type that cannot be looked up.
    case unsatisfiable(program: String, relocation: Int, reason: String)
    /// The instruction is not of a form the relocation can patch, or does not hold the value the
    /// local BTF predicts (the compiler and the BTF disagree: patching it would be a guess).
    case badInstruction(program: String, relocation: Int, instruction: Int, reason: String)
    /// Local or kernel BTF that cannot be read where the relocation needed it.
    case btf(program: String, relocation: Int, BTFError)

    /// The program the relocation belongs to.
    package var program: String {
        switch self {
        case let .invalidRelocation(program, _, _), let .ambiguous(program, _, _), let .unsatisfiable(program, _, _),
             let .badInstruction(program, _, _, _), let .btf(program, _, _):
            return program
        }
    }

    /// The relocation's index among its section's CO-RE records (libbpf's `relo #N`).
    package var relocation: Int {
        switch self {
        case let .invalidRelocation(_, relocation, _), let .ambiguous(_, relocation, _),
             let .unsatisfiable(_, relocation, _), let .badInstruction(_, relocation, _, _), let .btf(_, relocation, _):
            return relocation
        }
    }

    /// The message without the program: `relo #3: ...`.
    package var reason: String {
        switch self {
        case let .invalidRelocation(_, relocation, reason):
            return "relo #\(relocation): invalid CO-RE relocation: \(reason)"
        case let .ambiguous(_, relocation, reason):
            return "relo #\(relocation): ambiguous CO-RE relocation: \(reason)"
        case let .unsatisfiable(_, relocation, reason):
            return "relo #\(relocation): \(reason)"
        case let .badInstruction(_, relocation, instruction, reason):
            return "relo #\(relocation): insn #\(instruction): \(reason)"
        case let .btf(_, relocation, error):
            return "relo #\(relocation): \(error.description)"
        }
    }

    package var description: String { "prog '\(program)': \(reason)" }
}

/// What went wrong inside the matching code, before it is tied to a program and relocation.
enum COREProblem: Error {
    case invalid(String)
    case ambiguous(String)
    case unsatisfiable(String)
    case instruction(String)
    case btf(BTFError)

    func error(program: String, relocation: Int, instruction: Int) -> COREError {
        switch self {
        case let .invalid(reason): return .invalidRelocation(program: program, relocation: relocation, reason: reason)
        case let .ambiguous(reason): return .ambiguous(program: program, relocation: relocation, reason: reason)
        case let .unsatisfiable(reason): return .unsatisfiable(program: program, relocation: relocation, reason: reason)
        case let .instruction(reason):
            return .badInstruction(program: program, relocation: relocation, instruction: instruction, reason: reason)
        case let .btf(error): return .btf(program: program, relocation: relocation, error)
        }
    }
}

/// BTF lookups that report failures as `COREProblem`, so the matching code has one error type.
extension BTF {
    func coreType(_ id: TypeID) throws(COREProblem) -> BTFType {
        do { return try type(id) } catch { throw .btf(error) }
    }

    func coreSkip(_ id: TypeID) throws(COREProblem) -> (id: TypeID, type: BTFType) {
        do { return try skipModsAndTypedefs(id) } catch { throw .btf(error) }
    }

    func coreSize(_ id: TypeID) throws(COREProblem) -> UInt64 {
        do { return try size(of: id) } catch { throw .btf(error) }
    }

    /// The name at `offset` as a String ("" for offset 0 or an unreadable offset).
    func coreName(_ offset: UInt32) -> String {
        offset == 0 ? "" : (string(at: offset)?.string ?? "")
    }
}
