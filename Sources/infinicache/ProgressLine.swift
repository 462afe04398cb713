import Foundation
import Synchronization

/// A one-line progress display on stderr, shown only when stderr is a terminal and the
/// transfer is large (at least 8 MiB), so scripts and pipes see nothing of it.
final class ProgressLine: Sendable {
    private let total: Int?
    private let verb: String
    private let enabled: Bool
    private let done = Mutex(0)
    private let started = ContinuousClock.now

    init(total: Int?, verb: String) {
        self.total = total
        self.verb = verb
        self.enabled = isatty(STDERR_FILENO) == 1 && (total ?? .max) >= 8 << 20
    }

    /// Shows the line for a transfer that reports no progress until it ends.
    func start() {
        self.render(0)
    }

    func advance(by bytes: Int) {
        self.render(self.done.withLock { done in
            done += bytes
            return done
        })
    }

    func finish() {
        guard self.enabled else { return }
        self.render(self.total ?? self.done.withLock { $0 })
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func render(_ bytes: Int) {
        guard self.enabled else { return }
        let seconds = max((ContinuousClock.now - self.started) / .seconds(1), 0.001)
        let rate = Double(bytes) / seconds / 1e6
        var line = "\r\(self.verb) \(bytes >> 20) MiB"
        if let total = self.total, total > 0 {
            let width = 30
            let filled = width * bytes / total
            line += " / \(total >> 20) MiB [" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "]"
        }
        line += String(format: " %.0f MB/s", rate)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
