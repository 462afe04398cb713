import Foundation
import Synchronization

/// A progress bar on stderr for work done in parallel parts: one line redrawn in place on
/// a terminal, a line per tenth of the work otherwise (logs stay short).
final class ProgressBar: Sendable {
    private struct State {
        var done: [String: Double] = [:]
        var shownTenths = -1
    }

    private let label: String
    private let total: Double
    private let state = Mutex(State())
    private let isTerminal = isatty(FileHandle.standardError.fileDescriptor) != 0

    /// A bar for `total` units of work, shown after `label`.
    init(label: String, total: Double) {
        self.label = label
        self.total = max(total, 1)
    }

    /// Part `part` has done `done` units.
    func update(_ part: String, done: Double) {
        let line: String? = self.state.withLock { state in
            state.done[part] = done
            let fraction = min(state.done.values.reduce(0, +) / self.total, 1)
            let tenths = Int(fraction * 10)
            guard self.isTerminal || tenths > state.shownTenths else { return nil }
            state.shownTenths = tenths
            let filled = Int(fraction * 30)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
            return "\(self.label) [\(bar)] \(Int(fraction * 100))%"
        }
        guard let line else { return }
        FileHandle.standardError.write(Data((self.isTerminal ? "\r" + line : line + "\n").utf8))
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if self.isTerminal {
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }
}
