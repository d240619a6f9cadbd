import BTFParser
import SyscallBPF

/// An iterator whose output can be read, pass after pass: one this process created (`Iterator`)
/// or one pinned on bpffs (`PinnedIterator`). `iter run` and `iter cat` read both the same way.
public protocol IteratorReading {
    /// Names it in messages: the program's name, or a pin's path when its program is not known.
    var displayName: String { get }
    /// Reads one full pass of its output, in chunks as the kernel produces them; `body` returns
    /// false to stop early. Each call is a new pass, from the start.
    func read(options: ReadOptions, _ body: (UnsafeRawBufferPointer) -> Bool) throws(IteratorError)
    /// The type `name` in the program's BTF, for reading the records it writes.
    func recordType(named name: String) throws(IteratorError) -> RecordType
}

/// The namespaces a read must enter to open the iterator (those of the options iter is not in).
struct ForeignNamespaces {
    let network: Namespace?
    let pid: Namespace?

    /// A new output of the iterator, opened by a child in these namespaces: BPF_ITER_CREATE on
    /// `link`, or open(2) of `path`.
    func open(link: OwnedDescriptor?, path: FilePath?) throws(ReadError) -> FileDescriptor {
        do {
            return try NamespaceFiles.openIterator(network: network?.file, pid: pid?.file, link: link, path: path)
        } catch {
            // The namespace the failed step was about; the first one given for the other steps.
            let namespace: Namespace?
            switch error.step {
            case .enterNetwork: namespace = network
            case .enterPID, .startInPID: namespace = pid
            case .start, .open, .noAnswer: namespace = network ?? pid
            }
            let label = namespace?.label ?? NamespaceLabel(kind: .network, inode: 0, name: nil)
            throw ReadError(.namespace(label, error))
        }
    }
}

/// Opening and reading one pass, for both kinds of iterator.
enum IteratorOutput {
    /// Opens a new output with `open` (given the namespaces to enter, if any) and reads it to
    /// the end into `body`.
    static func read(
        program: String, options: ReadOptions, _ body: (UnsafeRawBufferPointer) -> Bool,
        open: (ForeignNamespaces?) throws(ReadError) -> FileDescriptor
    ) throws(IteratorError) {
        let (network, pid) = options.foreign
        let foreign = network == nil && pid == nil ? nil : ForeignNamespaces(network: network, pid: pid)
        do {
            let fd = try open(foreign)
            _ = try OutputReader(retry: options.retry).run(fd, body)
        } catch {
            throw .read(program: program, error)
        }
    }
}

extension IteratorReading {
    /// Reads one full pass of the output, as bytes.
    public func readBytes(options: ReadOptions = ReadOptions()) throws(IteratorError) -> [UInt8] {
        var bytes: [UInt8] = []
        try read(options: options) { chunk in
            bytes.append(contentsOf: chunk)
            return true
        }
        return bytes
    }

    /// Reads one pass of records of `type` (written with `bpf_seq_write`, one `type.size` bytes
    /// each) into `body`, which returns false to stop. Output that ends inside a record is an error.
    public func readRecords(
        of type: RecordType, options: ReadOptions = ReadOptions(),
        _ body: (BTFValue) -> Bool
    ) throws(IteratorError) {
        var decoder = RecordDecoder(type: type)
        var failure: RecordError? = nil
        var stopped = false
        try read(options: options) { chunk in
            do throws(RecordError) {
                stopped = try !decoder.feed(chunk, body)
                return !stopped
            } catch {
                failure = error
                return false
            }
        }
        if let failure { throw .records(program: displayName, failure) }
        if stopped { return }
        do { try decoder.finish() } catch { throw .records(program: displayName, error) }
    }

    /// Reads one pass of records of `type`.
    public func readRecords(of type: RecordType, options: ReadOptions = ReadOptions()) throws(IteratorError) -> [BTFValue] {
        var records: [BTFValue] = []
        try readRecords(of: type, options: options) { record in
            records.append(record)
            return true
        }
        return records
    }
}
