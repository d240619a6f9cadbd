import Bytes
import SyscallBPF

/// The running kernel's config, from where libbpf looks: /boot/config-$(uname -r) first (plain
/// text), then /proc/config.gz (gzip, inflated by our own decoder).
public enum KernelConfigFile {
    public struct Loaded {
        public var config: KernelConfig?
        public var source: String
        /// What went wrong, when `config` is nil.
        public var problem: String?
    }

    public static func load(release: String) -> Loaded {
        var problems: [String] = []
        for path in ["/boot/config-" + release, "/proc/config.gz"] {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(path)
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
public enum Kallsyms {
    /// Marks a name with two different addresses (static symbols of several files): ambiguous.
    public static let ambiguous = UInt64.max

    public static func addresses(of names: [String], path: String = "/proc/kallsyms") -> [String: UInt64] {
        guard !names.isEmpty, let bytes = try? Files.read(path) else { return [:] }
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
