import CLinuxBPF

/// An open file descriptor that closes itself when it goes out of scope. BPF objects (maps,
/// programs, links, BTF) live as long as an fd or a pin refers to them, so ownership is what makes
/// "a failed command leaves nothing behind" hold on every error path.
@frozen
public struct FileDescriptor: ~Copyable {
    /// The descriptor number; owned by this value, so never close it or keep it past its lifetime.
    public let rawValue: Int32

    /// Takes ownership of `raw`. A descriptor numbered 0–2 (possible when iter starts with stdin,
    /// stdout or stderr closed, as in an initramfs) is moved above 2 first, so nothing we create
    /// is ever mistaken for a standard stream.
    public init(adopting raw: Int32) {
        if raw >= 0 && raw <= 2 {
            let moved = iter_fcntl_dupfd_cloexec(raw, 3)
            if moved >= 0 {
                _ = close(raw)
                rawValue = moved
                return
            }
        }
        rawValue = raw
    }

    /// Gives up ownership without closing (the caller now owns the number).
    public consuming func release() -> Int32 {
        let raw = rawValue
        discard self
        return raw
    }

    deinit {
        if rawValue >= 0 { _ = close(rawValue) }
    }
}
