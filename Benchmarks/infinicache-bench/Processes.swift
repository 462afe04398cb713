import Foundation
import NIOCore
import NIOPosix

/// Child processes the bench starts: Redis, or the cache's own executables.
enum Processes {
    /// An executable built next to this bench (`swift build -c release` builds them all).
    static func sibling(_ name: String) throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw RedisError("\(name) is not built next to the bench in \(directory.path); run `swift build -c release` first")
        }
        return url
    }

    /// Starts `executable` with `arguments`, its output discarded unless `output` is given.
    static func start(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Sends SIGTERM, and SIGKILL to whatever has not exited 5 s later. It polls
    /// `waitpid` itself: Foundation's `waitUntilExit` spins forever on Linux when no run
    /// loop runs on the main thread, as in this async command.
    static func stop(_ processes: [Process]) {
        let pids = processes.map(\.processIdentifier)
        for pid in pids {
            kill(pid, SIGTERM)
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
            usleep(10_000)
        }
    }

    /// Resident memory of a process in bytes, from /proc.
    static func residentBytes(of process: Process) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else {
            return nil
        }
        return kilobytes * 1024
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: NIOSingletons.posixEventLoopGroup).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }
}

/// `redis-server` from the system, on a loopback port with persistence off.
final class RedisServer {
    let port: Int
    private let process: Process

    init() throws {
        self.port = try Processes.freePort()
        let executable = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let executable else {
            throw RedisError("redis-server is not installed (scripts/with-deps installs it)")
        }
        self.process = try Processes.start(URL(fileURLWithPath: executable), [
            "--port", "\(self.port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--maxmemory", "0",
        ])
    }

    /// Connects once Redis accepts connections (it needs a moment to start).
    func connect() async throws -> RESPConnection {
        for _ in 0..<200 {
            if let connection = try? await RESPConnection.connect(port: self.port) {
                return connection
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw RedisError("redis-server did not start on port \(self.port)")
    }

    func stop() {
        Processes.stop([self.process])
    }
}
