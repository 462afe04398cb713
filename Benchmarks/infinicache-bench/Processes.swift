import Foundation
import InstanceLaunchers
import NIOCore
import NIOPosix

/// What the bench needs to know about child processes (started with `ProcessCluster`).
enum Processes {
    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: NIOSingletons.posixEventLoopGroup).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }
}

/// `redis-server` from the system, with persistence off: on a loopback port, or on `host`
/// started through the command `wrapper` (`ip netns exec NS`, to run it in a namespace).
final class RedisServer {
    let host: String
    let port: Int
    private let process: Process
    /// Who spends CPU on Redis' requests: the server, and this process (the client).
    var cpuAccount: CPUAccount { CPUAccount(roles: ["redis": [self.process.processIdentifier], "client": [getpid()]]) }

    init(host: String = "127.0.0.1", wrapper: [String] = []) throws {
        self.host = host
        self.port = host == "127.0.0.1" ? try Processes.freePort() : 6379
        let executable = try Command.locate("redis-server")
        let arguments = [
            "--port", "\(self.port)", "--bind", host, "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--maxmemory", "0",
        ]
        self.process = try ChildProcess.launch(executable, arguments, through: wrapper)
    }

    /// Connects once Redis accepts connections (it needs a moment to start).
    func connect() async throws -> RESPConnection {
        for _ in 0..<200 {
            if let connection = try? await RESPConnection.connect(host: self.host, port: self.port) {
                return connection
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw RedisError("redis-server did not start on port \(self.port)")
    }

    func stop() async {
        await ChildProcess.terminate([self.process])
    }
}
