import CLinuxBPF
import SyscallBPF

/// A BPF iterator in the kernel: a loaded program attached as an iterator link. The kernel
/// objects live as long as this value (and its copies) and, once pinned, as long as the pin.
public struct Iterator: IteratorReading {
    /// The attached program's name.
    public let program: String
    /// Its ELF section (`iter/task`).
    public let section: String
    /// The iterator target (`task`).
    public let target: String
    /// The link's id (as `bpftool link` and `iter show` show it).
    public let linkID: UInt32
    /// The options it was created with.
    public let options: IteratorOptions
    /// The id of the map a map-element iterator walks.
    public let mapID: UInt32?
    let loaded: LoadedObject
    /// The object it was loaded from, for the types of its records.
    let object: BPFObjectFile
    let link: OwnedDescriptor
    /// Descriptors the options named (map, cgroup), kept while the iterator lives.
    let optionHolder: OwnedDescriptor?

    /// The program arrays this load filled that nothing pins. The kernel empties a program array
    /// when its last user reference (descriptor or pin) goes, so once this value is gone the
    /// tail calls of a pinned iterator find no program: pin such arrays by name
    /// (`__uint(pinning, LIBBPF_PIN_BY_NAME)`) for the iterator to keep working.
    public var unpinnedProgramArrays: [String] {
        loaded.plan.maps.filter { $0.attributes.type == MapType.progArray && $0.pinPath == nil && !$0.slots.isEmpty }.map { $0.name }
    }

    /// The options as fields (`map_id 5`, `tid 42`), for a description of what was created.
    public var optionFields: [OptionField] { options.summary(mapID: mapID) }

    /// The program's name, for messages.
    public var displayName: String { program }

    /// The id of the attached program.
    public var programID: UInt32? {
        (try? BPFProgram.info(loaded.selectedProgram.fd))?.id
    }

    /// Reads one full pass of the iterator's output, as text (invalid UTF-8 becomes U+FFFD).
    public func read(options: ReadOptions = ReadOptions()) throws(IteratorError) -> String {
        String(decoding: try readBytes(options: options), as: UTF8.self)
    }

    /// Reads one full pass in chunks, as the kernel produces them; `body` returns false to stop.
    /// Each call runs the iterator afresh (BPF_ITER_CREATE), as a process in the options'
    /// namespaces would see it.
    public func read(options: ReadOptions = ReadOptions(), _ body: (UnsafeRawBufferPointer) -> Bool) throws(IteratorError) {
        let link = self.link
        try IteratorOutput.read(program: program, options: options, body) { (foreign) throws(ReadError) -> FileDescriptor in
            if let foreign { return try foreign.open(link: link, path: nil) }
            do throws(Errno) { return try BPFLink.createIteratorInstance(link: link.fd) } catch { throw ReadError(.open(error)) }
        }
    }

    /// The type `name` in the object's BTF (as compiled), for reading the records the program
    /// writes with `bpf_seq_write`.
    public func recordType(named name: String) throws(IteratorError) -> RecordType {
        let btf: ObjectBTF?
        do { btf = try ObjectBTF.load(object) } catch { throw .object(path: object.name, ObjectError(error)) }
        guard let btf else { throw .records(program: program, .noBTF) }
        do { return try RecordType.find(name, in: btf.original) } catch { throw .records(program: program, error) }
    }

    /// Pins the iterator at `path`, which must be on bpffs and must not exist; reading that file
    /// then runs the iterator, for as long as the pin exists. With `mode` or `owner`, the pin gets
    /// them before this returns (bpffs creates pins `0600` less the umask, owned by the caller);
    /// if setting them fails, the pin is removed and the error says which step failed.
    public func pin(at path: FilePath, mode: PinMode? = nil, owner: PinOwner? = nil) throws(IteratorError) {
        do { try BPFObject.pin(link.fd, at: path) } catch { throw .pin(program: program, path: path, error) }
        let access = PinAccess(mode: mode, owner: owner)
        guard !access.isEmpty else { return }
        do { _ = try access.apply(to: path) } catch { throw .pinAccess(program: program, error) }
    }

    /// Pins the iterator at `path` (see `pin(at:mode:owner:)` with a `FilePath`).
    public func pin(at path: String, mode: PinMode? = nil, owner: PinOwner? = nil) throws(IteratorError) {
        try pin(at: FilePath(path), mode: mode, owner: owner)
    }

    /// Removes the maps this load pinned by name (`LIBBPF_PIN_BY_NAME`), for a caller that gives
    /// up on the iterator after creating it.
    public func unpinMaps() {
        loaded.unpinMaps()
    }

    /// For the command line: access to the link's descriptor without giving up ownership.
    package func withLink<R, E: Error>(_ body: (borrowing FileDescriptor) throws(E) -> R) throws(E) -> R {
        try body(link.fd)
    }
}
