import CLinuxBPF

/// What BPF_PROG_LOAD needs, as plain values. Instructions, func_info and line_info are raw records
/// in host byte order, exactly as the kernel reads them.
public struct ProgramLoadAttributes: Sendable {
    /// `prog_type`: `enum bpf_prog_type` (BPF_PROG_TYPE_TRACING for iterators).
    public var type: UInt32
    /// `expected_attach_type`: `enum bpf_attach_type` (BPF_TRACE_ITER for iterators).
    public var expectedAttachType: UInt32
    /// `prog_name`, truncated to 15 bytes (BPF_OBJ_NAME_LEN).
    public var name: String
    /// The license string; GPL-only helpers and kfuncs need a GPL-compatible one.
    public var license: String
    /// `insns`: `struct bpf_insn` records, 8 bytes each.
    public var instructions: [UInt8]
    /// `prog_flags`: BPF_F_* (BPF_F_SLEEPABLE for `iter.s/` programs).
    public var flags: UInt32
    /// `attach_btf_id`: the attach target in kernel BTF (`bpf_iter_<target>` for iterators).
    public var attachBTFID: UInt32
    /// `func_info`: `struct bpf_func_info` records; sent only with a BTF fd.
    public var funcInfo: [UInt8]
    /// `func_info_rec_size`.
    public var funcInfoRecordSize: UInt32
    /// `line_info`: `struct bpf_line_info` records; sent only with a BTF fd.
    public var lineInfo: [UInt8]
    /// `line_info_rec_size`.
    public var lineInfoRecordSize: UInt32
    /// fds the instructions refer to by index (kfuncs in module BTF use their BTF fd's index).
    package var fdArray: [Int32]

    /// The attributes of one program; everything after `instructions` defaults to "none".
    public init(type: UInt32, expectedAttachType: UInt32, name: String, license: String, instructions: [UInt8],
                flags: UInt32 = 0, attachBTFID: UInt32 = 0,
                funcInfo: [UInt8] = [], funcInfoRecordSize: UInt32 = 0,
                lineInfo: [UInt8] = [], lineInfoRecordSize: UInt32 = 0, fdArray: [Int32] = []) {
        self.type = type
        self.expectedAttachType = expectedAttachType
        self.name = name
        self.license = license
        self.instructions = instructions
        self.flags = flags
        self.attachBTFID = attachBTFID
        self.funcInfo = funcInfo
        self.funcInfoRecordSize = funcInfoRecordSize
        self.lineInfo = lineInfo
        self.lineInfoRecordSize = lineInfoRecordSize
        self.fdArray = fdArray
    }
}

/// BPF_PROG_LOAD failed: the errno of the load itself and what the verifier said.
public struct ProgramLoadError: Error, Sendable {
    /// errno of the load that failed (with `.onFailure`, the first, log-less one).
    public let errno: Errno
    /// The verifier's log (log_level 1); empty with `.never`, or if the repeat with a log loaded.
    public let log: String
}

/// A loaded program and, when asked for, the verifier's log of a successful load.
@frozen
public struct LoadedProgram: ~Copyable {
    /// The program fd.
    public let fd: FileDescriptor
    /// The verifier's log with `.always`; empty otherwise.
    public let log: String
}

/// When BPF_PROG_LOAD collects the verifier's log.
public enum VerifierLogMode: Sendable {
    /// Never (probes: only the errno matters).
    case never
    /// Only to explain a failure: the fast path loads without a log.
    case onFailure
    /// Always, and return it with the program (`-d`).
    case always
}

/// BPF_PROG_LOAD with the verifier log handled the way users need it.
public enum BPFProgram {
    /// Upper bound for the verifier log buffer: 16 MiB is what kernels before 5.2 accept at most
    /// and far more than any error needs.
    static let maxLogSize = 16 << 20
    /// Kernels return EAGAIN for transient verifier failures (e.g. a signal during verification);
    /// libbpf retries five times, so do we.
    static let eagainRetries = 5

