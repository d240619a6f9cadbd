import BPFLoader
import SyscallBPF

extension IteratorRequest {
    /// Reads the object and makes the iterator through the library API, with `-d` tracing, and
    /// turns any failure into bpftool's words.
    func makeIterator(console: Console) throws(CommandFailure) -> Iterator {
        let object: IteratorObject
        do { object = try IteratorObject(path: self.object) } catch { throw CommandFailure(error, object: self.object) }
        do {
            return try object.makeIterator(program: program, options: options, settings: settings, verifierLog: console.debug) { line in
                console.trace(line)
            }
        } catch {
            throw CommandFailure(error, object: self.object)
        }
    }
}
