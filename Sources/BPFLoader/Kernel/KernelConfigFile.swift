import Bytes
import SyscallBPF

/// The running kernel's config, from where libbpf looks: /boot/config-$(uname -r) first (plain
/// text), then /proc/config.gz (gzip, inflated by our own decoder).
package enum KernelConfigFile {
    /// What `load` found: the config, or why there is none.
    package struct Loaded {
        /// The parsed config; nil if neither file could be read and parsed.
        package var config: KernelConfig?
        /// The path the config came from; "" when `config` is nil.
        package var source: String
        /// What went wrong, when `config` is nil.
        package var problem: String?
    }

    /// Tries /boot/config-<release> (`uname -r`), then /proc/config.gz. Cannot fail: when neither
    /// can be read and parsed, `config` is nil and `problem` gives each path's error.
    package static func load(release: String) -> Loaded {
        var problems: [String] = []
        for path in ["/boot/config-" + release, "/proc/config.gz"] {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(FilePath(path))
            } catch {
                problems.append("\(path): \(error.description)")
                continue
            }
            do {
                return Loaded(config: try KernelConfig(fileContents: ByteView(bytes)), source: path, problem: nil)
            } catch {
                problems.append("\(path): \(error.description)")
            }
        }
        return Loaded(config: nil, source: "", problem: problems.joined(separator: "; "))
    }
}

/// Addresses from /proc/kallsyms ("ffffffff81000000 T _stext [module]").
package enum Kallsyms {
    /// Marks a name with two different addresses (static symbols of several files): ambiguous.
    package static let ambiguous = UInt64.max

    /// Addresses of those `names` that /proc/kallsyms lists (module symbols too); a name not found is
    /// absent, and the result is empty if the file cannot be read. Where kptr_restrict hides addresses
    /// from this process, the kernel prints 0 and 0 is what is returned.
    package static func addresses(of names: [String], path: String = "/proc/kallsyms") -> [String: UInt64] {
        guard !names.isEmpty, let bytes = try? Files.read(FilePath(path)) else { return [:] }
        let wanted = Set(names)
        var found: [String: UInt64] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
            guard fields.count == 3 else { continue }
            // The name ends at a tab (before "[module]") or the end of the line.
            let nameBytes = fields[2].prefix { $0 != UInt8(ascii: "\t") }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard wanted.contains(name), let address = UInt64(String(decoding: fields[0], as: UTF8.self), radix: 16) else { continue }
            if let previous = found[name], previous != address { found[name] = ambiguous } else { found[name] = address }
        }
        return found
    }
}
