

/// A shared owner of one fd, so collections (maps of an object, programs) can hold fds: arrays
/// cannot hold `~Copyable` values. The fd closes when the last reference goes.
public final class OwnedDescriptor {
    /// The fd, closed when this object is deallocated.
    public let fd: FileDescriptor

    /// Takes ownership of `fd`.
    public init(_ fd: consuming FileDescriptor) {
        self.fd = fd
    }
}
