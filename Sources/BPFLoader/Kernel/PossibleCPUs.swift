import SyscallBPF

/// The number of possible CPUs, as libbpf's libbpf_num_possible_cpus counts them: what a perf
/// event array declared without `max_entries` is sized to.
enum PossibleCPUs {
    static let path = "/sys/devices/system/cpu/possible"

    /// Reads and parses `path`; nil if it cannot be read or parsed.
    static func read() -> UInt32? {
        guard let bytes = try? Files.read(FilePath(path)) else { return nil }
        return count(String(decoding: bytes, as: UTF8.self))
    }

    /// Counts a CPU list (`0-3`, `0,2-5`, `0`): the highest CPU number plus one, as libbpf does
    /// (possible CPUs are numbered densely from 0; the list form is the kernel's cpulist).
    static func count(_ list: String) -> UInt32? {
        var highest: UInt32? = nil
        for part in list.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count == 1 || bounds.count == 2 else { return nil }
            var values: [UInt32] = []
            for bound in bounds {
                guard let value = UInt32(bound) else { return nil }
                values.append(value)
            }
            guard let last = values.last, values.first.map({ $0 <= last }) == true else { return nil }
            highest = max(highest ?? 0, last)
        }
        guard let highest, highest < UInt32.max else { return nil }
        return highest + 1
    }
}
