public import Foundation
import FunctionPlatform

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
    /// its output is discarded unless `output` is given, its errors always. With a
    /// `wrapper` command (such as `ip netns exec NS`), that command is started with the
    /// executable and its arguments after its own.
    public static func launch(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], output: Pipe? = nil, through wrapper: [String] = []) throws -> Process {
        let process = Process()
        if let command = wrapper.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = wrapper.dropFirst() + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends `signal` (SIGTERM by default; SIGKILL plays a reclaimed function), then
    /// SIGKILL to whatever has not exited 5 s later, and reaps them. It polls `waitpid`
    /// itself every 10 ms, bounded by the 5 s deadline: Foundation's `waitUntilExit` spins
    /// forever on Linux when no run loop runs on the main thread, as in an async command,
    /// and its termination handler learns of an exit from end-of-file on a descriptor
    /// that a process spawned at the same moment can inherit — so a handler can wait on
    /// an unrelated process. Between polls it sleeps as a task, not a thread, so that a
    /// process slow to exit holds up none of the concurrency pool's few threads.
    public static func terminate(_ processes: [Process], signal: Int32 = SIGTERM) async {
        let pids = processes.map(\.processIdentifier)
        for pid in pids {
            kill(pid, signal)
        }
        let deadline = ContinuousClock.now + .seconds(5)
        var running = Set(pids)
        while !running.isEmpty {
            for pid in running {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid || (result == -1 && errno == ECHILD) {
                    running.remove(pid)
                }
            }
            if ContinuousClock.now > deadline {
                for pid in running { kill(pid, SIGKILL) }
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
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