    /// Loads a program. With `.onFailure`, the first attempt runs without a log (the fast path); if
    /// it fails, the load is repeated with log level 1 to collect the verifier's reason, growing the
    /// buffer on ENOSPC so the message is complete. With `.always`, the log is collected on every
    /// load and returned with the program.
    public static func load(_ attributes: ProgramLoadAttributes, btf: OwnedDescriptor?,
                            log mode: VerifierLogMode) throws(ProgramLoadError) -> LoadedProgram {
        let btfFD = btf?.fd.rawValue ?? -1
        if mode != .always {
            switch attempt(attributes, btfFD: btfFD, logLevel: 0, logSize: 0) {
            case let .success(loaded):
                return LoadedProgram(fd: FileDescriptor(adopting: loaded.fd), log: "")
            case let .failure(failure):
                let log = mode == .onFailure ? collectLog(attributes, btfFD: btfFD).text : ""
                throw ProgramLoadError(errno: failure.errno, log: log)
            }
        }
        var size = 1 << 20
        while true {
            switch attempt(attributes, btfFD: btfFD, logLevel: 1, logSize: size) {
            case let .success(loaded):
                return LoadedProgram(fd: FileDescriptor(adopting: loaded.fd), log: loaded.log)
            case let .failure(failure) where failure.errno == Errno.ENOSPC && size < maxLogSize:
                size *= 4
            case let .failure(failure):
                throw ProgramLoadError(errno: failure.errno, log: failure.log)
            }
        }
    }

    /// Repeats a failed load with a log, growing the buffer until the log fits (or the cap).
    static func collectLog(_ attributes: ProgramLoadAttributes, btfFD: Int32) -> (text: String, errno: Errno?) {
        var size = 64 << 10
        while true {
            switch attempt(attributes, btfFD: btfFD, logLevel: 1, logSize: size) {
            case let .success(loaded):
                // Loaded this time (a transient failure): we only wanted the log.
                _ = close(loaded.fd)
                return ("", nil)
            case let .failure(failure) where failure.errno == Errno.ENOSPC && size < maxLogSize:
                size *= 4
            case let .failure(failure):
                return (failure.log, failure.errno)
            }
        }
    }

    /// One BPF_PROG_LOAD (retrying EAGAIN), returning the raw fd or the errno and log.
    static func attempt(_ a: ProgramLoadAttributes, btfFD: Int32,
                        logLevel: UInt32, logSize: Int) -> Result<(fd: Int32, log: String), ProgramLoadError> {
        var log = [UInt8](repeating: 0, count: max(logSize, 1))
        var attr = bpf_attr()
        attr.prog_type = a.type
        attr.expected_attach_type = a.expectedAttachType
        attr.insn_cnt = UInt32(a.instructions.count / 8)
        attr.prog_flags = a.flags
        attr.attach_btf_id = a.attachBTFID
        setObjectName(a.name, into: &attr.prog_name)
        var license = Array(a.license.utf8)
        license.append(0)
        var result: Int32 = -1
        var savedErrno: Errno = .EINVAL
        a.instructions.withUnsafeBytes { insns in
        license.withUnsafeBytes { lic in
        a.funcInfo.withUnsafeBytes { funcInfo in
        a.lineInfo.withUnsafeBytes { lineInfo in
        a.fdArray.withUnsafeBytes { fdArray in
        log.withUnsafeMutableBytes { logBuffer in
            attr.insns = address(insns.baseAddress)
            attr.license = address(lic.baseAddress)
            if btfFD >= 0 {
                attr.prog_btf_fd = UInt32(bitPattern: btfFD)
                if !a.funcInfo.isEmpty {
                    attr.func_info = address(funcInfo.baseAddress)
                    attr.func_info_rec_size = a.funcInfoRecordSize
                    attr.func_info_cnt = UInt32(a.funcInfo.count) / max(a.funcInfoRecordSize, 1)
                }
                if !a.lineInfo.isEmpty {
                    attr.line_info = address(lineInfo.baseAddress)
                    attr.line_info_rec_size = a.lineInfoRecordSize
                    attr.line_info_cnt = UInt32(a.lineInfo.count) / max(a.lineInfoRecordSize, 1)
                }
            }
            if !a.fdArray.isEmpty { attr.fd_array = address(fdArray.baseAddress) }
            if logLevel > 0 {
                attr.log_level = logLevel
                attr.log_size = UInt32(logSize)
                attr.log_buf = address(UnsafeRawPointer(logBuffer.baseAddress))
            }
            for _ in 0...eagainRetries {
                switch BPFSyscall.invoke(BPF_PROG_LOAD, &attr) {
                case let .success(fd):
                    result = fd
                    return
                case let .failure(error):
                    savedErrno = error
                    if error != .EAGAIN { return }
                }
            }
        }}}}}}
        let text = String(decoding: log.prefix { $0 != 0 }, as: UTF8.self)
        if result >= 0 { return .success((result, text)) }
        return .failure(ProgramLoadError(errno: savedErrno, log: text))
    }
}

