import Foundation
import Synchronization

extension Pipe {
    /// The first line a child process writes to this pipe, without its newline: how the
    /// executables say they are ready. Reading happens as the bytes arrive (no thread
    /// blocks on the pipe), and stops at the first newline.
    ///
    /// - Throws: `CocoaError` if the pipe closes before a whole line, or if none arrives
    ///   within `timeout`.
    func firstLine(within timeout: Duration) async throws -> String {
        let reader = LineReader()
        let handle = self.fileHandleForReading
        let deadline = Task {
            try await Task.sleep(for: timeout)
            reader.finish(.failure(CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "no line within \(timeout)"])))
        }
        defer {
            deadline.cancel()
            handle.readabilityHandler = nil
        }
        return try await withCheckedThrowingContinuation { continuation in
            reader.wait(with: continuation)
            handle.readabilityHandler = { handle in
                reader.take(handle.availableData)
            }
        }
    }
}

/// Collects bytes until the first newline and hands that line to one waiter.
private final class LineReader: Sendable {
    private struct State {
        var bytes = Data()
        var waiter: CheckedContinuation<String, any Error>?
        var result: Result<String, any Error>?
    }

    private let state = Mutex(State())

    func wait(with waiter: CheckedContinuation<String, any Error>) {
        let result = self.state.withLock { state in
            if state.result == nil {
                state.waiter = waiter
            }
            return state.result
        }
        if let result {
            waiter.resume(with: result)
        }
    }

    /// Takes the bytes read; empty means the pipe closed.
    func take(_ chunk: Data) {
        let line = self.state.withLock { state -> Result<String, any Error>? in
            guard !chunk.isEmpty else {
                return .failure(CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the pipe closed after \(state.bytes.count) bytes without a newline"]))
            }
            state.bytes.append(chunk)
            guard let end = state.bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            return .success(String(decoding: state.bytes[..<end], as: UTF8.self))
        }
        if let line {
            self.finish(line)
        }
    }

    func finish(_ result: Result<String, any Error>) {
        let waiter = self.state.withLock { state -> CheckedContinuation<String, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }
}
