

/// A shared owner of one fd, so collections (maps of an object, programs) can hold fds: arrays
/// cannot hold `~Copyable` values. The fd closes when the last reference goes.
public final class OwnedDescriptor {
    public let fd: FileDescriptor

    public init(_ fd: consuming FileDescriptor) {
        self.fd = fd
    }
}
