/// The names closest to one that was not found, for "did you mean …?": a misspelling (edit
/// distance up to a third of the name, at least 1, at most 3), or a part of a name (`comm` for
/// `target_comm`).
enum NameSuggestions {
    /// At most `limit` of `names`, closest first.
    static func closest(to wanted: String, in names: [String], limit: Int = 3) -> [String] {
        let target = Array(wanted.utf8)
        let allowed = min(3, max(1, target.count / 3))
        var scored: [(distance: Int, name: String)] = []
        for name in names {
            let candidate = Array(name.utf8)
            let distance = editDistance(target, candidate)
            if distance <= allowed || (target.count >= 3 && contains(candidate, target)) {
                scored.append((distance, name))
            }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
        return scored.prefix(limit).map { $0.name }
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
