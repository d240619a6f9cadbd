import CLinuxBPF

/// The kernel's buffer for one read of an iterator (`seq_file`'s): 8 pages since Linux 5.10, one
/// page before. One element's output must fit in it, or read(2) fails with E2BIG.
enum SeqBuffer {
    /// Its size on the running kernel, in bytes.
    static func size(kernelVersion: UInt32) -> Int {
        pageSize * pages(kernelVersion: kernelVersion)
    }

    /// Pages in the buffer: 8 from 5.10 on (KERNEL_VERSION(5, 10, 0) = 0x050a00).
    static func pages(kernelVersion: UInt32) -> Int {
        kernelVersion >= 0x050a00 ? 8 : 1
    }

    /// The size of a page (4096 on x86; 4, 16 or 64 KiB on arm64).
    static var pageSize: Int {
        let size = iter_page_size()
        return size > 0 ? Int(size) : 4096
    }

    /// `8 pages` for a buffer of this size.
    static func describe(_ size: Int) -> String {
        let pages = size / pageSize
        return pages == 1 ? "1 page" : "\(pages) pages"
    }

    /// How much to ask for per read(2): at least the kernel's buffer (a read never returns more
    /// than one buffer's worth), and 256 KiB, as the kernel fills what it can.
    static func chunkSize(kernelVersion: UInt32) -> Int {
        max(256 << 10, size(kernelVersion: kernelVersion))
    }
}
