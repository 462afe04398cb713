import Foundation
import InfiniCacheClient
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import NIOPosix

/// `resp`: the proxy's Redis-protocol endpoint beside `redis-server`, driven by Redis's own
/// tools. The cache runs as processes (`infinicache-proxy --resp-port` and 12
/// `infinicache-node`s, built with the bench), so that the proxy's memory is its own.
///
/// - redis-benchmark `-t set,get -d 1024 -c 50 -n 100000` (and with `-P 16`) against both,
///   three times each in turn: the median throughput and p50 latency, Redis the baseline.
///   Then once with keys drawn from 100,000 (`-r 100000`) instead of redis-benchmark's one key.
/// - A 100 MiB value written with `redis-cli -x SET` and read with `redis-cli GET`, checked
///   byte for byte: the time of each beside Redis's, and how much the proxy's resident
///   memory grows during each, beside the value's size (the bar: under half).
/// - `GETRANGE` of 1 KiB from the middle of a 1 GiB object: the chunk bytes the proxy sends
///   the endpoint (from its /metrics), beside one stripe's k chunks.
struct RESPSuite {
    let settings: BenchSettings

    /// The endpoint's coding (infinicache-proxy's defaults): 10 + 2, chunks of 512 KiB.
    static let k = 10
    static let r = 2
    static let chunkLength = 512 << 10

    func run() async throws -> [BenchRow] {
        let redis = try RedisServer()
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let cluster: ProcessCluster
        do {
            await (try await redis.connect()).close()
            progress("resp: starting infinicache-proxy --resp-port and 12 infinicache-node processes")
            cluster = try await ProcessCluster(
                executables: directory, nodeCount: 12, nodeCapacityMiB: 512,
                proxyArguments: ["--resp-port", "0", "--metrics-port", "0", "--resp-chunk-kib", "\(Self.chunkLength >> 10)"]
            )
        } catch {
            await redis.stop()
            throw error
        }
        do {
            guard let respPort = cluster.extraPorts["resp-port"], let metricsPort = cluster.extraPorts["metrics-port"] else {
                throw RedisError("infinicache-proxy did not report its RESP and metrics ports")
            }
            var rows: [BenchRow] = []
            for pipeline in [1, 16] {
                rows += try await self.redisBenchmark(endpoint: respPort, redis: redis.port, pipeline: pipeline)
            }
            rows += try await self.redisBenchmark(endpoint: respPort, redis: redis.port, pipeline: 1, randomKeys: true)
            rows += try await self.largeValue(endpoint: respPort, redis: redis.port, proxy: cluster.proxyProcessIdentifier)
            rows += try await self.rangeRead(endpoint: respPort, metrics: metricsPort, cluster: cluster)
            await cluster.stop()
            await redis.stop()
            return rows
        } catch {
            await cluster.stop()
            await redis.stop()
            throw error
        }
    }

    private func row(_ op: String, _ metric: String, _ unit: String, _ value: Double, size: Int, threads: Int? = nil, variant: String? = nil) -> BenchRow {
        BenchRow(suite: "resp", op: op, metric: metric, unit: unit, value: value, k: Self.k, r: Self.r, size: size, threads: threads, variant: variant)
    }

