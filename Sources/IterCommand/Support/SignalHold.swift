import CLinuxBPF

/// Every signal that would end iter, held (blocked) while `pin` does what it must finish or undo:
/// pinning maps by name while loading, mounting bpffs, pinning the iterator. A signal that arrives
/// meanwhile stays pending; `pending` lets the steps stop early and undo what they did, and
/// `release` delivers it, so iter then ends by that signal with nothing left behind (or with a
/// complete pin, if it came after the last step).
///
/// SIGKILL cannot be held: it is the one way to leave a half-made pin behind.
struct SignalHold {
    /// The signal mask before the hold: signals blocked by whoever started iter stay blocked.
    private let saved: UInt64
    private let held: Bool

    /// Holds the signals now.
    init() {
        var saved: UInt64 = 0
        held = iter_hold_fatal_signals(&saved) == 0
        self.saved = saved
    }

    /// A held signal that will end iter when released, or nil.
    var pending: Int32? {
        guard held else { return nil }
        let signal = iter_pending_fatal_signal(saved)
        return signal == 0 ? nil : signal
    }

    /// Fails with "interrupted by signal N" if a signal is waiting: the caller then undoes its steps.
    func check() throws(CommandFailure) {
        if let signal = pending { throw CommandFailure("interrupted by signal \(signal)") }
    }

    /// Restores the mask as it was; a pending signal is delivered now.
    func release() {
        if held { _ = iter_restore_signal_mask(saved) }
    }
}
