import BTFParser
import Bytes
import SyscallBPF

/// Reads the running kernel's BTF from sysfs: mapped read-only where the kernel allows it (6.16+),
/// so nothing is copied and only the pages we touch become resident; read into memory otherwise.
package enum KernelBTFFile {
    /// Where the kernel publishes BTF: `vmlinux`, and split BTF for each loaded module that has it.
    package static let directory = "/sys/kernel/btf"
    /// The kernel's own BTF (CONFIG_DEBUG_INFO_BTF).
    package static let vmlinuxPath = "/sys/kernel/btf/vmlinux"

    /// How the bytes were obtained, for `-d`.
    package enum Access: Sendable, Equatable {
        case mapped
        case read
        /// From the kernel's BTF object through bpf(2): no sysfs (chroot, container).
        case kernelObject
    }

    /// The most kernel BTF iter takes from one file (EFBIG past it).
    package static let sizeLimit = BPFBTF.sizeLimit

    /// The raw bytes of a sysfs BTF file.
    package static func bytes(path: FilePath) throws(Errno) -> (ByteView, Access) {
        let fd = try Files.open(path)
        let (size, _) = try Files.stat(fd)
        guard size <= sizeLimit else { throw Errno.EFBIG }
        if size > 0, let mapped = try? Files.map(fd, size: size) {
            return (ByteView(unsafeStart: mapped.base, count: mapped.count, owner: mapped), .mapped)
        }
        let data = try Files.readAll(fd, sizeHint: size, limit: sizeLimit)
        return (ByteView(keeping: data), .read)
    }

    /// vmlinux BTF, parsed (the type index is built; no type is decoded). Without sysfs, the kernel's
    /// "vmlinux" BTF object is asked for its bytes instead.
    package static func vmlinux(path: String = vmlinuxPath, lookingUp names: BTFNameQuery? = nil) throws(LoadError) -> (BTF, Access) {
        let (bytes, access): (ByteView, Access)
        do {
            (bytes, access) = try KernelBTFFile.bytes(path: FilePath(path))
        } catch {
            guard error == .ENOENT, let data = try? kernelObjectBytes(named: "vmlinux") else {
                throw .kernelBTFUnavailable(path: path, error)
            }
            (bytes, access) = (ByteView(keeping: data), .kernelObject)
        }
        do { return (try BTF(bytes, lookingUp: names), access) } catch { throw .kernelBTF(error) }
    }

    static func kernelObjectBytes(named name: String) throws(Errno) -> [UInt8] {
        guard let fd = try BPFBTF.kernelBTF(named: name) else { throw Errno.ENOENT }
        return try BPFBTF.data(fd, limit: sizeLimit)
    }
}

/// Keeps a byte array alive (and unchanged) for the views on it.
final class KeptBytes {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

extension ByteView {
    /// A view of `bytes` without copying them: `ByteView([UInt8])` makes a private copy, which
    /// for 5 MB of kernel BTF read from sysfs doubles the peak memory of a run. The array is held,
    /// never mutated, by the view's owner, so its storage stays where it is.
    init(keeping bytes: [UInt8]) {
        let kept = KeptBytes(bytes)
        let base = kept.bytes.withUnsafeBytes { $0.baseAddress }
        self.init(unsafeStart: base, count: kept.bytes.count, owner: kept)
    }
}

/// Module BTF from /sys/kernel/btf/<module>, read when planning first asks for it.
package final class SysfsModuleBTF: ModuleBTFSource {
    let vmlinux: BTF
    var cache: [String: BTF] = [:]

    /// Module BTF is parsed as split BTF on top of `vmlinux`, which must be the running kernel's.
    package init(vmlinux: BTF) {
        self.vmlinux = vmlinux
    }

    /// Entries of /sys/kernel/btf other than vmlinux, sorted; empty if the directory cannot be listed.
    package func moduleNames() -> [String] {
        let entries = (try? Files.list(FilePath(KernelBTFFile.directory))) ?? []
        // Module names are what the kernel gives modules: UTF-8 (ASCII in practice).
        return entries.compactMap { $0.name.string }.filter { $0 != "vmlinux" }.sorted()
    }

    /// /sys/kernel/btf/<module> parsed as split BTF on vmlinux, and cached; nil if it cannot be read or
    /// parsed (a failure is not cached).
    package func btf(of module: String) -> BTF? {
        if let cached = cache[module] { return cached }
        guard let (bytes, _) = try? KernelBTFFile.bytes(path: FilePath(KernelBTFFile.directory + "/" + module)),
              let btf = try? BTF(bytes, base: vmlinux)
        else { return nil }
        cache[module] = btf
        return btf
    }
}