    /// redis-benchmark's SET and GET figures against each server: the median of three
    /// runs each (one with `--quick` or `randomKeys`), the two servers taking turns so that
    /// the machine's drift hits both alike. Without `randomKeys` every request names one
    /// key, redis-benchmark's default; with it, keys drawn from 100,000 (`-r`).
    private func redisBenchmark(endpoint: Int, redis: Int, pipeline: Int, randomKeys: Bool = false) async throws -> [BenchRow] {
        let requests = self.settings.quick ? 2_000 : 100_000
        let rounds = self.settings.quick || randomKeys ? 1 : 3
        let keyOptions = randomKeys ? ["-r", "100000"] : []
        var samples: [Int: [String: [(rps: Double, p50: Double)]]] = [:]
        for round in 0..<rounds {
            for port in round.isMultiple(of: 2) ? [redis, endpoint] : [endpoint, redis] {
                let arguments = ["-t", "set,get", "-d", "1024", "-c", "50", "-n", "\(requests)", "-P", "\(pipeline)"] + keyOptions
                progress("resp: redis-benchmark \(arguments.joined(separator: " ")) on port \(port) (\(round + 1) of \(rounds))")
                let csv = try await Command.run("redis-benchmark", ["-p", "\(port)"] + arguments + ["--csv"])
                for (test, figure) in try Self.parseBenchmark(csv) {
                    samples[port, default: [:]][test, default: []].append(figure)
                }
            }
        }
        let variant = (pipeline == 1 ? "c50" : "c50-P\(pipeline)") + (randomKeys ? "-r100000" : "")
        return try ["SET", "GET"].flatMap { test -> [BenchRow] in
            guard let ours = samples[endpoint]?[test], ours.count == rounds, let theirs = samples[redis]?[test], theirs.count == rounds else {
                throw RedisError("redis-benchmark printed no \(test) row")
            }
            return [
                self.row(test.lowercased(), "throughput", "ops/s", median(ours.map(\.rps)), size: 1024, threads: 50, variant: variant)
                    .comparedTo(median(theirs.map(\.rps)), named: "redis-server"),
                self.row(test.lowercased(), "p50_latency", "ms", median(ours.map(\.p50)), size: 1024, threads: 50, variant: variant)
                    .comparedTo(median(theirs.map(\.p50)), named: "redis-server"),
            ]
        }
    }

