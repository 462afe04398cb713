public import Foundation
import FunctionPlatform
import Synchronization

/// Starting, finding and stopping the executables a local deployment runs as child
/// processes (`infinicache-node` instances here; the proxy, nodes and Redis in tests and
/// the bench).
public enum ChildProcess {
    /// The built executable `name` in `directory`.
    ///
    /// - Throws: `PlatformError` with code `launcherUnavailable` if it is missing.
    public static func executable(_ name: String, in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw PlatformError(.launcherUnavailable, "\(name) is not built in \(directory.path); run `swift build` first")
        }
        return url
    }

    /// Starts `executable` with `arguments` and `environment` added to this process's;
    /// its output is discarded unless `output` is given, its errors always.
    public static func launch(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends `signal` (SIGTERM by default; SIGKILL plays a reclaimed function), then
    /// SIGKILL to whatever has not exited 5 s later, and returns once every process has
    /// exited (Foundation reaps them and calls their termination handlers).
    public static func terminate(_ processes: [Process], signal: Int32 = SIGTERM) async {
        await withTaskGroup(of: Void.self) { group in
            for process in processes {
                group.addTask { await self.stop(process, signal: signal) }
            }
        }
    }

    private static func stop(_ process: Process, signal: Int32) async {
        let exited = Exit()
        let pid = process.processIdentifier
        let deadline = Task {
            try await Task.sleep(for: .seconds(5))
            kill(pid, SIGKILL)
        }
        await withCheckedContinuation { continuation in
            exited.wait(with: continuation)
            process.terminationHandler = { _ in exited.happened() }
            // It may have exited before the handler was set.
            guard process.isRunning else {
                exited.happened()
                return
            }
            kill(pid, signal)
        }
        deadline.cancel()
    }

    /// The command line of an `infinicache-node` that dials `proxyPort` as `function`
    /// (and `instance`, when given), holds `capacityMiB`, and adds `extra` arguments.
    public static func nodeArguments(proxyPort: Int, function: String, instance: UInt64? = nil, capacityMiB: Int, extra: [String] = []) -> [String] {
        var arguments = ["--proxy-port", "\(proxyPort)", "--function-id", function, "--capacity-mib", "\(capacityMiB)", "--log-level", "error"]
        if let instance {
            arguments += ["--instance-id", "\(instance)"]
        }
        return arguments + extra
    }
}

/// A process's exit, awaited once: whichever of the termination handler and the check
/// that it already exited comes first resumes the waiter.
private final class Exit: Sendable {
    private let state = Mutex<(happened: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func wait(with waiter: CheckedContinuation<Void, Never>) {
        self.state.withLock { $0.waiter = waiter }
    }

    func happened() {
        let waiter = self.state.withLock { state in
            defer {
                state.happened = true
                state.waiter = nil
            }
            return state.happened ? nil : state.waiter
        }
        waiter?.resume()
    }
}
