import CLinuxBPF

/// Wall-clock time for pass headers: UTC, ISO 8601 with milliseconds (`2026-12-05T23:14:51.123Z`),
/// formatted here (no Foundation, no locale, no time zone files).
enum WallClock {
    /// Now, in nanoseconds since the epoch (CLOCK_REALTIME).
    static func now() -> UInt64 { iter_realtime_ns() }

    /// `nanoseconds` since 1970-01-01T00:00:00Z as `YYYY-MM-DDThh:mm:ss.mmmZ`.
    static func iso8601(_ nanoseconds: UInt64) -> String {
        let milliseconds = nanoseconds / 1_000_000
        let seconds = milliseconds / 1000
        let (year, month, day) = civil(days: Int64(seconds / 86400))
        let time = seconds % 86400
        return "\(year)-\(two(month))-\(two(day))T\(two(Int64(time / 3600))):\(two(Int64(time / 60 % 60)))"
            + ":\(two(Int64(time % 60))).\(three(Int64(milliseconds % 1000)))Z"
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func three(_ value: Int64) -> String {
        value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)"
    }
}