    /// `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",…` rows by test.
    static func parseBenchmark(_ csv: String) throws -> [String: (rps: Double, p50: Double)] {
        var figures: [String: (rps: Double, p50: Double)] = [:]
        for line in csv.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            guard fields.count >= 5, let rps = Double(fields[1]), let p50 = Double(fields[4]) else { continue }
            figures[fields[0]] = (rps, p50)
        }
        return figures
    }

    /// A 100 MiB value through redis-cli, both ways, on both servers; the proxy's memory.
    private func largeValue(endpoint: Int, redis: Int, proxy: Int32) async throws -> [BenchRow] {
        let size = self.settings.quick ? 16 << 20 : 100 << 20
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("infinicache-resp-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let value = directory.appendingPathComponent("value")
        let read = directory.appendingPathComponent("read")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: value)
        var times: [Int: (set: Double, get: Double)] = [:]
        var growth: (set: Int, get: Int) = (0, 0)
        for port in [redis, endpoint] {
            progress("resp: \(size >> 20) MiB SET and GET with redis-cli on port \(port)")
            let sampler = port == endpoint ? MemorySampler(process: proxy) : nil
            let setStart = ContinuousClock.now
            let setReply = try await Command.run("redis-cli", ["-p", "\(port)", "-x", "SET", "big"], input: value)
            let setTime = ContinuousClock.now - setStart
            let setGrowth = await sampler?.stop() ?? 0
            guard setReply.hasPrefix("OK") else { throw RedisError("SET of \(size) bytes on port \(port) answered \(setReply.prefix(80))") }
            let getSampler = port == endpoint ? MemorySampler(process: proxy) : nil
            let getStart = ContinuousClock.now
            try await Command.run("redis-cli", ["-p", "\(port)", "--raw", "GET", "big"], output: read)
            let getTime = ContinuousClock.now - getStart
            let getGrowth = await getSampler?.stop() ?? 0
            // redis-cli ends a raw reply with a newline of its own.
            let bytes = try Data(contentsOf: read)
            guard bytes.count == size + 1, bytes.prefix(size) == (try Data(contentsOf: value)) else {
                throw RedisError("GET of the \(size) bytes written on port \(port) returned \(bytes.count - 1) bytes that differ")
            }
            times[port] = (setTime / .seconds(1), getTime / .seconds(1))
            if port == endpoint {
                growth = (setGrowth, getGrowth)
            }
            try await Command.run("redis-cli", ["-p", "\(port)", "DEL", "big"])
        }
        guard let ours = times[endpoint], let theirs = times[redis] else { return [] }
        return [
            self.row("set", "latency", "s", ours.set, size: size, variant: "redis-cli").comparedTo(theirs.set, named: "redis-server"),
            self.row("get", "latency", "s", ours.get, size: size, variant: "redis-cli").comparedTo(theirs.get, named: "redis-server"),
            self.row("set", "proxy_memory_growth", "bytes", Double(growth.set), size: size, variant: "redis-cli").comparedTo(Double(size), named: "value size"),
            self.row("get", "proxy_memory_growth", "bytes", Double(growth.get), size: size, variant: "redis-cli").comparedTo(Double(size), named: "value size"),
        ]
    }

    /// GETRANGE of 1 KiB from the middle of a large object, written with the Swift client
    /// in the endpoint's coding; the chunk bytes sent for it from the proxy's /metrics.
    private func rangeRead(endpoint: Int, metrics: Int, cluster: ProcessCluster) async throws -> [BenchRow] {
        let size = self.settings.quick ? 64 << 20 : 1 << 30
        progress("resp: writing a \(size >> 20) MiB object, then GETRANGE of 1 KiB from its middle")
        let client = try await cluster.connectClient(
            configuration: ClientConfiguration(dataChunkCount: Self.k, parityChunkCount: Self.r, maxChunkLength: Self.chunkLength, timeout: .seconds(600))
        )
        let object = ByteBuffer(repeating: 0x5A, count: size)
        try await client.put("range-object", object)
        await client.close()
        let offset = size / 2 + 12_345
        let before = try await Self.scrape(port: metrics, metric: "infinicache_proxy_sent_bytes_total")
        let start = ContinuousClock.now
        let reply = try await Command.run("redis-cli", ["-p", "\(endpoint)", "--raw", "GETRANGE", "range-object", "\(offset)", "\(offset + 1023)"])
        let elapsed = ContinuousClock.now - start
        let after = try await Self.scrape(port: metrics, metric: "infinicache_proxy_sent_bytes_total")
        guard reply.utf8.count == 1025 else {
            throw RedisError("GETRANGE returned \(reply.utf8.count - 1) bytes, not 1024")
        }
        let stripeChunkBytes = Double(Self.k * Self.chunkLength)
        return [
            self.row("getrange", "chunk_bytes_moved", "bytes", after - before, size: size, variant: "1KiB").comparedTo(stripeChunkBytes, named: "one stripe's k chunks"),
            self.row("getrange", "latency", "s", elapsed / .seconds(1), size: size, variant: "1KiB redis-cli"),
        ]
    }

    /// One sample's value from a Prometheus endpoint (HTTP/1.0, read to the close).
    static func scrape(port: Int, metric: String) async throws -> Double {
        let channel = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let text = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET /metrics HTTP/1.0\r\n\r\n"))
            var response = ByteBuffer()
            for try await part in inbound {
                response.writeImmutableBuffer(part)
            }
            return String(buffer: response)
        }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(metric + " ") {
            if let value = Double(line.split(separator: " ").last ?? "") {
                return value
            }
        }
        throw RedisError("/metrics has no \(metric)")
    }
}

/// Samples a process's resident memory every 5 ms until stopped; reports the most it
/// grew above where it started.
final class MemorySampler: Sendable {
    private let task: Task<Int, Never>

    init(process: Int32) {
        let start = ProcessMemory.residentBytes(of: process) ?? 0
        self.task = Task {
            var peak = start
            while !Task.isCancelled {
                peak = max(peak, ProcessMemory.residentBytes(of: process) ?? 0)
                try? await Task.sleep(for: .milliseconds(5))
            }
            return peak - start
        }
    }

    func stop() async -> Int {
        self.task.cancel()
        return await self.task.value
    }
}
