import CLinuxBPF

/// When the passes of `interval` start: the first at once, then one every interval on the
/// monotonic clock (so changes of the wall clock do not matter). A pass that runs longer than
/// the interval delays the next one; there is no burst of passes to catch up.
struct PassSchedule {
    /// Nanoseconds between the starts of two passes.
    let interval: UInt64
    /// When the next pass is due (CLOCK_MONOTONIC).
    private(set) var due: UInt64

    /// A schedule whose first pass is due now.
    init(interval: UInt64) {
        self.interval = interval
        due = iter_monotonic_ns()
    }

    /// Sleeps until the next pass is due; false when SIGINT or SIGTERM asked to stop (at once,
    /// even in the middle of the sleep).
    mutating func waitForNext() -> Bool {
        due += interval
        var now = iter_monotonic_ns()
        if due < now { due = now }
        while now < due {
            if iter_stop_sleep(due - now) != 0 { return false }
            now = iter_monotonic_ns()
        }
        return iter_stop_requested() == 0
    }
}
