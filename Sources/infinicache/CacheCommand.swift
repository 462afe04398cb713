import ArgumentParser
import Foundation
import InfiniCacheClient
import InfiniCacheCommandSupport
import InfiniCacheStatistics
import NIOCore

/// `infinicache`: put, get and delete objects, and read a proxy's counters, from the shell.
@main
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache",
        abstract: "Talks to an InfiniCache proxy.",
        subcommands: [Put.self, Get.self, Delete.self, Stats.self]
    )
}

/// Where the proxy is and how objects are coded.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Host of the proxy's client port.")
    var host = "127.0.0.1"

    @Option(help: "The proxy's client port.")
    var port = 7070

    @Option(name: .customLong("k"), help: "Data chunks per stripe (for put).")
    var dataChunks = 10

    @Option(name: .customLong("r"), help: "Parity chunks per stripe (for put).")
    var parityChunks = 2

    @Option(help: "Seconds before an operation times out.")
    var timeout = 60

    @Option(help: "The token the proxy requires of clients, if it requires one; defaults to $INFINICACHE_CLIENT_TOKEN.")
    var token: String?

    func connect() async throws -> InfiniCacheClient {
        let token = resolvedClientToken(self.token)
        let configuration = ClientConfiguration(dataChunkCount: self.dataChunks, parityChunkCount: self.parityChunks, timeout: .seconds(self.timeout), token: token)
        return try await InfiniCacheClient.connect(to: [(host: self.host, port: self.port)], configuration: configuration)
    }
}

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stores the contents of FILE under KEY.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The key.") var key: String
    @Argument(help: "The file to store.") var file: String

    func run() async throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: self.file))
        let client = try await self.connection.connect()
        let progress = ProgressLine(total: bytes.count, verb: "put")
        progress.start()
        try await client.put(self.key, ByteBuffer(bytes: bytes))
        progress.finish()
        await client.close()
    }
}

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Writes the object stored under KEY to FILE, or to stdout.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The key.") var key: String
    @Argument(help: "The file to write; stdout when omitted.") var file: String?

    func run() async throws {
        let client = try await self.connection.connect()
        defer { Task { await client.close() } }
        let output: FileHandle
        if let file = self.file {
            guard FileManager.default.createFile(atPath: file, contents: nil) else {
                throw ValidationError("cannot create \(file)")
            }
            output = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        } else {
            output = .standardOutput
        }
        let progress = ProgressLine(total: nil, verb: "get")
        do {
            for try await part in client.stream(self.key) {
                output.write(Data(part.readableBytesView))
                progress.advance(by: part.readableBytes)
            }
        } catch let error as InfiniCacheError where error.code == .notFound {
            FileHandle.standardError.write(Data("\(self.key) is not cached\n".utf8))
            throw ExitCode(1)
        }
        progress.finish()
    }
}

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Removes KEY from the cache.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The key.") var key: String

    func run() async throws {
        let client = try await self.connection.connect()
        let existed = try await client.delete(self.key)
        await client.close()
        FileHandle.standardError.write(Data((existed ? "deleted \(self.key)\n" : "\(self.key) was not cached\n").utf8))
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Prints the proxy's counters as a table, or as JSON with --json.")

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the raw statistics as JSON (the ProxyStatistics type), for scripts.")
    var json = false

    func run() async throws {
        let client = try await self.connection.connect()
        let statistics = try await client.statistics()
        await client.close()
        guard self.json else {
            print(StatisticsTable.render(statistics))
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(statistics), as: UTF8.self))
    }
}
